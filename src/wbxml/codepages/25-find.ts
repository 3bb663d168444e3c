// MS-ASWBXML 2.1.2.1.26 Code Page 25: Find
import { defineCodePage } from '../codepage.js';

export default defineCodePage(25, 'Find', {
  Find: [0x05, ['16.1']],
  SearchId: [0x06, ['16.1']],
  ExecuteSearch: [0x07, ['16.1']],
  MailBoxSearchCriterion: [0x08, ['16.1']],
  Query: [0x09, ['16.1']],
  Status: [0x0a, ['16.1']],
  FreeText: [0x0b, ['16.1']],
  Options: [0x0c, ['16.1']],
  Range: [0x0d, ['16.1']],
  DeepTraversal: [0x0e, ['16.1']],
  Response: [0x11, ['16.1']],
  Result: [0x12, ['16.1']],
  Properties: [0x13, ['16.1']],
  Preview: [0x14, ['16.1']],
  HasAttachments: [0x15, ['16.1']],
  Total: [0x16, ['16.1']],
  DisplayCc: [0x17, ['16.1']],
  DisplayBcc: [0x18, ['16.1']],
  GalSearchCriterion: [0x19, ['16.1']],
  MaxPictures: [0x20, ['16.1']],
  MaxSize: [0x21, ['16.1']],
  Picture: [0x22, ['16.1']],
});
