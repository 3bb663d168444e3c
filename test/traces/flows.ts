import { el, type WbxmlElement } from '../../src/wbxml/index.js';
import { provisionRequest } from '../support/eas-requests.js';

// The onboarding flows of shipping clients, as their makers and public protocol logs show them:
// which query form, version, DeviceType and User-Agent they use, and the order of their first
// requests. Each flow is recorded against the gateway into a trace under test/traces/<name>/.

export interface FlowStep {
  cmd: string;
  /** A body, or one made from the policy key the server handed out last. */
  body?: WbxmlElement | ((policyKey: string) => WbxmlElement);
  /** Use the policy key the server handed out last (the client does so after Provision). */
  withPolicyKey?: boolean;
}

export interface Flow {
  name: string;
  client: string;
  source: string;
  version: string;
  queryForm: 'plain' | 'base64';
  deviceType: string;
  userAgent: string;
  steps: FlowStep[];
}

const deviceInformation = (fields: [string, string][]): WbxmlElement =>
  el(
    'Settings:DeviceInformation',
    el(
      'Settings:Set',
      fields.map(([tag, v]) => el(`Settings:${tag}` as 'Settings:Model', v)),
    ),
  );

const provisionWithInfo = (fields: [string, string][]): WbxmlElement =>
  el('Provision:Provision', deviceInformation(fields), provisionRequest().children[0] as WbxmlElement);

const folderSync0: FlowStep = {
  cmd: 'FolderSync',
  body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')),
  withPolicyKey: true,
};
// MS-ASPROV 3.1.5.1.2: the acknowledgement carries the temporary key, in the body and the header.
const ack: FlowStep = { cmd: 'Provision', body: (key) => provisionRequest(key, '1'), withPolicyKey: true };

export const FLOWS: Flow[] = [
  {
    name: 'tbsync-14.0-onboarding',
    client: 'Thunderbird TbSync 5.3.4 (EAS-4-TbSync)',
    source:
      'shared/reference-traces/tbsync-5.3.4-vs-zpush-2.7-eas14.0.txt: same requests, same order and elements',
    version: '14.0',
    queryForm: 'plain',
    deviceType: 'TbSync',
    userAgent: 'Thunderbird ActiveSync',
    steps: [
      { cmd: 'Provision', body: provisionRequest() },
      ack,
      {
        cmd: 'Settings',
        withPolicyKey: true,
        body: el(
          'Settings:Settings',
          deviceInformation([
            ['Model', 'Computer'],
            ['FriendlyName', 'TbSync on Device ea5387f573aa4255810e7213f738'],
            ['OS', 'Linux'],
            ['UserAgent', 'Thunderbird ActiveSync'],
          ]),
        ),
      },
      folderSync0,
      {
        cmd: 'Settings',
        withPolicyKey: true,
        body: el('Settings:Settings', el('Settings:UserInformation', el('Settings:Get'))),
      },
    ],
  },
  {
    name: 'ios-16.1-onboarding',
    client: 'iOS 17 Mail',
    source:
      'iOS sends the base64 query (MS-ASHTTP 2.2.1.1.1.1), DeviceInformation inside Provision from 14.1 (MS-ASPROV 3.1.5.1), then FolderSync 0',
    version: '16.1',
    queryForm: 'base64',
    deviceType: 'iPhone',
    userAgent: 'Apple-iPhone15C2/2105.100',
    steps: [
      {
        cmd: 'Provision',
        body: provisionWithInfo([
          ['Model', 'iPhone15,2'],
          ['IMEI', '356789012345678'],
          ['FriendlyName', 'iPhone'],
          ['OS', 'iOS 17.5 21F79'],
          ['OSLanguage', 'en'],
          ['PhoneNumber', '+15555550100'],
          ['UserAgent', 'Apple-iPhone15C2/2105.100'],
        ]),
      },
      ack,
      folderSync0,
    ],
  },
  {
    name: 'gmail-android-14.1-onboarding',
    client: 'Gmail for Android (Exchange)',
    source: 'Gmail uses the plain query at 14.1 and asks for out-of-office settings after the folder list',
    version: '14.1',
    queryForm: 'plain',
    deviceType: 'Android',
    userAgent: 'Android-Mail/2024.08.04.661587236.Release',
    steps: [
      {
        cmd: 'Provision',
        body: provisionWithInfo([
          ['Model', 'Pixel 8'],
          ['FriendlyName', 'Pixel 8'],
          ['OS', 'Android 14'],
          ['OSLanguage', 'en-US'],
          ['UserAgent', 'Android-Mail/2024.08.04.661587236.Release'],
        ]),
      },
      ack,
      folderSync0,
      {
        cmd: 'Settings',
        withPolicyKey: true,
        body: el(
          'Settings:Settings',
          el('Settings:Oof', el('Settings:Get', el('Settings:BodyType', 'Text'))),
        ),
      },
    ],
  },
  {
    name: 'samsung-email-16.1-onboarding',
    client: 'Samsung Email 6',
    source: 'Samsung Email sends Settings DeviceInformation before Provision, plain query, 16.1',
    version: '16.1',
    queryForm: 'plain',
    deviceType: 'SAMSUNGSMS911B',
    userAgent: 'SAMSUNG-SM-S911B/101.160110',
    steps: [
      {
        cmd: 'Settings',
        body: el(
          'Settings:Settings',
          deviceInformation([
            ['Model', 'SM-S911B'],
            ['FriendlyName', 'Galaxy S23'],
            ['OS', 'Android 14'],
            ['OSLanguage', 'English'],
            ['UserAgent', 'SAMSUNG-SM-S911B/101.160110'],
            ['MobileOperator', 'Example Mobile'],
          ]),
        ),
      },
      { cmd: 'Provision', body: provisionRequest() },
      ack,
      folderSync0,
    ],
  },
  {
    name: 'outlook-mobile-16.1-onboarding',
    client: 'Outlook for iOS and Android',
    source:
      'Outlook mobile: 16.1, plain query, Provision, FolderSync, then UserInformation for the account name',
    version: '16.1',
    queryForm: 'plain',
    deviceType: 'Outlook',
    userAgent: 'Outlook-iOS-Android/1.0',
    steps: [
      {
        cmd: 'Provision',
        body: provisionWithInfo([
          ['Model', 'Outlook for iOS and Android'],
          ['OS', 'iOS 17.5'],
          ['UserAgent', 'Outlook-iOS-Android/1.0'],
        ]),
      },
      ack,
      folderSync0,
      {
        cmd: 'Settings',
        withPolicyKey: true,
        body: el('Settings:Settings', el('Settings:UserInformation', el('Settings:Get'))),
      },
    ],
  },
  {
    name: 'windows-mail-16.1-onboarding',
    client: 'Windows Mail',
    source: 'Windows Mail: 16.1, plain query, Provision with DeviceInformation, FolderSync',
    version: '16.1',
    queryForm: 'plain',
    deviceType: 'WindowsMail',
    userAgent: 'MSFT-WIN-3/10.0.19045',
    steps: [
      {
        cmd: 'Provision',
        body: provisionWithInfo([
          ['Model', 'Virtual Machine'],
          ['FriendlyName', 'DESKTOP-1'],
          ['OS', 'Windows 10.0.19045'],
          ['OSLanguage', 'en-US'],
          ['UserAgent', 'MSFT-WIN-3/10.0.19045'],
        ]),
      },
      ack,
      folderSync0,
    ],
  },
];
