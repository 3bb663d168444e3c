import { Buffer } from 'node:buffer';
import { BackendError } from '../../backends/types.js';
import { GalPictureStatus, type DirectoryEntry } from '../../model/contact/index.js';
import type { TimeWindow } from '../../sync/free-busy.js';
import { child, childText, el, elements, type WbxmlElement } from '../../wbxml/index.js';
import { defineCommand, type Command } from '../command.js';
import type { CommandContext } from '../context.js';
import { parseEasDate } from '../eas-datetime.js';
import { availabilityOf, type Availability } from '../free-busy.js';
import { RecipientLookup, type Candidate } from '../recipients.js';
import { parsePicture, PictureBudget, type PictureRequest } from '../search-gal.js';
import { isValidId } from '../ids.js';
import { ProtocolError } from '../status.js';
import { optionalInt } from '../sync-options.js';
import { atLeast } from '../version.js';

// MS-ASCMD 2.2.1.15 ResolveRecipients: each To resolved against the GAL and the user's address
// books, with S/MIME certificates (vCard KEY), free/busy (Availability) and photos on request.

// MS-ASCMD 2.2.3.177.12 Status, per parent element.
const Status = { Success: 1, ProtocolError: 5, ServerError: 6 } as const;
const ResponseStatus = { Success: 1, Ambiguous: 2, AmbiguousPartial: 3, NotFound: 4 } as const;
const CertificatesStatus = { Success: 1, NoValidCertificate: 7, LimitReached: 8 } as const;
const AvailabilityStatus = {
  Success: 1,
  TooManyRecipients: 160,
  DistributionListTooBig: 161,
  DistributionListExpansion: 162,
  NotRetrieved: 163,
} as const;

/** MS-ASCMD 2.2.3.22 CertificateRetrieval: 1 none, 2 full certificates, 3 mini certificates. */
const CertificateRetrieval = { None: 1, Full: 2, Mini: 3 } as const;

// MS-ASCMD 2.2.3.61.1: no EndTime means seven days; a window under 30 minutes or longer than the
// server's limit is a protocol error. Exchange 2010 and later allow 42 days.
const DEFAULT_SPAN_MS = 7 * 24 * 3600_000;
const MIN_SPAN_MS = 30 * 60_000;
const MAX_SPAN_MS = 42 * 24 * 3600_000;
/** MS-ASCMD 2.2.3.183: more than 100 addresses with Availability get Status 160. */
const MAX_AVAILABILITY_RECIPIENTS = 100;
/** MS-ASCMD 2.2.3.183: more than 1000 To elements is undefined; we answer it as a protocol error. */
const MAX_TO = 1000;
/** Suggestions per ambiguous To when the client sets no MaxAmbiguousRecipients. */
const DEFAULT_MAX_AMBIGUOUS = 20;

interface ResolveRequest {
  readonly to: readonly string[];
  readonly certificates: number;
  readonly maxCertificates: number | undefined;
  readonly maxAmbiguous: number;
  readonly availability: TimeWindow | undefined;
  readonly picture: PictureRequest | undefined;
}

type Parsed =
  | { readonly ok: true; readonly request: ResolveRequest }
  | { readonly ok: false; readonly reason: string };

interface Resolved {
  readonly to: string;
  readonly status: number;
  readonly recipients: readonly RecipientOut[];
}

interface RecipientOut {
  readonly candidate: Candidate;
  readonly availability?: { readonly status: number; readonly mergedFreeBusy?: string };
  readonly certificates?: {
    readonly status: number;
    readonly count: number;
    readonly data: readonly Uint8Array[];
  };
  readonly picture?: { readonly status: number; readonly data?: Uint8Array };
}

type Result = { readonly status: number; readonly responses: readonly Resolved[] };

const resolveRecipients: Command<Parsed, Result> = {
  parse(input, ctx) {
    if (input?.tag !== 'ResolveRecipients:ResolveRecipients')
      throw new ProtocolError('ResolveRecipients expected');
    return parseRequest(input, ctx);
  },

  async handle(parsed, ctx) {
    if (!parsed.ok) {
      ctx.log.info({ reason: parsed.reason }, 'ResolveRecipients refused');
      return { status: Status.ProtocolError, responses: [] };
    }
    const req = parsed.request;
    const lookup = new RecipientLookup(ctx, Math.max(1, req.maxAmbiguous));
    const state = { certificatesLeft: req.maxCertificates, pictures: new PictureBudget(req.picture) };
    const responses: Resolved[] = [];
    try {
      for (const to of req.to) responses.push(await resolveOne(ctx, req, lookup, state, to));
    } catch (err) {
      if (!(err instanceof BackendError) || err.kind === 'auth') throw err;
      ctx.log.warn({ err: err.message, kind: err.kind }, 'ResolveRecipients: lookup failed');
      return { status: Status.ServerError, responses: [] };
    }
    return { status: Status.Success, responses };
  },

  render(result) {
    return el(
      'ResolveRecipients:ResolveRecipients',
      el('ResolveRecipients:Status', result.status),
      result.responses.map((r) =>
        el(
          'ResolveRecipients:Response',
          el('ResolveRecipients:To', r.to),
          el('ResolveRecipients:Status', r.status),
          el('ResolveRecipients:RecipientCount', r.recipients.length),
          r.recipients.map(renderRecipient),
        ),
      ),
    );
  },
};

