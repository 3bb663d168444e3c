import { child, childText, type TagRef, type WbxmlElement } from '../wbxml/index.js';

// MS-ASCMD 2.2.3.54 DeviceInformation/Set: the fields a device reports about itself. Sent in
// Settings, and inside Provision from 14.1 on.
const FIELDS = {
  model: 'Settings:Model',
  imei: 'Settings:IMEI',
  friendlyName: 'Settings:FriendlyName',
  os: 'Settings:OS',
  osLanguage: 'Settings:OSLanguage',
  phoneNumber: 'Settings:PhoneNumber',
  mobileOperator: 'Settings:MobileOperator',
  userAgent: 'Settings:UserAgent',
  enableOutboundSms: 'Settings:EnableOutboundSMS',
} as const satisfies Record<string, TagRef>;

export type DeviceInformationFields = Partial<Record<keyof typeof FIELDS, string>>;

/** Reads `<DeviceInformation><Set>…</Set></DeviceInformation>`; undefined when absent. */
export function parseDeviceInformation(parent: WbxmlElement): DeviceInformationFields | undefined {
  const set = child(child(parent, 'Settings:DeviceInformation') ?? parent, 'Settings:Set');
  if (set === undefined) return undefined;
  const out: DeviceInformationFields = {};
  for (const [key, tag] of Object.entries(FIELDS) as [keyof typeof FIELDS, TagRef][]) {
    const v = childText(set, tag);
    if (v !== undefined) out[key] = v;
  }
  return out;
}
