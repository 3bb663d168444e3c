import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/app.js';
import { DEFAULT_CONFIG } from '../../../src/config.js';
import type { TraceMeta } from '../../../src/trace/format.js';
import { showTrace } from '../../../src/trace/show.js';
import { openStateStore } from '../../../src/wire.js';
import { el } from '../../../src/wbxml/index.js';
import { eas } from '../../support/eas-client.js';
import { fakeBackends } from '../../support/fake-backends.js';

describe('trace capture', () => {
  it('records the chosen device only, without credentials, passwords or (by default) bodies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eas-capture-'));
    const config = {
      ...DEFAULT_CONFIG,
      state: { driver: 'memory' as const, path: '' },
      trace: { ...DEFAULT_CONFIG.trace, dir, devices: ['CAPTURED'] },
    };
    const state = await openStateStore(config);
    const { fastify, capture } = await buildApp({ config, backends: fakeBackends(), state });
    const settings = el(
      'Settings:Settings',
      el('Settings:DevicePassword', el('Settings:Set', el('Settings:Password', 'hunter2'))),
      el(
        'Settings:Oof',
        el(
          'Settings:Set',
          el('Settings:OofState', '1'),
          el(
            'Settings:OofMessage',
            el('Settings:AppliesToInternal'),
            el('Settings:Enabled', '1'),
            el('Settings:ReplyMessage', 'away'),
          ),
        ),
      ),
    );
    await eas(fastify, { cmd: 'Settings', deviceId: 'CAPTURED', body: settings });
    await eas(fastify, {
      cmd: 'Settings',
      deviceId: 'CAPTURED',
      body: el('Settings:Settings', el('Settings:UserInformation', el('Settings:Get'))),
    });
    await eas(fastify, { cmd: 'Settings', deviceId: 'NOTME', body: settings });
    await capture!.flush();
    await fastify.close();

    expect(readdirSync(join(dir, 'alice@example.test'))).toEqual(['CAPTURED']);
    const trace = join(dir, 'alice@example.test', 'CAPTURED');
    const meta = JSON.parse(readFileSync(join(trace, 'meta.json'), 'utf8')) as TraceMeta;
    expect(meta.exchanges.map((e) => [e.seq, e.request.query.Cmd, e.response.status])).toEqual([
      [1, 'Settings', 200],
      [2, 'Settings', 200],
    ]);
    const all = readdirSync(trace)
      .map((f) => readFileSync(join(trace, f), 'utf8'))
      .join('\n');
    expect(all).not.toMatch(/hunter2|Basic |authorization|cGFzc3dvcmQ/i);
    expect(readFileSync(join(trace, '001.request.xml'), 'utf8')).toContain('<Password>[redacted]</Password>');
    expect(meta.exchanges[0]!.request.headers).toMatchObject({
      'MS-ASProtocolVersion': '14.1',
      'User-Agent': 'eas-gateway-tests/1.0',
    });
    expect(await showTrace(trace)).toMatch(/>>> #2 POST Settings .*\n[\s\S]*<<< 200/);
  });
});
