import { randomInt } from 'node:crypto';
import type { DeviceRecord } from '../state/types.js';
import { CommonStatus, EasError } from './status.js';

/** MS-ASPROV 2.2.2.42: a policy key is a 32-bit unsigned integer as text; 0 means "none". */
export function newPolicyKey(): string {
  return String(randomInt(1, 0xffffffff));
}

/**
 * Whether a device may run a command that needs provisioning (MS-ASPROV 3.2.5.1). Throws the
 * common status that sends it through Provision again; the HTTP layer turns that into 449 for
 * clients older than 14.1.
 */
export function checkProvisioned(device: DeviceRecord | undefined, sentPolicyKey: string | undefined): void {
  if (device?.wipe === 'requested' || device?.wipe === 'account-only-requested') {
    throw new EasError(CommonStatus.RemoteWipeRequested, 'a remote wipe is pending for this device');
  }
  if (device?.policyKey === undefined) {
    throw new EasError(CommonStatus.DeviceNotProvisioned, 'device has not been provisioned');
  }
  if (sentPolicyKey === undefined || sentPolicyKey === '0') {
    throw new EasError(CommonStatus.DeviceNotProvisioned, 'request carries no policy key');
  }
  if (sentPolicyKey !== device.policyKey) {
    throw new EasError(CommonStatus.InvalidPolicyKey, 'request carries a policy key that is not current');
  }
}

/** A device that acknowledged a wipe stays locked out (MS-ASPROV 3.2.5.1.2.1). */
export function checkNotWiped(device: DeviceRecord | undefined): void {
  if (device?.wipe === 'wiped') {
    throw new EasError(CommonStatus.DeviceIsBlockedForThisUser, 'device was remotely wiped and is blocked');
  }
}
