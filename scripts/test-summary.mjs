// Prints one line per vitest JSON report, then the totals as the plain closing line CI reads.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

let passed = 0;
let failed = 0;
for (const file of process.argv.slice(2)) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const p = report.numPassedTests ?? 0;
  // A suite that fails to load has no failed test of its own: count it, so a broken file is never green.
  const broken =
    report.success === false && !report.numFailedTests ? Math.max(1, report.numFailedTestSuites ?? 0) : 0;
  const f = (report.numFailedTests ?? 0) + broken;
  console.log(
    `${basename(file, '.json')}: ${p} tests passed, ${f} failed, ${report.numPendingTests ?? 0} skipped`,
  );
  passed += p;
  failed += f;
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
