import fc from 'fast-check';
import { describe, it } from 'vitest';
import { mailProperty } from './mail-model.js';
import { modelSettings } from './model-run.js';
import { fakeMailWorld } from './mail-worlds.js';

// The mail model (mail-model.ts) over the in-memory backend: many runs with a fixed seed, so CI
// sees the same sequences every time; EAS_MODEL_SEED and EAS_MODEL_RUNS explore further.

const settings = modelSettings(100, 30);
const { params, sequences } = settings;
// Hiding \Deleted-but-not-expunged messages is the IMAP backend's work (imap.hideDeleted); the
// fake has no such notion, so that operation runs only in the Dovecot model.
const exclude = [...settings.exclude, 'mark deleted'];

describe('mail sync model over the fake backend', () => {
  it('shows every folder as the mailbox has it at every quiet point', { timeout: 120_000 }, async () => {
    await fc.assert(mailProperty(fakeMailWorld, exclude, sequences), params);
  });
});
