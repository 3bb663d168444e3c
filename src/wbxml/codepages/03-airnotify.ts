// MS-ASWBXML 2.1.2.1.4 Code Page 3: AirNotify
import { defineCodePage } from '../codepage.js';

export default defineCodePage(3, 'AirNotify', {
  Notify: [0x05, ['2.5']],
  Notification: [0x06, ['2.5']],
  Version: [0x07, ['2.5']],
  LifeTime: [0x08, ['2.5']],
  DeviceInfo: [0x09, ['2.5']],
  Enable: [0x0a, ['2.5']],
  Folder: [0x0b, ['2.5']],
  ServerId: [0x0c, ['2.5']],
  DeviceAddress: [0x0d, ['2.5']],
  ValidCarrierProfiles: [0x0e, ['2.5']],
  CarrierProfile: [0x0f, ['2.5']],
  Status: [0x10, ['2.5']],
  Responses: [0x11, ['2.5']],
  Devices: [0x12, ['2.5']],
  Device: [0x13, ['2.5']],
  Id: [0x14, ['2.5']],
  Expiry: [0x15, ['2.5']],
  NotifyGUID: [0x16, ['2.5']],
  DeviceFriendlyName: [0x17, ['2.5']],
});
