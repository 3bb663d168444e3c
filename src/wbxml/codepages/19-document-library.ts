// MS-ASWBXML 2.1.2.1.20 Code Page 19: DocumentLibrary
import { ALL, defineCodePage } from '../codepage.js';

export default defineCodePage(19, 'DocumentLibrary', {
  LinkId: [0x05, ALL],
  DisplayName: [0x06, ALL],
  IsFolder: [0x07, ALL],
  CreationDate: [0x08, ALL],
  LastModifiedDate: [0x09, ALL],
  IsHidden: [0x0a, ALL],
  ContentLength: [0x0b, ALL],
  ContentType: [0x0c, ALL],
});
