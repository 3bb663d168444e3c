import libmime from 'libmime';
import type { MimePart } from '../mail-message.js';
import { el, type WbxmlElement } from '../../wbxml/index.js';
import { decodeWords } from './decode.js';
import type { EmailRenderOptions } from './options.js';
import { estimateDecodedSize, stripAngles, type AttachmentPart } from './structure.js';

// MS-ASAIRS 2.2.2.8 Attachments: what the client lists and downloads by FileReference.

/** MS-ASAIRS 2.2.2.31.2 Method 1: a normal attachment, fetched by its FileReference. */
const METHOD_NORMAL = 1;

export function renderAttachments(
  list: readonly AttachmentPart[],
  fileReference: EmailRenderOptions['fileReference'],
): WbxmlElement | undefined {
  if (list.length === 0) return undefined;
  const used = new Set<string>();
  return el(
    'AirSyncBase:Attachments',
    list.map(({ part, inline }) =>
      el(
        'AirSyncBase:Attachment',
        el('AirSyncBase:DisplayName', uniqueName(displayName(part), used)),
        el('AirSyncBase:FileReference', fileReference(part.section)),
        el('AirSyncBase:Method', METHOD_NORMAL),
        el('AirSyncBase:EstimatedDataSize', estimateDecodedSize(part)),
        // Clients match cid: URLs of the HTML against ContentId without the angle brackets.
        part.contentId !== undefined &&
          stripAngles(part.contentId) !== '' &&
          el('AirSyncBase:ContentId', stripAngles(part.contentId)),
        inline && el('AirSyncBase:IsInline', 1),
      ),
    ),
  );
}

/**
 * The file name a phone saves the part as: the RFC 2231 filename or the Content-Type name
 * (either may still carry RFC 2047 words, which many mailers use there), without any path; a
 * generated one otherwise. Attached messages always end in .eml so that they open as mail.
 * Equal names are numbered, so that saving one attachment does not overwrite another.
 */
export function displayName(part: MimePart): string {
  const given = part.dispositionParams.filename ?? part.params.name;
  let name = given === undefined ? '' : decodeWords(given).trim();
  name = name.replace(/^.*[\\/]/, '').trim();
  if (part.type === 'message/rfc822') {
    if (name === '') name = 'message';
    return /\.eml$/i.test(name) ? name : `${name}.eml`;
  }
  if (name !== '') return name;
  return `attachment.${libmime.detectExtension(part.type)}`;
}

function uniqueName(name: string, used: Set<string>): string {
  let out = name;
  const dot = name.lastIndexOf('.');
  const [base, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let i = 2; used.has(out.toLowerCase()); i++) out = `${base} (${i})${ext}`;
  used.add(out.toLowerCase());
  return out;
}
