import fc from 'fast-check';
import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { realGateway, type RealGateway } from '../support/real-gateway.js';
import { mailProperty } from './mail-model.js';
import { forgetDevice, modelSettings } from './model-run.js';
import { dovecotMailWorld, MODEL_USER, otherClient } from './mail-worlds.js';

// The mail model (mail-model.ts) over Dovecot: the real gateway (IMAP, SQLite state) and another
// IMAP client changing MODEL_USER's mailbox. Fewer runs than over the fake; every run works in
// three fresh folders of its own and takes its messages out of the Trash again.

const { params, exclude, sequences } = modelSettings(15, 20);

let gateway: RealGateway;
let imap: ImapFlow;

beforeAll(async () => {
  gateway = await realGateway();
  imap = await otherClient(MODEL_USER);
});

afterAll(async () => {
  await imap?.logout();
  await gateway?.close();
});

describe('mail sync model over Dovecot', () => {
  it('shows every folder as the mailbox has it at every quiet point', { timeout: 300_000 }, async () => {
    await fc.assert(
      mailProperty(
        () => dovecotMailWorld(gateway.app, imap),
        exclude,
        sequences,
        (deviceId) => forgetDevice(gateway.state, deviceId),
      ),
      params,
    );
  });
});
