import { el, type WbxmlElement } from '../../../src/wbxml/index.js';
import { provisionRequest } from '../../support/eas-requests.js';
import { itemOperationsFetch } from '../../support/mail-sync.js';
import {
  ack,
  bodyPreference,
  deviceInformation,
  folderSync0,
  itemOf,
  provisionWithInfo,
  sync,
  type Flow,
  type FlowStep,
} from './steps.js';
import { GMAIL, gmailProvision, IPHONE, OUTLOOK, TBSYNC } from './clients.js';

// The onboarding of shipping clients, as their makers and public protocol logs show it: which
// query form, version, DeviceType and User-Agent they use, and the order of their first requests.
// Those that end with a first Inbox window ask for it with their own body options (FilterType 0,
// "all", keeps the answers independent of today's date).

/** The Inbox from SyncKey 0 and its first window of five, with a client's Options. */
const firstInboxWindow = (...options: WbxmlElement[]): FlowStep[] => [
  sync({ folder: 'Inbox', initial: true }),
  sync({ folder: 'Inbox', windowSize: 5, options: [el('AirSync:FilterType', 0), ...options] }),
];

export const ONBOARDING_FLOWS: Flow[] = [
  {
    name: 'tbsync-14.0-onboarding',
    ...TBSYNC,
    source:
      'shared/reference-traces/tbsync-5.3.4-vs-zpush-2.7-eas14.0.txt: same requests, same order and elements',
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
    ...IPHONE,
    source:
      'iOS sends the base64 query (MS-ASHTTP 2.2.1.1.1.1), DeviceInformation inside Provision from 14.1 (MS-ASPROV 3.1.5.1), then FolderSync 0',
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
    needs: ['sieve'],
    ...GMAIL,
    source: 'Gmail uses the plain query at 14.1 and asks for out-of-office settings after the folder list',
    steps: [
      gmailProvision,
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
    source:
      'Samsung Email sends Settings DeviceInformation before Provision, plain query, 16.1; then the Inbox with HTML bodies truncated at 51,200 bytes',
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
      ...firstInboxWindow(bodyPreference(2, 51200)),
    ],
  },
  {
    name: 'outlook-mobile-16.1-onboarding',
    ...OUTLOOK,
    source:
      'Outlook mobile: 16.1, plain query, Provision, FolderSync, UserInformation for the account name; the Inbox list with 1,024-byte HTML previews, then the whole body of the message opened with ItemOperations Fetch (MS-ASCMD 2.2.1.10)',
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
      ...firstInboxWindow(bodyPreference(2, 1024)),
      {
        cmd: 'ItemOperations',
        withPolicyKey: true,
        body: (s) =>
          itemOperationsFetch(
            el('AirSync:CollectionId', s.folders.get('Inbox') ?? ''),
            el('AirSync:ServerId', itemOf(s, 'Inbox', 0)),
            el('ItemOperations:Options', bodyPreference(2)),
          ),
      },
    ],
  },
  {
    name: 'windows-mail-16.1-onboarding',
    client: 'Windows Mail',
    source:
      'Windows Mail: 16.1, plain query, Provision with DeviceInformation, FolderSync; the Inbox as whole MIME messages (BodyPreference Type 4 with MIMESupport 2, MS-ASAIRS 2.2.2.22.2)',
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
      ...firstInboxWindow(bodyPreference(4), el('AirSync:MIMESupport', 2)),
    ],
  },
];