function parseRequest(input: WbxmlElement, ctx: CommandContext): Parsed {
  const to = elements(input, 'ResolveRecipients:To')
    .map((e) => childTextOf(e).trim())
    .filter((t) => t !== '');
  if (to.length === 0 || to.length > MAX_TO) return { ok: false, reason: `${to.length} To elements` };
  // A To is echoed in the answer (MS-ASCMD 2.2.3.175.x): one with control characters is no address.
  if (!to.every((t) => isValidId('User', t)))
    return { ok: false, reason: 'a To longer than 256 characters or not printable' };
  const options = child(input, 'ResolveRecipients:Options');
  if (options === undefined)
    return {
      ok: true,
      request: {
        to,
        certificates: CertificateRetrieval.None,
        maxCertificates: undefined,
        maxAmbiguous: DEFAULT_MAX_AMBIGUOUS,
        availability: undefined,
        picture: undefined,
      },
    };
  let certificates: number;
  let maxCertificates: number | undefined;
  let maxAmbiguous: number | undefined;
  try {
    certificates =
      optionalInt(options, 'ResolveRecipients:CertificateRetrieval') ?? CertificateRetrieval.None;
    maxCertificates = optionalInt(options, 'ResolveRecipients:MaxCertificates');
    maxAmbiguous = optionalInt(options, 'ResolveRecipients:MaxAmbiguousRecipients');
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
  if (![1, 2, 3].includes(certificates)) return { ok: false, reason: `CertificateRetrieval ${certificates}` };
  // MS-ASCMD 2.2.3.100 and 2.2.3.101: both limits range over 0–9999.
  if ((maxCertificates ?? 0) > 9999 || (maxAmbiguous ?? 0) > 9999)
    return { ok: false, reason: 'MaxCertificates or MaxAmbiguousRecipients above 9999' };
  const availability = child(options, 'ResolveRecipients:Availability');
  const window = availability && parseWindow(availability);
  if (availability !== undefined && window === undefined)
    return { ok: false, reason: 'Availability without a valid StartTime/EndTime window' };
  const pictureElement = atLeast(ctx.request.version, '14.1')
    ? child(options, 'ResolveRecipients:Picture')
    : undefined;
  let picture: PictureRequest | undefined;
  try {
    picture = parsePicture(pictureElement, 'ResolveRecipients:MaxSize', 'ResolveRecipients:MaxPictures');
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
  return {
    ok: true,
    request: {
      to,
      certificates,
      maxCertificates,
      maxAmbiguous: maxAmbiguous ?? DEFAULT_MAX_AMBIGUOUS,
      availability: window,
      picture,
    },
  };
}

function childTextOf(e: WbxmlElement): string {
  return e.children.filter((c): c is string => typeof c === 'string').join('');
}

function parseWindow(availability: WbxmlElement): TimeWindow | undefined {
  const start = parseEasDate(childText(availability, 'ResolveRecipients:StartTime'));
  if (start === undefined) return undefined;
  const endText = childText(availability, 'ResolveRecipients:EndTime');
  const end = endText === undefined ? start + DEFAULT_SPAN_MS : parseEasDate(endText);
  if (end === undefined || end < start + MIN_SPAN_MS || end - start > MAX_SPAN_MS) return undefined;
  return { start, end };
}

async function resolveOne(
  ctx: CommandContext,
  req: ResolveRequest,
  lookup: RecipientLookup,
  state: { certificatesLeft: number | undefined; pictures: PictureBudget },
  to: string,
): Promise<Resolved> {
  const found = await lookup.find(to);
  if (found.total === 0) return { to, status: ResponseStatus.NotFound, recipients: [] };
  const unique = found.total === 1;
  // MS-ASCMD 2.2.3.100: MaxAmbiguousRecipients bounds the suggestions, not a unique match.
  const candidates = unique ? found.candidates : found.candidates.slice(0, req.maxAmbiguous);
  const status = unique
    ? ResponseStatus.Success
    : found.total > candidates.length
      ? ResponseStatus.AmbiguousPartial
      : ResponseStatus.Ambiguous;
  const recipients: RecipientOut[] = [];
  for (const candidate of candidates) {
    // MS-ASCMD 2.2.3.177.12: suggestions for an ambiguous To carry neither certificates nor free/busy.
    const availability = unique && req.availability ? await availabilityFor(ctx, req, candidate) : undefined;
    const certificates =
      unique && req.certificates !== CertificateRetrieval.None
        ? certificatesFor(candidate.entry, state)
        : undefined;
    const picture = req.picture ? pictureFor(candidate.entry, req.picture, state.pictures) : undefined;
    recipients.push({
      candidate,
      ...(availability ? { availability } : {}),
      ...(certificates ? { certificates } : {}),
      ...(picture ? { picture } : {}),
    });
  }
  return { to, status, recipients };
}

async function availabilityFor(
  ctx: CommandContext,
  req: ResolveRequest,
  candidate: Candidate,
): Promise<{ status: number; mergedFreeBusy?: string }> {
  if (req.to.length > MAX_AVAILABILITY_RECIPIENTS) return { status: AvailabilityStatus.TooManyRecipients };
  let found: Availability;
  try {
    found = await availabilityOf(ctx, candidate.address, req.availability!);
  } catch (err) {
    if (!(err instanceof BackendError) || err.kind === 'auth') throw err;
    ctx.log.warn({ err: err.message }, 'free/busy could not be read');
    return { status: AvailabilityStatus.NotRetrieved };
  }
  return found.kind === 'merged'
    ? { status: AvailabilityStatus.Success, mergedFreeBusy: found.mergedFreeBusy }
    : { status: AvailabilityStatus.NotRetrieved };
}

/**
 * MS-ASCMD 2.2.3.23.1. Mini certificates (CertificateRetrieval 3) are an Exchange-made digest we
 * cannot produce: those clients get the full certificates, which they can read as well.
 */
function certificatesFor(
  entry: DirectoryEntry,
  state: { certificatesLeft: number | undefined },
): { status: number; count: number; data: readonly Uint8Array[] } {
  const certs = entry.certificates;
  if (certs.length === 0) return { status: CertificatesStatus.NoValidCertificate, count: 0, data: [] };
  // MS-ASCMD 2.2.3.21: with Status 8, CertificateCount is the number not returned.
  if (state.certificatesLeft !== undefined && certs.length > state.certificatesLeft)
    return { status: CertificatesStatus.LimitReached, count: certs.length, data: [] };
  if (state.certificatesLeft !== undefined) state.certificatesLeft -= certs.length;
  return { status: CertificatesStatus.Success, count: certs.length, data: certs };
}

function pictureFor(
  entry: DirectoryEntry,
  req: PictureRequest,
  budget: PictureBudget,
): { status: number; data?: Uint8Array } {
  const { limitReached } = budget.take(entry);
  const photo = entry.picture;
  if (!photo || photo.data.length === 0) return { status: GalPictureStatus.NoPicture };
  if (req.maxSize !== undefined && photo.data.length > req.maxSize)
    return { status: GalPictureStatus.PictureTooLarge };
  if (limitReached) return { status: GalPictureStatus.PictureLimitReached };
  return { status: GalPictureStatus.Success, data: photo.data };
}

const base64 = (data: Uint8Array): string =>
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');

// MS-ASCMD 6.32: Type, DisplayName, EmailAddress, Availability, Certificates, Picture.
function renderRecipient(r: RecipientOut): WbxmlElement {
  const { entry, address, type } = r.candidate;
  return el(
    'ResolveRecipients:Recipient',
    el('ResolveRecipients:Type', type),
    el('ResolveRecipients:DisplayName', entry.displayName || address),
    el('ResolveRecipients:EmailAddress', address),
    r.availability &&
      el(
        'ResolveRecipients:Availability',
        el('ResolveRecipients:Status', r.availability.status),
        r.availability.mergedFreeBusy !== undefined &&
          el('ResolveRecipients:MergedFreeBusy', r.availability.mergedFreeBusy),
      ),
    r.certificates &&
      el(
        'ResolveRecipients:Certificates',
        el('ResolveRecipients:Status', r.certificates.status),
        el('ResolveRecipients:CertificateCount', r.certificates.count),
        el('ResolveRecipients:RecipientCount', 1),
        r.certificates.data.map((c) => el('ResolveRecipients:Certificate', base64(c))),
      ),
    r.picture &&
      el(
        'ResolveRecipients:Picture',
        el('ResolveRecipients:Status', r.picture.status),
        r.picture.data && el('ResolveRecipients:Data', base64(r.picture.data)),
      ),
  );
}

export const resolveRecipientsCommand = defineCommand({
  name: 'ResolveRecipients',
  command: resolveRecipients,
  body: 'wbxml',
  needsProvisioning: true,
  root: 'ResolveRecipients:ResolveRecipients',
  statusTag: 'ResolveRecipients:Status',
});
