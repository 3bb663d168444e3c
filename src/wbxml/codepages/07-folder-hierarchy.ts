// MS-ASWBXML 2.1.2.1.8 Code Page 7: FolderHierarchy
import { ALL, defineCodePage } from '../codepage.js';

export default defineCodePage(7, 'FolderHierarchy', {
  Folders: [0x05, ALL],
  Folder: [0x06, ALL],
  DisplayName: [0x07, ALL],
  ServerId: [0x08, ALL],
  ParentId: [0x09, ALL],
  Type: [0x0a, ALL],
  Response: [0x0b, ALL],
  Status: [0x0c, ALL],
  ContentClass: [0x0d, ALL],
  Changes: [0x0e, ALL],
  Add: [0x0f, ALL],
  Delete: [0x10, ALL],
  Update: [0x11, ALL],
  SyncKey: [0x12, ALL],
  FolderCreate: [0x13, ALL],
  FolderDelete: [0x14, ALL],
  FolderUpdate: [0x15, ALL],
  FolderSync: [0x16, ALL],
  Count: [0x17, ALL],
  Version: [0x18, ALL],
});
