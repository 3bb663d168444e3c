// MS-ASWBXML 2.1.2.1.6 Code Page 5: Move
import { ALL, defineCodePage } from '../codepage.js';

export default defineCodePage(5, 'Move', {
  MoveItems: [0x05, ALL],
  Move: [0x06, ALL],
  SrcMsgId: [0x07, ALL],
  SrcFldId: [0x08, ALL],
  DstFldId: [0x09, ALL],
  Response: [0x0a, ALL],
  Status: [0x0b, ALL],
  DstMsgId: [0x0c, ALL],
});
