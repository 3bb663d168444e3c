import { expect, it } from 'vitest';
import { runFuzz } from '../../test/support/fuzz/harness.js';

const BODIES = Number(process.env.BENCH_FUZZ_BODIES ?? 100_000);
const SEED = Number(process.env.BENCH_FUZZ_SEED ?? 20261202);

it(`fuzzes ${BODIES} requests`, async () => {
  const started = performance.now();
  const stats = await runFuzz({ bodies: BODIES, seed: SEED });
  const seconds = (performance.now() - started) / 1000;
  const lines = [
    `fuzz: ${stats.bodies} bodies, seed ${SEED}, ${seconds.toFixed(1)} s (${Math.round(stats.bodies / seconds)}/s)`,
    `5xx (other than 501): ${stats.serverErrors}`,
    `501 (EAS command not implemented): ${stats.notImplemented}`,
    `answers with a character XML 1.0 forbids: ${stats.forbiddenInAnswers}`,
    `answers with one in message content (AirSyncBase:Data, passed through): ${stats.forbiddenInMessageContent}`,
    `undecodable WBXML answers: ${stats.undecodable}`,
    `still answering afterwards: ${stats.stillAnswering ? 'yes' : 'NO'}`,
    'statuses:',
    ...Object.entries(stats.statuses)
      .sort((a, b) => b[1] - a[1])
      .map(([status, n]) => `  ${String(n).padStart(7)}  ${status}`),
    'time per request kind (ms):',
    ...Object.entries(stats.msByRequest)
      .sort((a, b) => b[1] - a[1])
      .map(([kind, ms]) => `  ${String(Math.round(ms)).padStart(7)}  ${kind}`),
    ...stats.examples.map((e) => `example: ${e}`),
  ];
  console.log(lines.join('\n'));
  expect(stats.serverErrors).toBe(0);
  expect(stats.forbiddenInAnswers).toBe(0);
  expect(stats.stillAnswering).toBe(true);
});
