// MS-ASWBXML 2.1.2.1.14 Code Page 13: Ping
import { ALL, defineCodePage } from '../codepage.js';

export default defineCodePage(13, 'Ping', {
  Ping: [0x05, ALL],
  AutdState: [0x06, ALL],
  Status: [0x07, ALL],
  HeartbeatInterval: [0x08, ALL],
  Folders: [0x09, ALL],
  Folder: [0x0a, ALL],
  Id: [0x0b, ALL],
  Class: [0x0c, ALL],
  MaxFolders: [0x0d, ALL],
});
