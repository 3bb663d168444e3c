import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../src/config.js';
import { childText } from '../../../src/wbxml/index.js';
import { eas } from '../../support/eas-client.js';
import { folderSync, provisionRequest } from '../../support/eas-requests.js';
import { fakeBackends } from '../../support/fake-backends.js';
import { testApp } from '../../support/test-app.js';

describe('per-user limits', () => {
  it('refuses a device beyond the limit with Status 177 (403 before 14.0) and keeps no trace of it', async () => {
    const t = await testApp(fakeBackends(), { limits: { ...DEFAULT_CONFIG.limits, devicesPerUser: 2 } });
    try {
      for (const d of ['D1', 'D2'])
        expect((await eas(t.app, { cmd: 'Provision', deviceId: d, body: provisionRequest() })).status).toBe(
          200,
        );
      const third = await eas(t.app, { cmd: 'Provision', deviceId: 'D3', body: provisionRequest() });
      expect(childText(third.body!, 'Provision:Status')).toBe('177');
      expect(
        (await eas(t.app, { cmd: 'Provision', version: '12.1', deviceId: 'D4', body: provisionRequest() }))
          .status,
      ).toBe(403);
      expect((await t.state.listDevices('alice@example.test')).map((d) => d.deviceId)).toEqual(['D1', 'D2']);
      expect((await eas(t.app, { cmd: 'Provision', deviceId: 'D1', body: provisionRequest() })).status).toBe(
        200,
      );
    } finally {
      await t.close();
    }
  });

  it('answers 503 with Retry-After when one user has too many requests at once', async () => {
    const world = fakeBackends();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const list = world.mail.listFolders.bind(world.mail);
    let calls = 0;
    // Only the first request waits, so other users' requests can complete meanwhile.
    world.mail.listFolders = async () => {
      if (calls++ === 0) await gate;
      return list();
    };
    const t = await testApp(world, {
      provisioning: { required: false, policy: {} },
      limits: { ...DEFAULT_CONFIG.limits, concurrentRequestsPerUser: 1 },
    });
    try {
      const slow = eas(t.app, { cmd: 'FolderSync', deviceId: 'D1', body: folderSync('0') });
      await new Promise((r) => setTimeout(r, 50));
      const refused = await eas(t.app, { cmd: 'FolderSync', deviceId: 'D2', body: folderSync('0') });
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('5');
      expect(
        (await eas(t.app, { cmd: 'FolderSync', user: 'bob', deviceId: 'B1', body: folderSync('0') })).status,
      ).toBe(200);
      release();
      expect((await slow).status).toBe(200);
      expect((await eas(t.app, { cmd: 'FolderSync', deviceId: 'D2', body: folderSync('0') })).status).toBe(
        200,
      );
    } finally {
      await t.close();
    }
  });
});
