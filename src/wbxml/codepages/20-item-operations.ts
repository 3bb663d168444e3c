// MS-ASWBXML 2.1.2.1.21 Code Page 20: ItemOperations
import { ALL, defineCodePage } from '../codepage.js';

export default defineCodePage(20, 'ItemOperations', {
  ItemOperations: [0x05, ALL],
  Fetch: [0x06, ALL],
  Store: [0x07, ALL],
  Options: [0x08, ALL],
  Range: [0x09, ALL],
  Total: [0x0a, ALL],
  Properties: [0x0b, ALL],
  Data: [0x0c, ALL],
  Status: [0x0d, ALL],
  Response: [0x0e, ALL],
  Version: [0x0f, ALL],
  Schema: [0x10, ALL],
  Part: [0x11, ALL],
  EmptyFolderContents: [0x12, ALL],
  DeleteSubFolders: [0x13, ALL],
  UserName: [0x14, ALL],
  Password: [0x15, ALL],
  Move: [0x16, ['14.0', '14.1', '16.0', '16.1']],
  DstFldId: [0x17, ['14.0', '14.1', '16.0', '16.1']],
  ConversationId: [0x18, ['14.0', '14.1', '16.0', '16.1']],
  MoveAlways: [0x19, ['14.0', '14.1', '16.0', '16.1']],
});
