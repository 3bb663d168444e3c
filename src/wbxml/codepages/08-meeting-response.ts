// MS-ASWBXML 2.1.2.1.9 Code Page 8: MeetingResponse
import { ALL, defineCodePage } from '../codepage.js';

export default defineCodePage(8, 'MeetingResponse', {
  CalendarId: [0x05, ALL],
  CollectionId: [0x06, ALL],
  MeetingResponse: [0x07, ALL],
  RequestId: [0x08, ALL],
  Request: [0x09, ALL],
  Result: [0x0a, ALL],
  Status: [0x0b, ALL],
  UserResponse: [0x0c, ALL],
  Version: [0x0d, ALL],
  InstanceId: [0x0e, ['14.1', '16.0', '16.1']],
  ProposedStartTime: [0x10, ['16.0', '16.1']],
  ProposedEndTime: [0x11, ['16.0', '16.1']],
  SendResponse: [0x12, ['16.0', '16.1']],
});
