import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { realGateway, type RealGateway } from '../support/real-gateway.js';
import { ContactsHarness, contactOps, type ContactOp } from './contacts-model.js';
import { forgetDevice, modelProperty, modelSettings } from './model-run.js';

// The contacts model (contacts-model.ts) over Radicale through the real gateway: each run in a
// fresh address book of bob's, deleted at the end.

const { params, exclude, sequences } = modelSettings(10, 20);

let gateway: RealGateway;

beforeAll(async () => {
  gateway = await realGateway();
});

afterAll(async () => {
  await gateway?.close();
});

describe('contacts sync model over Radicale', () => {
  it('shows the address book as the server has it at every quiet point', { timeout: 300_000 }, async () => {
    await fc.assert(
      modelProperty<ContactOp, ContactsHarness>(
        contactOps(exclude),
        sequences,
        (deviceId) => ContactsHarness.start(gateway.app, deviceId),
        async (h) => {
          await h.close();
          await forgetDevice(gateway.state, h.device.wire.deviceId);
        },
      ),
      params,
    );
  });
});
