import { el, type WbxmlElement } from '../../../src/wbxml/index.js';
import { folderSync0, provisioning, type Flow, type FlowStep } from './steps.js';
import { IPHONE } from './clients.js';

// Out of office from the phone (MS-ASCMD 2.2.1.18 Settings Oof): iOS's "Automatic Reply" with an
// end date is OofState 2 with a StartTime and EndTime and one message for every audience.

const reply = (audience: 'Internal' | 'ExternalKnown' | 'ExternalUnknown', text: string): WbxmlElement =>
  el(
    'Settings:OofMessage',
    el(`Settings:AppliesTo${audience}`),
    el('Settings:Enabled', 1),
    el('Settings:ReplyMessage', text),
    el('Settings:BodyType', 'TEXT'),
  );

const oof = (...children: WbxmlElement[]): FlowStep => ({
  cmd: 'Settings',
  withPolicyKey: true,
  body: el('Settings:Settings', el('Settings:Oof', children)),
});

const getOof = oof(el('Settings:Get', el('Settings:BodyType', 'TEXT')));

const iosOutOfOffice: Flow = {
  name: 'ios-16.1-out-of-office',
  needs: ['sieve'],
  ...IPHONE,
  user: 'dave',
  source:
    'iOS Mail at 16.1, Settings > Automatic Reply: a scheduled reply (OofState 2, StartTime/EndTime) with the same text for internal, known and unknown senders (MS-ASCMD 2.2.3.119, 4.11.4), read back with Get; then switched off (OofState 0) and read back, leaving the mailbox as seeded',
  steps: [
    ...provisioning,
    folderSync0,
    oof(
      el(
        'Settings:Set',
        el('Settings:OofState', 2),
        el('Settings:StartTime', '2026-12-21T08:00:00.000Z'),
        el('Settings:EndTime', '2027-01-04T08:00:00.000Z'),
        reply('Internal', 'Away until 4 January.'),
        reply('ExternalKnown', 'Away until 4 January.'),
        reply('ExternalUnknown', 'Away until 4 January.'),
      ),
    ),
    getOof,
    oof(el('Settings:Set', el('Settings:OofState', 0))),
    getOof,
  ],
};

export const SETTINGS_FLOWS: Flow[] = [iosOutOfOffice];
