import { BackendError } from '../../backends/types.js';
import type { OofMessage, OofSettings, OofState } from '../../model/oof.js';
import { child, childText, el, elements, xmlSafeText, type WbxmlElement } from '../../wbxml/index.js';
import { defineCommand, type Command } from '../command.js';
import type { CommandContext } from '../context.js';
import { parseDeviceInformation, type DeviceInformationFields } from '../device-information.js';
import { ProtocolError } from '../status.js';
import { atLeast } from '../version.js';

// MS-ASCMD 2.2.1.18 Settings: out-of-office (Oof) get/set, DeviceInformation, UserInformation and
// DevicePassword, each answered with its own Status inside one response.

// MS-ASCMD 2.2.3.177.14 Status in Settings.
const Status = {
  Success: 1,
  ProtocolError: 2,
  AccessDenied: 3,
  ServerUnavailable: 4,
  InvalidArguments: 5,
  DeniedByPolicy: 7,
} as const;
type Status = (typeof Status)[keyof typeof Status];

// MS-ASCMD 2.2.3.118 OofState.
const OOF_STATE_CODES: Readonly<Record<OofState, number>> = { disabled: 0, global: 1, 'time-based': 2 };
const OOF_STATES: readonly OofState[] = ['disabled', 'global', 'time-based'];

// MS-ASCMD 2.2.3.12–14 AppliesTo*: which audience an OofMessage is for.
const AUDIENCES = [
  ['Settings:AppliesToInternal', 'internal'],
  ['Settings:AppliesToExternalKnown', 'externalKnown'],
  ['Settings:AppliesToExternalUnknown', 'externalUnknown'],
] as const;

interface SettingsRequest {
  oofGet?: { bodyType: 'Text' | 'HTML' };
  oofSet?: OofSettings;
  deviceInformation?: DeviceInformationFields;
  userInformation: boolean;
  devicePassword: boolean;
}

interface SettingsResponse {
  oof?: { status: Status; settings?: OofSettings; bodyType: 'Text' | 'HTML' };
  deviceInformation?: Status;
  userInformation?: Status;
  devicePassword?: Status;
}

const settings: Command<SettingsRequest, SettingsResponse> = {
  parse(input) {
    if (input === undefined) throw new ProtocolError('Settings needs a request body');
    const oof = child(input, 'Settings:Oof');
    const get = oof && child(oof, 'Settings:Get');
    const set = oof && child(oof, 'Settings:Set');
    return {
      oofGet: get && {
        bodyType: childText(get, 'Settings:BodyType')?.toUpperCase() === 'HTML' ? 'HTML' : 'Text',
      },
      oofSet: set && parseOofSet(set),
      deviceInformation: child(input, 'Settings:DeviceInformation') && parseDeviceInformation(input),
      userInformation: child(input, 'Settings:UserInformation') !== undefined,
      devicePassword: child(input, 'Settings:DevicePassword') !== undefined,
    };
  },

  async handle(req, ctx) {
    const res: SettingsResponse = {};
    if (req.deviceInformation !== undefined) {
      await ctx.state.patchDevice(ctx.device, { deviceInformation: req.deviceInformation });
      res.deviceInformation = Status.Success;
    }
    if (req.userInformation) res.userInformation = Status.Success;
    // The gateway holds no device passwords; recovery passwords are accepted and not kept.
    if (req.devicePassword) res.devicePassword = Status.Success;
    if (req.oofSet !== undefined)
      res.oof = { ...(await oofCall(ctx, (s) => s.setOof(req.oofSet!, ctx.signal))), bodyType: 'Text' };
    else if (req.oofGet !== undefined)
      res.oof = { ...(await oofCall(ctx, (s) => s.getOof(ctx.signal))), bodyType: req.oofGet.bodyType };
    return res;
  },

  render(res, ctx) {
    return el(
      'Settings:Settings',
      el('Settings:Status', Status.Success),
      res.oof &&
        el(
          'Settings:Oof',
          el('Settings:Status', res.oof.status),
          res.oof.settings && renderOofGet(res.oof.settings, res.oof.bodyType),
        ),
      res.deviceInformation !== undefined &&
        el('Settings:DeviceInformation', el('Settings:Status', res.deviceInformation)),
      res.devicePassword !== undefined &&
        el('Settings:DevicePassword', el('Settings:Status', res.devicePassword)),
      res.userInformation !== undefined &&
        el(
          'Settings:UserInformation',
          el('Settings:Status', res.userInformation),
          renderUserInformation(ctx),
        ),
    );
  },
};

