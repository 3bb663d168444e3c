import type { MessageStore } from '../backends/types.js';
import {
  EMAIL_HEADER_FIELDS,
  planBodyFetches,
  renderEmail,
  renderEmailFlagFields,
  type EmailRenderOptions,
} from '../model/email/index.js';
import type { BodyFetch } from '../model/mail-message.js';
import { UidSet } from '../model/uid-set.js';
import type { WbxmlElement } from '../wbxml/index.js';
import { flagsKey } from './mail-state.js';

export interface RenderedEmail {
  readonly fields: WbxmlElement[];
  /** The flags the device is given with it (kept for the no-CONDSTORE comparison). */
  readonly flagsKey: string;
}

// Turns UIDs into Email items with the fewest IMAP round trips: one FETCH for envelopes and
// structures, then one per distinct body part the window needs (see fetchBodies).

/** ApplicationData children per UID; UIDs expunged meanwhile are absent from the map. */
export async function renderEmailItems(
  store: MessageStore,
  folderKey: string,
  uids: readonly number[],
  optionsFor: (uid: number) => EmailRenderOptions,
  signal?: AbortSignal,
): Promise<Map<number, RenderedEmail>> {
  const messages = await store.fetchMessages(folderKey, uids, EMAIL_HEADER_FIELDS, signal);
  const plans = new Map<number, readonly BodyFetch[]>();
  for (const m of messages) {
    const plan = planBodyFetches(m, optionsFor(m.uid));
    if (plan.length > 0) plans.set(m.uid, plan);
  }
  const bodies = await store.fetchBodies(folderKey, plans, signal);
  const out = new Map<number, RenderedEmail>();
  for (const m of messages) {
    const fields = renderEmail(m, bodies.get(m.uid) ?? new Map(), optionsFor(m.uid));
    out.set(m.uid, { fields, flagsKey: flagsKey(m.flags) });
  }
  return out;
}

/** Read, Flag and Categories of each UID, for a Change after flags moved on the server. */
export async function renderEmailFlagChanges(
  store: MessageStore,
  folderKey: string,
  uids: readonly number[],
  versionRank: number,
  signal?: AbortSignal,
): Promise<Map<number, RenderedEmail>> {
  if (uids.length === 0) return new Map();
  const { messages } = await store.listFlags(folderKey, UidSet.of(uids).toString(), signal);
  return new Map(
    messages.map((m) => [
      m.uid,
      { fields: renderEmailFlagFields(m.flags, { versionRank }), flagsKey: flagsKey(m.flags) },
    ]),
  );
}
