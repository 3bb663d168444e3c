import { replayTrace } from '../trace/replay.js';
import { showTrace } from '../trace/show.js';
import { CliUsageError, type CliIo } from './io.js';

const USAGE = `usage: eas-gateway trace show <trace-dir>
       eas-gateway trace replay <trace-dir> --server <url> --user <user> [--password <pw>] [--insecure] [--device-id <id>]
       (the password may come from EAS_TRACE_PASSWORD instead of the command line)`;

/** `eas-gateway trace show|replay`: read a recorded device session, or play it against a server. */
export async function traceCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [action, dir, ...rest] = args;
  if (dir === undefined) throw new CliUsageError(USAGE);
  if (action === 'show') {
    io.stdout.write(await showTrace(dir));
    return 0;
  }
  if (action !== 'replay') throw new CliUsageError(USAGE);
  const flag = (name: string): string | undefined => {
    const i = rest.indexOf(name);
    return i === -1 ? undefined : rest[i + 1];
  };
  const server = flag('--server');
  const user = flag('--user');
  const password = flag('--password') ?? process.env.EAS_TRACE_PASSWORD;
  if (server === undefined || user === undefined || password === undefined) throw new CliUsageError(USAGE);
  const result = await replayTrace(dir, {
    server,
    user,
    password,
    insecure: rest.includes('--insecure'),
    deviceId: flag('--device-id'),
  });
  for (const ex of result.exchanges) {
    io.stdout.write(`${ex.matched ? 'ok  ' : 'DIFF'} #${ex.seq} ${ex.cmd}\n`);
    if (ex.diff !== undefined) io.stdout.write(`${ex.diff.replace(/^/gm, '     ')}\n`);
  }
  io.stdout.write(`${result.summary}\n`);
  return result.matched ? 0 : 1;
}
