import { decodeTransferEncoding } from '../model/email/index.js';
import type { MimePart } from '../model/mail-message.js';
import type { CommandContext } from './context.js';
import { resolveCollection } from './mail-collection.js';
import { parseFileReference } from './sync-mail.js';

// An attachment named by the FileReference a Sync handed out (collection, message, MIME section):
// shared by ItemOperations Fetch (14.0+) and GetAttachment (12.x).

export interface Attachment {
  readonly contentType: string;
  readonly content: Uint8Array;
}

export type AttachmentLookup = Attachment | 'invalid-reference' | 'not-found';

export async function loadAttachment(ctx: CommandContext, fileReference: string): Promise<AttachmentLookup> {
  const ref = parseFileReference(fileReference);
  const folder = ref && (await resolveCollection(ctx, ref.collectionId));
  if (ref === undefined || folder?.store !== 'mail') return 'invalid-reference';
  const store = ctx.backends.mail;
  const [message] = await store.fetchMessages(folder.key, [ref.uid], [], ctx.signal);
  const part = message && findPart(message.structure, ref.section);
  if (part === undefined) return 'not-found';
  const bodies = await store.fetchBodies(
    folder.key,
    new Map([[ref.uid, [{ section: ref.section }]]]),
    ctx.signal,
  );
  const raw = bodies.get(ref.uid)?.get(ref.section);
  if (raw === undefined) return 'not-found';
  return { contentType: part.type, content: decodeTransferEncoding(raw, part.encoding) };
}

function findPart(part: MimePart, section: string): MimePart | undefined {
  if (part.section === section) return part;
  for (const c of part.children) {
    const found = findPart(c, section);
    if (found) return found;
  }
  return undefined;
}
