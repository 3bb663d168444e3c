import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { StateStore } from '../../src/state/types.js';

// What the model-based tests share: an operation is a plain record (printed when a sequence
// fails), a harness applies it to a world and a simulated device, and every run ends with a
// quiet point where the device's view must equal the server's.

export interface Op {
  readonly kind: string;
}

export interface Harness<O extends Op> {
  apply(op: O): Promise<void>;
  /** Syncs the device until nothing is pending, then compares (throws on a divergence). */
  quietAndCompare(): Promise<void>;
}

/** How long sequences get, and fast-check's replayPath of a failure's shrunk sequence. */
export interface CommandSettings {
  readonly maxCommands: number;
  readonly replayPath?: string;
}

class OpCommand<O extends Op, H extends Harness<O>> implements fc.AsyncCommand<object, H> {
  constructor(readonly op: O) {}
  check(): boolean {
    return true;
  }
  async run(_model: object, h: H): Promise<void> {
    await h.apply(this.op);
  }
  toString(): string {
    const { kind, ...args } = this.op;
    const rest = Object.entries(args)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
    return rest === '' ? kind : `${kind}(${rest})`;
  }
}

/**
 * Any sequence of `ops`, then a last quiet point. `start` makes a fresh world and device per run
 * (device ids unique within the process) and `end` removes what the run created.
 */
export function modelProperty<O extends Op, H extends Harness<O>>(
  ops: fc.Arbitrary<O>[],
  sequences: CommandSettings,
  start: (deviceId: string) => Promise<H>,
  end: (h: H) => Promise<void>,
): fc.IAsyncPropertyWithHooks<[Iterable<fc.AsyncCommand<object, H>>]> {
  let run = 0;
  const prefix = `MODEL${randomBytes(3).toString('hex').toUpperCase()}`;
  const commands = fc.commands(
    ops.map((arb) => arb.map((op) => new OpCommand<O, H>(op))),
    sequences,
  );
  return fc.asyncProperty(commands, async (sequence) => {
    const h = await start(`${prefix}${++run}`);
    try {
      await fc.asyncModelRun(() => ({ model: {}, real: h }), sequence);
      await h.quietAndCompare();
    } finally {
      await end(h);
    }
  });
}

/**
 * EAS_MODEL_SEED, EAS_MODEL_RUNS, EAS_MODEL_PATH and EAS_MODEL_REPLAY_PATH (with the seed, they
 * replay one failing sequence: `path` and `replayPath` as the failure prints them) and
 * EAS_MODEL_EXCLUDE (kinds to leave out, comma-separated).
 */
export function modelSettings(
  defaultRuns: number,
  maxCommands: number,
): {
  exclude: string[];
  sequences: CommandSettings;
  params: { seed: number; numRuns: number; path?: string };
} {
  const path = process.env.EAS_MODEL_PATH;
  const replayPath = process.env.EAS_MODEL_REPLAY_PATH;
  return {
    exclude: (process.env.EAS_MODEL_EXCLUDE ?? '').split(',').filter(Boolean),
    sequences: { maxCommands, ...(replayPath ? { replayPath } : {}) },
    params: {
      seed: Number(process.env.EAS_MODEL_SEED ?? 22),
      numRuns: Number(process.env.EAS_MODEL_RUNS ?? defaultRuns),
      ...(path ? { path } : {}),
    },
  };
}

/**
 * Removes a run's device from a gateway that outlives the run: the gateway admits only so many
 * devices per user (limits.devicesPerUser), and shrinking alone makes hundreds of runs.
 */
export async function forgetDevice(state: StateStore, deviceId: string): Promise<void> {
  for (const d of await state.listDevices()) if (d.deviceId === deviceId) await state.removeDevice(d);
}
