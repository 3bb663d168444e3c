import { ConfigError, inspectConfig, printable, type ConfigEntry, type ConfigReport } from '../config.js';
import { CliUsageError, type CliIo } from './io.js';

const USAGE = 'usage: eas-gateway config check [--json]';

/**
 * `eas-gateway config check`: validates the configuration the gateway would start with (EAS_CONFIG
 * and EAS_* of this environment) and prints every effective value with its source, secrets masked.
 * An invalid configuration ends as ConfigError, every problem listed (exit code 1, as for `serve`).
 */
export async function configCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  const json = rest.includes('--json');
  if (action !== 'check' || rest.some((a) => a !== '--json')) throw new CliUsageError(USAGE);
  const report = inspectConfig();
  if (report.problems.length > 0) throw new ConfigError(report.problems);
  io.stdout.write(json ? asJson(report) : asLines(report));
  return 0;
}

function shown(entry: ConfigEntry): string {
  const v = printable(entry);
  return v === undefined ? '(unset)' : entry.setting.secret && v !== '' ? String(v) : JSON.stringify(v);
}

function asLines(report: ConfigReport): string {
  const rows = report.entries.map((e) => [
    e.setting.path,
    shown(e),
    `${e.source.padEnd(7)} ${e.setting.env ?? '(file only)'}`,
  ]);
  const width = (c: number): number => Math.max(...rows.map((r) => r[c]!.length));
  const [w0, w1] = [width(0), width(1)];
  return [
    `# valid; file: ${report.file ?? 'none (EAS_CONFIG unset)'}; secrets shown as ***`,
    ...rows.map(([path, value, source]) => `${path!.padEnd(w0)} = ${value!.padEnd(w1)}  # ${source}`),
    ...report.unknownEnv.map((name) => `# ${name} is not a setting (ignored)`),
    '',
  ].join('\n');
}

function asJson(report: ConfigReport): string {
  const settings = report.entries.map((e) => ({
    path: e.setting.path,
    env: e.setting.env ?? null,
    value: printable(e) ?? null,
    source: e.source,
  }));
  const ignored = report.unknownEnv;
  return `${JSON.stringify({ file: report.file ?? null, settings, ignored }, null, 2)}\n`;
}
