import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { parseLine, valuesOf } from '../../../../src/backends/sieve/protocol.js';

// A scripted ManageSieve server on loopback for the unit tests: enough of RFC 5804 for the client
// and the OOF store, with a state the tests can look at.
export interface FakeSieveState {
  scripts: Map<string, string>;
  active: string | undefined;
  readonly commands: string[];
}

export interface FakeSieveOptions {
  extensions?: string;
  sasl?: string;
  startTls?: boolean;
  password?: string;
  scripts?: Record<string, string>;
  active?: string;
  /** Answers a command itself (raw bytes) instead of the default handling. */
  override?: (command: string, args: string[], socket: Socket) => boolean;
  /** Offers STARTTLS and upgrades with this key pair (then re-sends the capabilities, RFC 5804 2.2). */
  tls?: { key: string; cert: string };
  /** Writes every response one byte at a time. */
  trickle?: boolean;
}

export interface FakeSieve {
  readonly port: number;
  readonly state: FakeSieveState;
  close(): Promise<void>;
}

export async function startFakeSieve(options: FakeSieveOptions = {}): Promise<FakeSieve> {
  const state: FakeSieveState = {
    scripts: new Map(Object.entries(options.scripts ?? {})),
    active: options.active,
    commands: [],
  };
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serve(socket, options, state, false);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    state,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function serve(socket: Socket, options: FakeSieveOptions, state: FakeSieveState, secure: boolean): void {
  socket.on('error', () => undefined);
  const send = (text: string): void => {
    if (!options.trickle) {
      socket.write(text);
      return;
    }
    const bytes = Buffer.from(text);
    for (let i = 0; i < bytes.length; i += 1) socket.write(bytes.subarray(i, i + 1));
  };
  const caps = [
    `"IMPLEMENTATION" "fake${secure ? ' (TLS)' : ''}"`,
    `"SIEVE" "${options.extensions ?? 'fileinto vacation date relational include'}"`,
    // Like Dovecot with disable_plaintext_auth: PLAIN only once the connection is encrypted.
    `"SASL" "${options.sasl ?? (options.tls && !secure ? '' : 'PLAIN')}"`,
    ...((options.startTls || options.tls) && !secure ? ['"STARTTLS"'] : []),
    '"VERSION" "1.0"',
  ];
  send(`${caps.join('\r\n')}\r\nOK "ready"\r\n`);
  let buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      let parsed: ReturnType<typeof parseLine>;
      try {
        parsed = parseLine(buffer);
      } catch {
        socket.destroy();
        return;
      }
      if (!parsed) return;
      buffer = buffer.subarray(parsed.end);
      const [name = '', ...args] = valuesOf(parsed.line);
      const command = name.toUpperCase();
      state.commands.push(command);
      if (options.override?.(command, args, socket)) continue;
      if (command === 'STARTTLS' && options.tls && !secure) {
        socket.off('data', onData);
        socket.write('OK "Begin TLS negotiation now."\r\n');
        serve(new TLSSocket(socket, { isServer: true, ...options.tls }), options, state, true);
        return;
      }
      send(answer(command, args, state, options.password ?? 'password'));
      if (command === 'LOGOUT') socket.end();
    }
  };
  socket.on('data', onData);
}

function answer(command: string, args: string[], state: FakeSieveState, password: string): string {
  const [first = '', second = ''] = args;
  const missing = `NO (NONEXISTENT) "no script ${first}"\r\n`;
  switch (command) {
    case 'AUTHENTICATE': {
      const [, , pass] = Buffer.from(second, 'base64').toString('utf8').split('\0');
      return pass === password ? 'OK "Logged in."\r\n' : 'NO "Authentication failed."\r\n';
    }
    case 'LISTSCRIPTS':
      return (
        [...state.scripts.keys()].map((n) => `"${n}"${n === state.active ? ' ACTIVE' : ''}\r\n`).join('') +
        'OK\r\n'
      );
    case 'GETSCRIPT': {
      const script = state.scripts.get(first);
      return script === undefined ? missing : `{${Buffer.byteLength(script)}}\r\n${script}\r\nOK\r\n`;
    }
    case 'PUTSCRIPT':
      if (second.includes('INVALID')) return 'NO {12}\r\nline 1: bad\r\n';
      state.scripts.set(first, second);
      return 'OK\r\n';
    case 'SETACTIVE':
      if (first !== '' && !state.scripts.has(first)) return missing;
      state.active = first === '' ? undefined : first;
      return 'OK\r\n';
    case 'DELETESCRIPT':
      if (!state.scripts.has(first)) return missing;
      if (state.active === first) return 'NO (ACTIVE) "active"\r\n';
      state.scripts.delete(first);
      return 'OK\r\n';
    case 'LOGOUT':
      return 'OK "bye"\r\n';
    default:
      return 'NO "unknown command"\r\n';
  }
}
