import { loadConfig } from '../config.js';
import { openStateStore } from '../wire.js';
import type { DeviceRecord } from '../state/types.js';
import { resolveIdentity } from '../http/identity.js';
import { CliUsageError, type CliIo } from './io.js';
import type { DavCollectionKind } from '../model/folder-type.js';
import { writeFolderOptions } from '../sync/folder-options.js';

const USAGE = `usage: eas-gateway devices list [--user <user>]
       eas-gateway devices wipe <user> <deviceId> [--account-only]
       eas-gateway devices remove <user> <deviceId>
       eas-gateway devices resync <user> <deviceId>
       eas-gateway devices merge <user> <deviceId> [calendar] [tasks] [contacts]`;

/** Admin commands over the state store the gateway is configured with. */
export async function devicesCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  const config = loadConfig();
  const state = await openStateStore(config);
  const userId = (typed: string): string => resolveIdentity(typed, config).id;
  try {
    if (action === 'list') {
      const i = rest.indexOf('--user');
      const user = i === -1 ? undefined : rest[i + 1];
      if (i !== -1 && user === undefined) throw new CliUsageError(USAGE);
      const devices = await state.listDevices(user === undefined ? undefined : userId(user));
      io.stdout.write(formatDevices(devices));
      return 0;
    }
    const [user, deviceId] = rest;
    if (user === undefined || deviceId === undefined) throw new CliUsageError(USAGE);
    const ref = { user: userId(user), deviceId };
    const device = await state.getDevice(ref);
    if (device === undefined) {
      io.stderr.write(`eas-gateway: no device ${deviceId} for ${ref.user}\n`);
      return 1;
    }
    if (action === 'wipe') {
      const accountOnly = rest.includes('--account-only');
      await state.patchDevice(ref, { wipe: accountOnly ? 'account-only-requested' : 'requested' });
      io.stdout.write(
        `${accountOnly ? 'account-only wipe' : 'remote wipe'} requested for ${deviceId} of ${ref.user}; it happens at the device's next request\n`,
      );
    } else if (action === 'remove') {
      await state.removeDevice(ref);
      io.stdout.write(`removed ${deviceId} of ${ref.user} and all its sync state\n`);
    } else if (action === 'resync') {
      await state.resetSyncState(ref);
      io.stdout.write(`${deviceId} of ${ref.user} will start over at its next request\n`);
    } else if (action === 'merge') {
      const kinds = rest.slice(2);
      const merge = kinds.filter(
        (k): k is DavCollectionKind => k === 'calendar' || k === 'tasks' || k === 'contacts',
      );
      if (merge.length !== kinds.length) throw new CliUsageError(USAGE);
      await writeFolderOptions(state, ref, { merge });
      io.stdout.write(
        merge.length === 0
          ? `${deviceId} of ${ref.user} sees every collection as its own folder from its next FolderSync\n`
          : `${deviceId} of ${ref.user} sees all its ${merge.join(', ')} collections as one folder each from its next FolderSync\n`,
      );
    } else throw new CliUsageError(USAGE);
    return 0;
  } finally {
    await state.close();
  }
}

function formatDevices(devices: readonly DeviceRecord[]): string {
  const rows = [['USER', 'DEVICE ID', 'TYPE', 'VERSION', 'PROVISIONED', 'WIPE', 'LAST SEEN']];
  for (const d of devices) {
    rows.push([
      d.user,
      d.deviceId,
      d.deviceType ?? '',
      d.protocolVersion ?? '',
      d.policyKey ? 'yes' : 'no',
      d.wipe,
      d.lastSeen.toISOString(),
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return `${rows
    .map((r) =>
      r
        .map((v, c) => v.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
