import type { OofSettings } from '../../model/oof.js';
import { BackendError, type Credentials, type OofStore } from '../types.js';
import { ManageSieveClient, type SieveCapabilities, type SieveScriptInfo } from './client.js';
import { DEFAULT_OOF_SCRIPT_NAME, DEFAULT_OOF_SUBJECT, type SieveOofConfig } from './config.js';
import { OofScriptError, readOofScript, renderOofScript, type OofScriptState } from './oof-script.js';

export interface OofIdentity {
  /** The user's addresses (RFC 5230 4.5 :addresses); default: the login when it is an address. */
  readonly addresses?: readonly string[];
  /** Senders from these domains get the internal message; default: the domains of `addresses`. */
  readonly internalDomains?: readonly string[];
}

/**
 * Out of office as one Sieve script the gateway owns (RFC 5230 vacation), over ManageSieve.
 *
 * Only one script can be active (RFC 5804 1.1). Turning the reply on makes the gateway's script the
 * active one; the script that was active before is remembered in our script's header and, where the
 * server has `include` (RFC 6609, Pigeonhole does), included so the user's filters keep running.
 * Turning it off reactivates that script (or none, if none was active). Other scripts are never
 * written or deleted. One connection per call: Settings requests are rare.
 */
export class SieveOofStore implements OofStore {
  private readonly scriptName: string;
  private readonly addresses: readonly string[];
  private readonly internalDomains: readonly string[];

  constructor(
    private readonly config: SieveOofConfig,
    private readonly credentials: Credentials,
    identity: OofIdentity = {},
  ) {
    this.scriptName = config.scriptName ?? DEFAULT_OOF_SCRIPT_NAME;
    this.addresses = identity.addresses ?? (credentials.user.includes('@') ? [credentials.user] : []);
    this.internalDomains = identity.internalDomains ?? [
      ...new Set(this.addresses.map(domainOf).filter((d) => d !== '')),
    ];
  }

  async getOof(signal?: AbortSignal): Promise<OofSettings> {
    return this.withClient(signal, async (client) => {
      const ours = (await client.listScripts(signal)).find((s) => s.name === this.scriptName);
      if (!ours) return { state: 'disabled' };
      const { settings } = this.read(await client.getScript(ours.name, signal));
      // Another script was activated since (e.g. in a webmail): our reply is not running.
      return ours.active ? settings : { ...settings, state: 'disabled' };
    });
  }

  async setOof(settings: OofSettings, signal?: AbortSignal): Promise<void> {
    await this.withClient(signal, async (client) => {
      const scripts = await client.listScripts(signal);
      const active = scripts.find((s) => s.active);
      const ours = scripts.find((s) => s.name === this.scriptName);
      const previous = await this.previousScript(client, scripts, active, ours, signal);
      const state: OofScriptState = previous === undefined ? { settings } : { settings, previous };
      const rendered = renderOofScript(state, {
        subject: this.config.subject ?? DEFAULT_OOF_SUBJECT,
        days: this.config.days ?? 1,
        addresses: this.addresses,
        internalDomains: this.internalDomains,
        includePrevious: client.capabilities.extensions.has('include'),
      });
      requireExtensions(client.capabilities, rendered.extensions);
      // PUTSCRIPT compiles the script first (RFC 5804 2.6): a NO leaves the old one in place.
      await client.putScript(this.scriptName, rendered.script, signal);
      const oursActive = active?.name === this.scriptName;
      if (settings.state !== 'disabled') {
        if (!oursActive) await client.setActive(this.scriptName, signal);
      } else if (oursActive) {
        await client.setActive(previous ?? '', signal);
      }
    });
  }

  /** The user's own script to keep running: the active one, or the one we replaced earlier. */
  private async previousScript(
    client: ManageSieveClient,
    scripts: readonly SieveScriptInfo[],
    active: SieveScriptInfo | undefined,
    ours: SieveScriptInfo | undefined,
    signal: AbortSignal | undefined,
  ): Promise<string | undefined> {
    if (active && active.name !== this.scriptName) return active.name;
    if (!ours || !active) return undefined;
    let remembered: string | undefined;
    try {
      remembered = readOofScript(await client.getScript(ours.name, signal)).previous;
    } catch (err) {
      // Our script is about to be rewritten anyway; an unreadable header only loses the memory.
      if (!(err instanceof OofScriptError)) throw err;
    }
    return scripts.some((s) => s.name === remembered) ? remembered : undefined;
  }

  private read(script: string): OofScriptState {
    try {
      return readOofScript(script);
    } catch (err) {
      if (err instanceof OofScriptError) {
        throw new BackendError('permanent', `Sieve script ${this.scriptName}: ${err.message}`, {
          cause: err,
        });
      }
      throw err;
    }
  }

  private async withClient<T>(
    signal: AbortSignal | undefined,
    use: (client: ManageSieveClient) => Promise<T>,
  ): Promise<T> {
    const client = await ManageSieveClient.connect(this.config, this.credentials, signal);
    try {
      return await use(client);
    } finally {
      await client.logout();
    }
  }
}

function requireExtensions(capabilities: SieveCapabilities, needed: readonly string[]): void {
  const missing = needed.filter((e) => !capabilities.extensions.has(e));
  if (missing.length > 0) {
    throw new BackendError('permanent', `the Sieve server lacks the extensions ${missing.join(', ')}`);
  }
}

function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase();
}
