// MS-ASWBXML 2.1.2.1.17 Code Page 16: GAL
import { ALL, defineCodePage } from '../codepage.js';

export default defineCodePage(16, 'GAL', {
  DisplayName: [0x05, ALL],
  Phone: [0x06, ALL],
  Office: [0x07, ALL],
  Title: [0x08, ALL],
  Company: [0x09, ALL],
  Alias: [0x0a, ALL],
  FirstName: [0x0b, ALL],
  LastName: [0x0c, ALL],
  HomePhone: [0x0d, ALL],
  MobilePhone: [0x0e, ALL],
  EmailAddress: [0x0f, ALL],
  Picture: [0x10, ['14.1', '16.0', '16.1']],
  Status: [0x11, ['14.1', '16.0', '16.1']],
  Data: [0x12, ['14.1', '16.0', '16.1']],
});
