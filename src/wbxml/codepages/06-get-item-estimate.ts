// MS-ASWBXML 2.1.2.1.7 Code Page 6: GetItemEstimate
import { ALL, defineCodePage } from '../codepage.js';

export default defineCodePage(6, 'GetItemEstimate', {
  GetItemEstimate: [0x05, ALL],
  Version: [0x06, ALL],
  Collections: [0x07, ALL],
  Collection: [0x08, ALL],
  Class: [0x09, ALL],
  CollectionId: [0x0a, ALL],
  DateTime: [0x0b, ALL],
  Estimate: [0x0c, ALL],
  Response: [0x0d, ALL],
  Status: [0x0e, ALL],
});
