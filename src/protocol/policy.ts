import { isTagValidIn, type TagRef } from '../wbxml/index.js';
import type { ProtocolVersion } from './version.js';

// MS-ASPROV 2.2.2.28 EASProvisionDoc, in the order Exchange sends it. The defaults ask nothing of
// the device (no password, no encryption), which every client accepts — Gmail for Android refuses
// to add an account whose policy it cannot enforce. Operators override single settings by name.
// `null` is an empty element, which the spec reads as "no limit".
export const DEFAULT_POLICY = [
  ['DevicePasswordEnabled', '0'],
  ['AlphanumericDevicePasswordRequired', '0'],
  ['PasswordRecoveryEnabled', '0'],
  ['RequireStorageCardEncryption', '0'],
  ['AttachmentsEnabled', '1'],
  ['MinDevicePasswordLength', null],
  ['MaxInactivityTimeDeviceLock', null],
  ['MaxDevicePasswordFailedAttempts', null],
  ['MaxAttachmentSize', null],
  ['AllowSimpleDevicePassword', '1'],
  ['DevicePasswordExpiration', null],
  ['DevicePasswordHistory', '0'],
  ['AllowStorageCard', '1'],
  ['AllowCamera', '1'],
  ['RequireDeviceEncryption', '0'],
  ['AllowUnsignedApplications', '1'],
  ['AllowUnsignedInstallationPackages', '1'],
  ['MinDevicePasswordComplexCharacters', '1'],
  ['AllowWiFi', '1'],
  ['AllowTextMessaging', '1'],
  ['AllowPOPIMAPEmail', '1'],
  ['AllowBluetooth', '2'],
  ['AllowIrDA', '1'],
  ['RequireManualSyncWhenRoaming', '0'],
  ['AllowDesktopSync', '1'],
  ['MaxCalendarAgeFilter', '0'],
  ['AllowHTMLEmail', '1'],
  ['MaxEmailAgeFilter', '0'],
  ['MaxEmailBodyTruncationSize', '-1'],
  ['MaxEmailHTMLBodyTruncationSize', '-1'],
  ['RequireSignedSMIMEMessages', '0'],
  ['RequireEncryptedSMIMEMessages', '0'],
  ['RequireSignedSMIMEAlgorithm', '0'],
  ['RequireEncryptionSMIMEAlgorithm', '0'],
  ['AllowSMIMEEncryptionAlgorithmNegotiation', '2'],
  ['AllowSMIMESoftCerts', '1'],
  ['AllowBrowser', '1'],
  ['AllowConsumerEmail', '1'],
  ['AllowRemoteDesktop', '1'],
  ['AllowInternetSharing', '1'],
  ['UnapprovedInROMApplicationList', null],
  ['ApprovedApplicationList', null],
] as const satisfies readonly (readonly [string, string | null])[];

export type PolicySettingName = (typeof DEFAULT_POLICY)[number][0];

/** The policy the server hands out: the default settings with the operator's overrides applied. */
export interface ProvisionPolicy {
  readonly settings: readonly (readonly [PolicySettingName, string | null])[];
}

export const POLICY_SETTING_NAMES: readonly string[] = DEFAULT_POLICY.map(([name]) => name);

export function makePolicy(overrides: Readonly<Record<string, string | null>> = {}): ProvisionPolicy {
  const unknown = Object.keys(overrides).filter((k) => !POLICY_SETTING_NAMES.includes(k));
  if (unknown.length > 0) throw new Error(`unknown policy settings: ${unknown.join(', ')}`);
  return {
    settings: DEFAULT_POLICY.map(
      ([name, value]) => [name, name in overrides ? overrides[name]! : value] as const,
    ),
  };
}

/** The settings a protocol version knows (MS-ASWBXML code page 14 lists each one's versions). */
export function policySettingsFor(
  policy: ProvisionPolicy,
  version: ProtocolVersion,
): { tag: TagRef; value: string | null }[] {
  return policy.settings
    .map(([name, value]) => ({ tag: `Provision:${name}` as TagRef, value }))
    .filter(({ tag }) => isTagValidIn(tag, version));
}
