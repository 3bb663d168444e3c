import { ConfigError } from '../config.js';
import { WbxmlDecodeError, WbxmlEncodeError } from '../wbxml/index.js';
import { CliUsageError, type CliIo } from './io.js';
import { configCommand } from './config.js';
import { devicesCommand } from './devices.js';
import { serveCommand } from './serve.js';
import { traceCommand } from './trace.js';
import { wbxmlCommand } from './wbxml.js';

type Subcommand = (args: readonly string[], io: CliIo) => Promise<number>;

const SUBCOMMANDS: Readonly<Record<string, { run: Subcommand; summary: string }>> = {
  serve: {
    run: serveCommand,
    summary: 'serve                         run the gateway (configuration from EAS_* or EAS_CONFIG)',
  },
  config: {
    run: configCommand,
    summary: 'config check [--json]         validate the configuration, print it (secrets masked)',
  },
  devices: {
    run: devicesCommand,
    summary: 'devices list|wipe|remove|resync   manage devices (see `devices --help`)',
  },
  trace: {
    run: traceCommand,
    summary: 'trace show|replay <dir> …       read or replay a recorded device session',
  },
  wbxml: { run: wbxmlCommand, summary: 'wbxml decode|encode <file|->   convert between WBXML and XML' },
};

function usage(): string {
  return ['usage: eas-gateway <command> …', ...Object.values(SUBCOMMANDS).map((c) => `  ${c.summary}`)].join(
    '\n',
  );
}

/** Runs the command line; returns the exit code. Input problems print one line, never a stack. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  const sub = name === undefined ? undefined : SUBCOMMANDS[name];
  if (sub === undefined) {
    io.stderr.write(`${usage()}\n`);
    return name === undefined || name === '--help' ? 0 : 2;
  }
  try {
    return await sub.run(rest, io);
  } catch (err) {
    if (err instanceof CliUsageError) {
      io.stderr.write(`${err.message}\n`);
      return 2;
    }
    if (err instanceof WbxmlDecodeError || err instanceof WbxmlEncodeError || err instanceof ConfigError) {
      io.stderr.write(`eas-gateway: ${err.message}\n`);
      return 1;
    }
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') {
      io.stderr.write(`eas-gateway: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
