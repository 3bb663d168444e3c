// MS-ASWBXML 2.1.2.1.23 Code Page 22: Email2
import { defineCodePage } from '../codepage.js';

export default defineCodePage(22, 'Email2', {
  UmCallerID: [0x05, ['14.0', '14.1', '16.0', '16.1']],
  UmUserNotes: [0x06, ['14.0', '14.1', '16.0', '16.1']],
  UmAttDuration: [0x07, ['14.0', '14.1', '16.0', '16.1']],
  UmAttOrder: [0x08, ['14.0', '14.1', '16.0', '16.1']],
  ConversationId: [0x09, ['14.0', '14.1', '16.0', '16.1']],
  ConversationIndex: [0x0a, ['14.0', '14.1', '16.0', '16.1']],
  LastVerbExecuted: [0x0b, ['14.0', '14.1', '16.0', '16.1']],
  LastVerbExecutionTime: [0x0c, ['14.0', '14.1', '16.0', '16.1']],
  ReceivedAsBcc: [0x0d, ['14.0', '14.1', '16.0', '16.1']],
  Sender: [0x0e, ['14.0', '14.1', '16.0', '16.1']],
  CalendarType: [0x0f, ['14.0', '14.1', '16.0', '16.1']],
  IsLeapMonth: [0x10, ['14.0', '14.1', '16.0', '16.1']],
  AccountId: [0x11, ['14.1', '16.0', '16.1']],
  FirstDayOfWeek: [0x12, ['14.1', '16.0', '16.1']],
  MeetingMessageType: [0x13, ['14.1', '16.0', '16.1']],
  IsDraft: [0x15, ['16.0', '16.1']],
  Bcc: [0x16, ['16.0', '16.1']],
  Send: [0x17, ['16.0', '16.1']],
});
