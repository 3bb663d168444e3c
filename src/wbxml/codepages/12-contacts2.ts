// MS-ASWBXML 2.1.2.1.13 Code Page 12: Contacts2
import { ALL, defineCodePage } from '../codepage.js';

export default defineCodePage(12, 'Contacts2', {
  CustomerId: [0x05, ALL],
  GovernmentId: [0x06, ALL],
  IMAddress: [0x07, ALL],
  IMAddress2: [0x08, ALL],
  IMAddress3: [0x09, ALL],
  ManagerName: [0x0a, ALL],
  CompanyMainPhone: [0x0b, ALL],
  AccountName: [0x0c, ALL],
  NickName: [0x0d, ALL],
  MMS: [0x0e, ALL],
});
