// WBXML throughput: eas-gateway's codec against libwbxml on the same documents, in the same run.
// libwbxml is timed in-process by native/libwbxml-bench (its C library, not its CLI).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWbxml, encodeWbxml } from '../../dist/wbxml/index.js';
import { documents } from './documents.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
const native = new URL('./native/libwbxml-bench', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'wbxml-bench-'));

function rate(bytes, fn) {
  const warmUntil = performance.now() + 300;
  while (performance.now() < warmUntil) fn();
  let runs = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(SECONDS * 1e9));
  let elapsed;
  do {
    fn();
    runs++;
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < budget);
  return (bytes * runs) / (Number(elapsed) / 1e9);
}

const mb = (bps) => (bps / 1e6).toFixed(1);
const rows = [];
let i = 0;
for (const [name, tree] of Object.entries(documents())) {
  const bytes = encodeWbxml(tree);
  const file = join(dir, `${i}.wbxml`);
  const libOut = join(dir, `${i++}.lib.wbxml`);
  writeFileSync(file, bytes);
  const lib = JSON.parse(execFileSync(native, [file, String(SECONDS), libOut], { encoding: 'utf8' }));
  // Equal work: what libwbxml writes back decodes, with our codec, to the same document.
  const same =
    Buffer.compare(Buffer.from(encodeWbxml(decodeWbxml(readFileSync(libOut)))), Buffer.from(bytes)) === 0;
  const decoded = decodeWbxml(bytes);
  const ours = {
    decode: rate(bytes.length, () => decodeWbxml(bytes)),
    encode: rate(bytes.length, () => encodeWbxml(decoded)),
  };
  rows.push({
    name,
    size: bytes.length,
    ours,
    lib: { decode: lib.decodeBytesPerSecond, encode: lib.encodeBytesPerSecond },
    same,
  });
}

console.log(
  `WBXML codec throughput, MB/s of WBXML (${SECONDS} s per measurement, Node ${process.versions.node})\n`,
);
const header = [
  'document',
  'bytes',
  'decode ours',
  'decode libwbxml',
  'ratio',
  'encode ours',
  'encode libwbxml',
  'ratio',
  'same output',
];
const table = [
  header,
  ...rows.map((r) => [
    r.name,
    String(r.size),
    mb(r.ours.decode),
    mb(r.lib.decode),
    `${(r.ours.decode / r.lib.decode).toFixed(2)}x`,
    mb(r.ours.encode),
    mb(r.lib.encode),
    `${(r.ours.encode / r.lib.encode).toFixed(2)}x`,
    r.same ? 'yes' : 'NO',
  ]),
];
const widths = header.map((_, c) => Math.max(...table.map((row) => row[c].length)));
for (const row of table)
  console.log(row.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  '));
const geo = (xs) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
const decodeRatio = geo(rows.map((r) => r.ours.decode / r.lib.decode));
const encodeRatio = geo(rows.map((r) => r.ours.encode / r.lib.encode));
console.log(
  `\nours vs libwbxml (geometric mean): decode ${decodeRatio.toFixed(2)}x, encode ${encodeRatio.toFixed(2)}x (goal: at least 2x)`,
);
if (rows.some((r) => !r.same)) {
  console.log(
    'WARNING: libwbxml did not round-trip a document to the same tokens; the comparison is not like for like.',
  );
  process.exitCode = 1;
}
