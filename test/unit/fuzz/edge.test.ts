import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runFuzz } from '../../support/fuzz/harness.js';

// Issue 16: every command's request, every id field with NUL/control/overlong values, raw query
// forms and Autodiscover bodies through the real app. A fixed seed and count: the same bodies run
// on every machine (bench/fuzz runs 100,000).

const BODIES = Number(process.env.FUZZ_BODIES ?? 20_000);

describe('fuzzing the protocol edge', () => {
  it(`answers ${BODIES} hostile requests without a 5xx or a character XML forbids, and still answers`, async () => {
    const stats = await runFuzz({ bodies: BODIES, seed: 20261202 });
    if (process.env.FUZZ_PRINT) writeFileSync(process.env.FUZZ_PRINT, JSON.stringify(stats, null, 2));
    expect(stats.examples).toEqual([]);
    expect(stats.serverErrors).toBe(0);
    expect(stats.forbiddenInAnswers).toBe(0);
    expect(stats.undecodable).toBe(0);
    expect(stats.stillAnswering).toBe(true);
    expect(stats.bodies).toBe(BODIES);
  }, 120_000);
});
