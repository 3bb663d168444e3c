import { provisionWithInfo, type Flow, type FlowStep } from './steps.js';

// How the clients that have several flows introduce themselves: name, protocol version, query
// form (MS-ASHTTP 2.2.1.1.1), DeviceType and User-Agent.

type ClientProfile = Pick<Flow, 'client' | 'version' | 'queryForm' | 'deviceType' | 'userAgent'>;

export const IPHONE: ClientProfile = {
  client: 'iOS 17 Mail',
  version: '16.1',
  queryForm: 'base64',
  deviceType: 'iPhone',
  userAgent: 'Apple-iPhone15C2/2105.100',
};

export const GMAIL: ClientProfile = {
  client: 'Gmail for Android (Exchange)',
  version: '14.1',
  queryForm: 'plain',
  deviceType: 'Android',
  userAgent: 'Android-Mail/2024.08.04.661587236.Release',
};

export const OUTLOOK: ClientProfile = {
  client: 'Outlook for iOS and Android',
  version: '16.1',
  queryForm: 'plain',
  deviceType: 'Outlook',
  userAgent: 'Outlook-iOS-Android/1.0',
};

export const TBSYNC: ClientProfile = {
  client: 'Thunderbird TbSync 5.3.4 (EAS-4-TbSync)',
  version: '14.0',
  queryForm: 'plain',
  deviceType: 'TbSync',
  userAgent: 'Thunderbird ActiveSync',
};

/** Gmail's Provision, with its DeviceInformation (MS-ASPROV 3.1.5.1 from 14.1). */
export const gmailProvision: FlowStep = {
  cmd: 'Provision',
  body: provisionWithInfo([
    ['Model', 'Pixel 8'],
    ['FriendlyName', 'Pixel 8'],
    ['OS', 'Android 14'],
    ['OSLanguage', 'en-US'],
    ['UserAgent', GMAIL.userAgent],
  ]),
};
