import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { BackendError } from '../types.js';
import { resultError, transportError } from './errors.js';
import {
  encodeCommand,
  MAX_LITERAL_BYTES,
  parseLine,
  resultOf,
  SieveProtocolError,
  type SieveArgument,
  type SieveLine,
  type SieveResult,
} from './protocol.js';

export interface SieveResponse {
  readonly data: readonly SieveLine[];
  readonly result: SieveResult;
}

/**
 * One ManageSieve connection: writes commands, reads responses line by line. The first failure
 * (socket error, close, timeout, abort, garbage from the server) ends it for good.
 */
export class SieveConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly lines: SieveLine[] = [];
  private waiter: { resolve(line: SieveLine): void; reject(err: unknown): void } | undefined;
  private failure: { error: unknown } | undefined;
  private readonly onData = (chunk: Buffer): void => this.receive(chunk);
  private readonly onError = (err: Error): void => this.fail(transportError(err, this.host));
  private readonly onClose = (): void =>
    this.fail(new BackendError('temporary', `ManageSieve ${this.host}: connection closed`));

  private constructor(
    private socket: Socket | TLSSocket,
    private readonly host: string,
    private readonly timeoutMs: number,
  ) {
    this.attach(socket);
  }

  /** Connects and reads the greeting (the capability lines, RFC 5804 1.7). */
  static async open(
    host: string,
    port: number,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<{ connection: SieveConnection; greeting: SieveResponse }> {
    signal?.throwIfAborted();
    const connection = new SieveConnection(netConnect({ host, port }), `${host}:${port}`, timeoutMs);
    try {
      const greeting = await connection.readResponse('greeting', signal);
      if (greeting.result.status !== 'OK') throw resultError(greeting.result, 'greeting');
      return { connection, greeting };
    } catch (err) {
      connection.close();
      throw err;
    }
  }

  /** Sends a command and reads its response; a NO or BYE is thrown as a BackendError. */
  async command(name: string, args: readonly SieveArgument[], signal?: AbortSignal): Promise<SieveResponse> {
    signal?.throwIfAborted();
    if (this.failure) throw this.failure.error;
    this.socket.write(encodeCommand(name, ...args));
    const response = await this.readResponse(name, signal);
    if (response.result.status !== 'OK') throw resultError(response.result, name);
    return response;
  }

  /** RFC 5804 2.2: after the handshake the server sends its capabilities again. */
  async startTls(options: ConnectionOptions, signal?: AbortSignal): Promise<SieveResponse> {
    await this.command('STARTTLS', [], signal);
    // Bytes that came before the handshake are not protected by it (the STARTTLS injection of
    // CVE-2011-0411): refuse them.
    if (this.lines.length > 0 || this.buffer.length > 0) {
      const error = new BackendError('temporary', `ManageSieve ${this.host}: data after the STARTTLS answer`);
      this.fail(error);
      throw error;
    }
    const raw = this.socket;
    this.detach(raw);
    const secure = tlsConnect({ ...options, socket: raw });
    this.socket = secure;
    this.attach(secure);
    const capabilities = await this.readResponse('STARTTLS capabilities', signal);
    if (capabilities.result.status !== 'OK') throw resultError(capabilities.result, 'STARTTLS');
    return capabilities;
  }

  close(): void {
    this.fail(new BackendError('temporary', `ManageSieve ${this.host}: connection closed by the client`));
  }

  private async readResponse(what: string, signal: AbortSignal | undefined): Promise<SieveResponse> {
    const timer = setTimeout(
      () =>
        this.fail(new BackendError('temporary', `ManageSieve ${what}: no answer in ${this.timeoutMs} ms`)),
      this.timeoutMs,
    );
    const abort = (): void => this.fail(signal?.reason);
    signal?.addEventListener('abort', abort, { once: true });
    try {
      const data: SieveLine[] = [];
      for (;;) {
        const line = await this.nextLine();
        const result = resultOf(line);
        if (result) return { data, result };
        data.push(line);
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
    }
  }

  private nextLine(): Promise<SieveLine> {
    const line = this.lines.shift();
    if (line) return Promise.resolve(line);
    if (this.failure) return Promise.reject(this.failure.error);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    try {
      let start = 0;
      for (;;) {
        const parsed = parseLine(this.buffer, start);
        if (!parsed) break;
        this.lines.push(parsed.line);
        start = parsed.end;
      }
      this.buffer = this.buffer.subarray(start);
      if (this.buffer.length > MAX_LITERAL_BYTES + 65_536) throw new SieveProtocolError('response too large');
    } catch (err) {
      this.fail(transportError(err, `${this.host}: unreadable response`));
      return;
    }
    const waiter = this.waiter;
    const line = this.lines.shift();
    if (waiter && line) {
      this.waiter = undefined;
      waiter.resolve(line);
    } else if (line) {
      this.lines.unshift(line);
    }
  }

  private fail(error: unknown): void {
    // No waiter can start after the first failure: nextLine() checks it.
    if (this.failure) return;
    this.failure = { error };
    this.detach(this.socket);
    // An 'error' after destroy must not become an unhandled exception.
    this.socket.on('error', () => undefined);
    this.socket.destroy();
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(error);
  }

  private attach(socket: Socket | TLSSocket): void {
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  private detach(socket: Socket | TLSSocket): void {
    socket.off('data', this.onData);
    socket.off('error', this.onError);
    socket.off('close', this.onClose);
  }
}
