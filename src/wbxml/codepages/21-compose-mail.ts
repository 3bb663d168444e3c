// MS-ASWBXML 2.1.2.1.22 Code Page 21: ComposeMail
import { defineCodePage } from '../codepage.js';

export default defineCodePage(21, 'ComposeMail', {
  SendMail: [0x05, ['14.0', '14.1', '16.0', '16.1']],
  SmartForward: [0x06, ['14.0', '14.1', '16.0', '16.1']],
  SmartReply: [0x07, ['14.0', '14.1', '16.0', '16.1']],
  SaveInSentItems: [0x08, ['14.0', '14.1', '16.0', '16.1']],
  ReplaceMime: [0x09, ['14.0', '14.1', '16.0', '16.1']],
  Source: [0x0b, ['14.0', '14.1', '16.0', '16.1']],
  FolderId: [0x0c, ['14.0', '14.1', '16.0', '16.1']],
  ItemId: [0x0d, ['14.0', '14.1', '16.0', '16.1']],
  LongId: [0x0e, ['14.0', '14.1', '16.0', '16.1']],
  InstanceId: [0x0f, ['14.0', '14.1', '16.0', '16.1']],
  Mime: [0x10, ['14.0', '14.1', '16.0', '16.1']],
  ClientId: [0x11, ['14.0', '14.1', '16.0', '16.1']],
  Status: [0x12, ['14.0', '14.1', '16.0', '16.1']],
  AccountId: [0x13, ['14.1', '16.0', '16.1']],
  Forwardees: [0x15, ['16.0', '16.1']],
  Forwardee: [0x16, ['16.0', '16.1']],
  ForwardeeName: [0x17, ['16.0', '16.1']],
  ForwardeeEmail: [0x18, ['16.0', '16.1']],
});
