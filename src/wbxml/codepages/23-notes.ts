// MS-ASWBXML 2.1.2.1.24 Code Page 23: Notes
import { defineCodePage } from '../codepage.js';

export default defineCodePage(23, 'Notes', {
  Subject: [0x05, ['14.0', '14.1', '16.0', '16.1']],
  MessageClass: [0x06, ['14.0', '14.1', '16.0', '16.1']],
  LastModifiedDate: [0x07, ['14.0', '14.1', '16.0', '16.1']],
  Categories: [0x08, ['14.0', '14.1', '16.0', '16.1']],
  Category: [0x09, ['14.0', '14.1', '16.0', '16.1']],
});
