import { createHash } from 'node:crypto';
import type { DeviceRef } from '../state/types.js';

// What a device creates gets a name that follows from the device and its ClientId (MS-ASCMD
// 2.2.3.34), so a request retried after a crash names the same item or message as the first try.

/** 32 hex digits unique to this device and these parts (SHA-256). */
export function clientDerivedHex(device: DeviceRef, ...parts: readonly string[]): string {
  return createHash('sha256')
    .update([device.user, device.deviceId, ...parts].join('\0'))
    .digest('hex')
    .slice(0, 32);
}
