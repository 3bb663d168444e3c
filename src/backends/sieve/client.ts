import { isIP } from 'node:net';
import { BackendTlsError } from '../tls.js';
import { BackendError, type Credentials } from '../types.js';
import { DEFAULT_SIEVE_TIMEOUT_MS, type SieveConfig } from './config.js';
import { SieveConnection, type SieveResponse } from './connection.js';
import { valuesOf } from './protocol.js';

export interface SieveCapabilities {
  readonly implementation: string | undefined;
  /** Sieve extensions the server's interpreter knows (the SIEVE capability), lower-cased. */
  readonly extensions: ReadonlySet<string>;
  readonly sasl: ReadonlySet<string>;
  readonly startTls: boolean;
  /** RFC 5804 1.7: present from ManageSieve 1.0 on, which adds CHECKSCRIPT among others. */
  readonly version: string | undefined;
}

export interface SieveScriptInfo {
  readonly name: string;
  readonly active: boolean;
}

/** An authenticated ManageSieve session (RFC 5804) for one user. */
export class ManageSieveClient {
  private constructor(
    private readonly connection: SieveConnection,
    readonly capabilities: SieveCapabilities,
  ) {}

  static async connect(
    config: SieveConfig,
    credentials: Credentials,
    signal?: AbortSignal,
  ): Promise<ManageSieveClient> {
    const timeoutMs = config.timeoutMs ?? DEFAULT_SIEVE_TIMEOUT_MS;
    const { connection, greeting } = await SieveConnection.open(config.host, config.port, timeoutMs, signal);
    try {
      let capabilities = parseCapabilities(greeting);
      const wantTls = config.startTls ?? capabilities.startTls;
      if (wantTls && !capabilities.startTls) {
        throw new BackendTlsError(
          `ManageSieve ${config.host}:${config.port}: TLS required but the server offers no STARTTLS`,
        );
      }
      if (wantTls) {
        // SNI takes host names only (RFC 6066 3).
        const tls = { servername: isIP(config.host) === 0 ? config.host : undefined, ...config.tls };
        capabilities = parseCapabilities(await connection.startTls(tls, signal));
      }
      // RFC 4616 PLAIN with an empty authorization identity.
      if (!capabilities.sasl.has('PLAIN')) {
        throw new BackendError('permanent', `ManageSieve ${config.host}: SASL PLAIN not offered`);
      }
      const plain = Buffer.from(`\0${credentials.user}\0${credentials.password}`, 'utf8').toString('base64');
      await connection.command('AUTHENTICATE', ['PLAIN', plain], signal);
      return new ManageSieveClient(connection, capabilities);
    } catch (err) {
      connection.close();
      throw err;
    }
  }

  async listScripts(signal?: AbortSignal): Promise<SieveScriptInfo[]> {
    const { data } = await this.connection.command('LISTSCRIPTS', [], signal);
    return data.flatMap((line) => {
      const [name, flag] = line;
      if (name?.type !== 'string') return [];
      return [{ name: name.value, active: flag?.type === 'atom' && flag.value.toUpperCase() === 'ACTIVE' }];
    });
  }

  async getScript(name: string, signal?: AbortSignal): Promise<string> {
    const { data } = await this.connection.command('GETSCRIPT', [name], signal);
    const token = data[0]?.[0];
    if (token?.type !== 'string') {
      throw new BackendError('permanent', `ManageSieve GETSCRIPT ${name}: no script in the answer`);
    }
    return token.value;
  }

  /** The server compiles the script and answers NO with its errors when it does not compile. */
  async putScript(name: string, content: string, signal?: AbortSignal): Promise<void> {
    await this.connection.command('PUTSCRIPT', [name, { literal: content }], signal);
  }

  /** RFC 5804 2.12; servers before VERSION 1.0 lack it. */
  async checkScript(content: string, signal?: AbortSignal): Promise<void> {
    await this.connection.command('CHECKSCRIPT', [{ literal: content }], signal);
  }

  /** An empty name deactivates every script (RFC 5804 2.8). */
  async setActive(name: string, signal?: AbortSignal): Promise<void> {
    await this.connection.command('SETACTIVE', [name], signal);
  }

  async deleteScript(name: string, signal?: AbortSignal): Promise<void> {
    await this.connection.command('DELETESCRIPT', [name], signal);
  }

  /** Says goodbye when it can; never throws, the connection is closed either way. */
  async logout(): Promise<void> {
    try {
      await this.connection.command('LOGOUT', []);
    } catch {
      // The server may close before or after its OK; both are fine.
    } finally {
      this.connection.close();
    }
  }
}

/** RFC 5804 1.7: one line per capability, its name and an optional value. */
export function parseCapabilities(response: SieveResponse): SieveCapabilities {
  const values = new Map<string, string>();
  for (const line of response.data) {
    const [name, value = ''] = valuesOf(line);
    if (name !== undefined) values.set(name.toUpperCase(), value);
  }
  const words = (text: string | undefined): string[] => (text ?? '').split(/\s+/).filter((w) => w !== '');
  return {
    implementation: values.get('IMPLEMENTATION'),
    extensions: new Set(words(values.get('SIEVE')).map((w) => w.toLowerCase())),
    sasl: new Set(words(values.get('SASL')).map((w) => w.toUpperCase())),
    startTls: values.has('STARTTLS'),
    version: values.get('VERSION'),
  };
}
