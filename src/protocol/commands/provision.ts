import { child, childText, el, type WbxmlElement } from '../../wbxml/index.js';
import { printableId } from '../ids.js';
import { defineCommand, type Command } from '../command.js';
import type { CommandContext } from '../context.js';
import { parseDeviceInformation, type DeviceInformationFields } from '../device-information.js';
import { newPolicyKey } from '../provisioning.js';
import { policySettingsFor } from '../policy.js';
import { ProtocolError } from '../status.js';
import { atLeast } from '../version.js';

// MS-ASPROV 3.2.5.1: two phases. The device asks for the policy and gets it with a temporary key;
// it acknowledges with that key and gets the final key, which it sends on every later request.
// A pending remote wipe replaces the policy with RemoteWipe (or AccountOnlyRemoteWipe, 16.1).

const POLICY_TYPE = 'MS-EAS-Provisioning-WBXML';

// MS-ASPROV 2.2.2.54.2 Status in Provision, 2.2.2.54.1 Status in Policy.
const ProvisionStatus = { Success: 1, ProtocolError: 2, ServerError: 3 } as const;
const PolicyStatus = { Success: 1, NoPolicy: 2, UnknownPolicyType: 3, PolicyKeyMismatch: 5 } as const;

type ProvisionRequest =
  | { kind: 'download'; policyType: string; deviceInformation?: DeviceInformationFields }
  | {
      kind: 'acknowledge';
      policyType: string;
      policyKey: string;
      status: string;
      deviceInformation?: DeviceInformationFields;
    }
  | { kind: 'wipe-ack'; status: string; accountOnly: boolean };

type ProvisionResponse =
  | {
      kind: 'policy';
      policyType: string;
      policyStatus: number;
      policyKey?: string;
      withDocument: boolean;
      deviceInformation: boolean;
    }
  | { kind: 'wipe'; accountOnly: boolean }
  | { kind: 'status'; status: number };

const provision: Command<ProvisionRequest, ProvisionResponse> = {
  parse(input) {
    if (input === undefined) throw new ProtocolError('Provision needs a request body');
    const wipe = child(input, 'Provision:RemoteWipe') ?? child(input, 'Provision:AccountOnlyRemoteWipe');
    if (wipe !== undefined) {
      return {
        kind: 'wipe-ack',
        status: childText(wipe, 'Provision:Status') ?? '',
        accountOnly: wipe.tag === 'Provision:AccountOnlyRemoteWipe',
      };
    }
    const policy = child(child(input, 'Provision:Policies') ?? input, 'Provision:Policy');
    if (policy === undefined)
      throw new ProtocolError('Provision request has neither Policies nor RemoteWipe');
    // Echoed with Status 3 when unknown: only its printable part (src/protocol/ids.ts).
    const policyType = printableId(childText(policy, 'Provision:PolicyType') ?? '');
    const deviceInformation = parseDeviceInformation(input);
    const policyKey = childText(policy, 'Provision:PolicyKey');
    if (policyKey === undefined) return { kind: 'download', policyType, deviceInformation };
    return {
      kind: 'acknowledge',
      policyType,
      policyKey,
      status: childText(policy, 'Provision:Status') ?? '',
      deviceInformation,
    };
  },

  async handle(req, ctx) {
    const device = await ctx.state.getDevice(ctx.device);
    if (req.kind === 'wipe-ack') {
      // MS-ASPROV 3.2.5.1.2.1: the device confirms it wiped itself (Status 1) — from now on it is blocked.
      if (req.status === '1' && device?.wipe !== undefined && device.wipe !== 'none') {
        await ctx.state.patchDevice(ctx.device, {
          wipe: 'wiped',
          policyKey: undefined,
          pendingPolicyKey: undefined,
        });
        ctx.log.warn({ accountOnly: req.accountOnly }, 'device acknowledged remote wipe');
      }
      return { kind: 'status', status: ProvisionStatus.Success };
    }
    if (req.deviceInformation !== undefined) {
      await ctx.state.patchDevice(ctx.device, { deviceInformation: req.deviceInformation });
    }
    const deviceInformation = req.deviceInformation !== undefined && atLeast(ctx.request.version, '14.1');
    if (device?.wipe === 'requested') return { kind: 'wipe', accountOnly: false };
    if (device?.wipe === 'account-only-requested') return { kind: 'wipe', accountOnly: true };

    if (req.policyType !== POLICY_TYPE) {
      return {
        kind: 'policy',
        policyType: req.policyType,
        policyStatus: PolicyStatus.UnknownPolicyType,
        withDocument: false,
        deviceInformation,
      };
    }
    if (req.kind === 'download') {
      const pendingPolicyKey = newPolicyKey();
      await ctx.state.patchDevice(ctx.device, { pendingPolicyKey });
      return {
        kind: 'policy',
        policyType: POLICY_TYPE,
        policyStatus: PolicyStatus.Success,
        policyKey: pendingPolicyKey,
        withDocument: true,
        deviceInformation,
      };
    }
    if (device?.pendingPolicyKey === undefined || device.pendingPolicyKey !== req.policyKey) {
      ctx.log.info({ sent: req.policyKey }, 'provision acknowledgement with an unknown temporary key');
      return {
        kind: 'policy',
        policyType: POLICY_TYPE,
        policyStatus: PolicyStatus.PolicyKeyMismatch,
        withDocument: false,
        deviceInformation,
      };
    }
    // The policy asks nothing a device could fail to apply, so a partial application (Status 2)
    // is accepted as well: refusing it would only lock such devices out.
    const policyKey = newPolicyKey();
    await ctx.state.patchDevice(ctx.device, { policyKey, pendingPolicyKey: undefined });
    ctx.log.info({ clientStatus: req.status }, 'device provisioned');
    return {
      kind: 'policy',
      policyType: POLICY_TYPE,
      policyStatus: PolicyStatus.Success,
      policyKey,
      withDocument: false,
      deviceInformation,
    };
  },

  render(res, ctx) {
    if (res.kind === 'status') return el('Provision:Provision', el('Provision:Status', res.status));
    if (res.kind === 'wipe') {
      return el(
        'Provision:Provision',
        el('Provision:Status', ProvisionStatus.Success),
        el(res.accountOnly ? 'Provision:AccountOnlyRemoteWipe' : 'Provision:RemoteWipe'),
      );
    }
    return el(
      'Provision:Provision',
      res.deviceInformation && el('Settings:DeviceInformation', el('Settings:Status', 1)),
      el('Provision:Status', ProvisionStatus.Success),
      el(
        'Provision:Policies',
        el(
          'Provision:Policy',
          el('Provision:PolicyType', res.policyType),
          el('Provision:Status', res.policyStatus),
          res.policyKey !== undefined && el('Provision:PolicyKey', res.policyKey),
          res.withDocument && el('Provision:Data', provisionDoc(ctx)),
        ),
      ),
    );
  },
};

function provisionDoc(ctx: CommandContext): WbxmlElement {
  return el(
    'Provision:EASProvisionDoc',
    policySettingsFor(ctx.settings.policy, ctx.request.version).map(({ tag, value }) =>
      value === null ? el(tag) : el(tag, value),
    ),
  );
}

export const provisionCommand = defineCommand({
  name: 'Provision',
  command: provision,
  body: 'wbxml',
  needsProvisioning: false,
  root: 'Provision:Provision',
  statusTag: 'Provision:Status',
});
