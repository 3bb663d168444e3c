import { afterEach, describe, expect, it } from 'vitest';
import type { SieveOofConfig } from '../../../../src/backends/sieve/config.js';
import { SieveOofStore } from '../../../../src/backends/sieve/sieve-oof-store.js';
import type { OofSettings } from '../../../../src/model/oof.js';
import { startFakeSieve, type FakeSieve, type FakeSieveOptions } from './fake-sieve-server.js';

const alice = { user: 'alice@example.test', password: 'password' };
const away: OofSettings = { state: 'global', internal: { enabled: true, text: 'away' } };
let server: FakeSieve | undefined;

async function start(options: FakeSieveOptions = {}): Promise<{ store: SieveOofStore; server: FakeSieve }> {
  server = await startFakeSieve(options);
  const config: SieveOofConfig = { host: '127.0.0.1', port: server.port, timeoutMs: 1_000 };
  return { store: new SieveOofStore(config, alice), server };
}

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('SieveOofStore', () => {
  it("defaults the addresses to the login and the internal domain to the login's", async () => {
    const { store, server: s } = await start();
    await store.setOof(away);
    const script = s.state.scripts.get('eas-gateway-oof') ?? '';
    expect(script).toContain(':addresses ["alice@example.test"]');
    expect(script).toContain('address :domain :is "from" ["example.test"]');
    expect(s.state.active).toBe('eas-gateway-oof');
  });

  it('without include, replaces the active script while away and gives it back afterwards', async () => {
    const { store, server: s } = await start({
      extensions: 'vacation date relational',
      scripts: { filters: 'keep;' },
      active: 'filters',
    });
    await store.setOof(away);
    expect(s.state.active).toBe('eas-gateway-oof');
    expect(s.state.scripts.get('eas-gateway-oof')).not.toContain('include');
    await store.setOof({ state: 'disabled', internal: away.internal });
    expect(s.state.active).toBe('filters');
    expect(s.state.scripts.get('filters')).toBe('keep;');
  });

  it('deactivates everything on disable when nothing was active before', async () => {
    const { store, server: s } = await start();
    await store.setOof(away);
    await store.setOof({ state: 'disabled' });
    expect(s.state.active).toBeUndefined();
    await expect(store.getOof()).resolves.toEqual({ state: 'disabled' });
  });

  it('forgets a remembered script that was deleted meanwhile', async () => {
    const { store, server: s } = await start({ scripts: { filters: 'keep;' }, active: 'filters' });
    await store.setOof(away);
    s.state.scripts.delete('filters');
    await store.setOof({ state: 'disabled' });
    expect(s.state.active).toBeUndefined();
  });

  it('leaves the activation alone when disabling a reply that is not active', async () => {
    const { store, server: s } = await start({ scripts: { filters: 'keep;' }, active: 'filters' });
    await store.setOof({ state: 'disabled' });
    expect(s.state.active).toBe('filters');
    expect(s.state.commands).not.toContain('SETACTIVE');
  });

  it('refuses settings the server cannot run, without writing anything', async () => {
    const { store, server: s } = await start({ extensions: 'fileinto vacation' });
    const timeBased: OofSettings = { ...away, state: 'time-based', end: new Date('2030-01-01T00:00:00Z') };
    await expect(store.setOof(timeBased)).rejects.toMatchObject({
      kind: 'permanent',
      message: 'the Sieve server lacks the extensions date, relational',
    });
    expect(s.state.scripts.size).toBe(0);
  });

  it('reports a script of the same name it did not write, and overwrites it on the next change', async () => {
    const { store, server: s } = await start({
      scripts: { 'eas-gateway-oof': 'keep;' },
      active: 'eas-gateway-oof',
    });
    await expect(store.getOof()).rejects.toMatchObject({ kind: 'permanent' });
    await store.setOof(away);
    await expect(store.getOof()).resolves.toEqual(away);
    expect(s.state.commands.filter((c) => c === 'LOGOUT')).toHaveLength(3);
  });
});