async function oofCall(
  ctx: CommandContext,
  call: (store: NonNullable<CommandContext['backends']['oof']>) => Promise<OofSettings | void>,
): Promise<{ status: Status; settings?: OofSettings }> {
  const store = ctx.backends.oof;
  if (store === undefined) return { status: Status.DeniedByPolicy };
  try {
    const settings = await call(store);
    return { status: Status.Success, settings: settings ?? undefined };
  } catch (e) {
    if (!(e instanceof BackendError)) throw e;
    ctx.log.warn({ kind: e.kind, reason: e.message }, 'out-of-office backend failed');
    return { status: e.kind === 'auth' ? Status.AccessDenied : Status.ServerUnavailable };
  }
}

function parseOofSet(set: WbxmlElement): OofSettings {
  const code = Number(childText(set, 'Settings:OofState') ?? '0');
  const state = OOF_STATES[code];
  if (state === undefined) throw new ProtocolError(`OofState ${code} is not 0, 1 or 2`);
  const out: OofSettings = { state };
  const start = childText(set, 'Settings:StartTime');
  const end = childText(set, 'Settings:EndTime');
  if (start) out.start = parseDate(start);
  if (end) out.end = parseDate(end);
  for (const m of elements(set, 'Settings:OofMessage')) {
    const audience = AUDIENCES.find(([tag]) => child(m, tag) !== undefined)?.[1];
    if (audience === undefined) continue;
    const html = childText(m, 'Settings:BodyType')?.toUpperCase() === 'HTML';
    // Free text the device reads back later: characters XML forbids are replaced, not stored.
    const reply = xmlSafeText(childText(m, 'Settings:ReplyMessage') ?? '');
    out[audience] = {
      enabled: childText(m, 'Settings:Enabled') === '1',
      text: html ? htmlToText(reply) : reply,
    };
  }
  return out;
}

function parseDate(text: string): Date {
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw new ProtocolError(`not a date: ${text}`);
  return d;
}

function renderOofGet(s: OofSettings, bodyType: 'Text' | 'HTML'): WbxmlElement {
  return el(
    'Settings:Get',
    el('Settings:OofState', OOF_STATE_CODES[s.state]),
    s.start && el('Settings:StartTime', s.start.toISOString()),
    s.end && el('Settings:EndTime', s.end.toISOString()),
    AUDIENCES.map(([tag, key]) => {
      const m: OofMessage | undefined = s[key];
      return el(
        'Settings:OofMessage',
        el(tag),
        el('Settings:Enabled', m?.enabled ? 1 : 0),
        m !== undefined && el('Settings:ReplyMessage', bodyType === 'HTML' ? textToHtml(m.text) : m.text),
        el('Settings:BodyType', bodyType),
      );
    }),
  );
}

// MS-ASCMD 2.2.3.88 UserInformation: 14.1 added the Accounts form with a display name.
function renderUserInformation(ctx: CommandContext): WbxmlElement {
  const { email, aliases, displayName } = ctx.principal;
  if (!atLeast(ctx.request.version, '14.1')) {
    return el(
      'Settings:Get',
      el(
        'Settings:EmailAddresses',
        [email, ...aliases].map((a) => el('Settings:SMTPAddress', a)),
      ),
    );
  }
  return el(
    'Settings:Get',
    el(
      'Settings:Accounts',
      el(
        'Settings:Account',
        el('Settings:UserDisplayName', displayName),
        el(
          'Settings:EmailAddresses',
          el('Settings:PrimarySmtpAddress', email),
          [email, ...aliases].map((a) => el('Settings:SMTPAddress', a)),
        ),
      ),
    ),
  );
}

function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .trim();
}

function textToHtml(text: string): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<html><body>${escaped.replace(/\r?\n/g, '<br>')}</body></html>`;
}

export const settingsCommand = defineCommand({
  name: 'Settings',
  command: settings,
  body: 'wbxml',
  // iOS and Outlook send DeviceInformation before they provision.
  needsProvisioning: false,
  root: 'Settings:Settings',
  statusTag: 'Settings:Status',
});
