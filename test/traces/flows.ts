import { el, type WbxmlElement } from '../../src/wbxml/index.js';
import { provisionRequest } from '../support/eas-requests.js';

// The onboarding flows of shipping clients, as their makers and public protocol logs show them:
// which query form, version, DeviceType and User-Agent they use, and the order of their first
// requests. Each flow is recorded against the gateway into a trace under test/traces/<name>/.

/** What a client has learnt from the server's answers so far, for its next requests. */
export interface FlowState {
  policyKey: string;
  /** Folder display name → ServerId (CollectionId). */
  folders: Map<string, string>;
  /** CollectionId → the last SyncKey. */
  syncKeys: Map<string, string>;
  /** CollectionId → ServerIds of the items added so far, in order. */
  items: Map<string, string[]>;
}

export interface FlowStep {
  cmd: string;
  /** A body, or one made from what the client knows by then. */
  body?: WbxmlElement | ((state: FlowState) => WbxmlElement);
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
const ack: FlowStep = {
  cmd: 'Provision',
  body: (s) => provisionRequest(s.policyKey, '1'),
  withPolicyKey: true,
};

const inboxOf = (s: FlowState): string => s.folders.get('Inbox') ?? '';

/** iOS Mail's Sync of the Inbox: plain text previews cut at 500 bytes (as its list view needs). */
const iosInboxSync = (
  s: FlowState,
  extra: { windowSize?: number; getChanges?: boolean; commands?: WbxmlElement[] },
) =>
  el(
    'AirSync:Sync',
    el(
      'AirSync:Collections',
      el(
        'AirSync:Collection',
        el('AirSync:SyncKey', s.syncKeys.get(inboxOf(s)) ?? '0'),
        el('AirSync:CollectionId', inboxOf(s)),
        extra.getChanges !== undefined && el('AirSync:GetChanges', extra.getChanges ? 1 : 0),
        extra.windowSize !== undefined && el('AirSync:WindowSize', extra.windowSize),
        el(
          'AirSync:Options',
          el('AirSync:FilterType', 0),
          el('AirSyncBase:BodyPreference', el('AirSyncBase:Type', 1), el('AirSyncBase:TruncationSize', 500)),
        ),
        extra.commands && el('AirSync:Commands', extra.commands),
      ),
    ),
  );

const flagFirst = (status: number | undefined) => (s: FlowState) =>
  iosInboxSync(s, {
    getChanges: false,
    commands: [
      el(
        'AirSync:Change',
        el('AirSync:ServerId', s.items.get(inboxOf(s))?.[0] ?? ''),
        el(
          'AirSync:ApplicationData',
          status === undefined
            ? el('Email:Flag')
            : el('Email:Flag', el('Email:Status', status), el('Email:FlagType', 'Flag for follow up')),
        ),
      ),
    ],
  });

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
  {
    name: 'ios-16.1-mail',
    client: 'iOS 17 Mail',
    source:
      'After onboarding iOS syncs the Inbox (SyncKey 0, then windows of changes), pushes with Ping, flags from the list and sends with SendMail and a ClientId (MS-ASCMD 2.2.1.21, 2.2.1.13, 2.2.1.16 examples)',
    version: '16.1',
    queryForm: 'base64',
    deviceType: 'iPhone',
    userAgent: 'Apple-iPhone15C2/2105.100',
    steps: [
      { cmd: 'Provision', body: provisionRequest() },
      ack,
      folderSync0,
      { cmd: 'Sync', withPolicyKey: true, body: (s) => iosInboxSync(s, {}) },
      { cmd: 'Sync', withPolicyKey: true, body: (s) => iosInboxSync(s, { windowSize: 5 }) },
      {
        cmd: 'Ping',
        withPolicyKey: true,
        body: (s) =>
          el(
            'Ping:Ping',
            el('Ping:HeartbeatInterval', 900),
            el('Ping:Folders', el('Ping:Folder', el('Ping:Id', inboxOf(s)), el('Ping:Class', 'Email'))),
          ),
      },
      // Flagged and unflagged again, so the seeded mailbox is as it was for the next replay.
      { cmd: 'Sync', withPolicyKey: true, body: flagFirst(2) },
      { cmd: 'Sync', withPolicyKey: true, body: flagFirst(undefined) },
      {
        cmd: 'SendMail',
        withPolicyKey: true,
        body: el(
          'ComposeMail:SendMail',
          el('ComposeMail:ClientId', 'SendMail-19F1D2A7-1'),
          el(
            'ComposeMail:Mime',
            Buffer.from(
              'From: alice@example.test\r\nTo: bob@example.test\r\nSubject: Sent from my iPhone\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nMessage-ID: <trace-ios-sendmail@example.test>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nHello from the trace suite.\r\n',
            ),
          ),
        ),
      },
    ],
  },
];
