import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Log, Principal } from '../protocol/context.js';
import { isValidId } from '../protocol/ids.js';
import { xmlSafeText } from '../wbxml/index.js';
import { ACTIVESYNC_PATH, authenticateOrReply } from './activesync.js';
import type { Authenticator } from './auth.js';

// Autodiscover (MS-ASCMD 2.2.1.1 and Exchange's Autodiscover for ActiveSync): a phone posts the
// user's address and learns the ActiveSync URL. Outlook can add an EAS account only this way.

export const MOBILESYNC_REQUEST =
  'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006';
export const MOBILESYNC_RESPONSE =
  'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006';
export const OUTLOOK_RESPONSE =
  'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';
const GENERIC_RESPONSE = 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006';

export type ResponseSchema = 'mobilesync' | 'outlook';

export interface AutodiscoverRequest {
  email: string;
  schema: ResponseSchema;
}

/**
 * `unsupported`: a readable request this server does not serve (Exchange's ErrorCode 600 with
 * 200). `malformed`: the document itself is broken (a character reference to no character, an
 * address with control characters): 400, with the same error document.
 */
export class AutodiscoverError extends Error {
  override readonly name = 'AutodiscoverError';
  constructor(
    message: string,
    readonly kind: 'unsupported' | 'malformed' = 'unsupported',
  ) {
    super(message);
  }
}

/** Reads the request document; prefixes and whitespace do not matter, CDATA and entities do. */
export function parseAutodiscoverRequest(body: string): AutodiscoverRequest {
  if (!/<(?:\w+:)?Autodiscover[\s>]/.test(body)) throw new AutodiscoverError('not an Autodiscover request');
  const email = elementText(body, 'EMailAddress');
  if (!email) throw new AutodiscoverError('the request has no EMailAddress');
  if (!isValidId('User', email))
    throw new AutodiscoverError('the EMailAddress is not an address', 'malformed');
  const schema = elementText(body, 'AcceptableResponseSchema') ?? '';
  if (schema === MOBILESYNC_RESPONSE) return { email, schema: 'mobilesync' };
  if (schema.startsWith('http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/'))
    return { email, schema: 'outlook' };
  throw new AutodiscoverError(`unsupported response schema "${schema.slice(0, 200)}"`);
}

function elementText(xml: string, name: string): string | undefined {
  const m = new RegExp(`<(?:\\w+:)?${name}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:\\w+:)?${name}\\s*>`).exec(xml);
  if (!m) return undefined;
  const raw = m[1]!.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_, c: string) => c);
  return unescape(raw).trim();
}

const ENTITY: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const unescape = (s: string): string =>
  s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, e: string) =>
    e[0] === '#' ? characterReference(e) : (ENTITY[e] ?? whole),
  );

// XML 1.0 §4.1 (WFC: Legal Character): a reference must name a character XML allows, so
// `&#99999999;`, `&#xD800;` or `&#0;` make the document malformed (never a RangeError).
function characterReference(e: string): string {
  const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1));
  const legal =
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff);
  if (!legal) throw new AutodiscoverError('a character reference names no legal XML character', 'malformed');
  return String.fromCodePoint(cp);
}

// Also drops what XML forbids, so an error message quoting the request stays well-formed.
const esc = (s: string): string =>
  xmlSafeText(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface AutodiscoverAnswer {
  email: string;
  displayName: string;
  url: string;
}

export function renderMobileSyncResponse(a: AutodiscoverAnswer): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns="${GENERIC_RESPONSE}">
  <Response xmlns="${MOBILESYNC_RESPONSE}">
    <Culture>en:us</Culture>
    <User>
      <DisplayName>${esc(a.displayName)}</DisplayName>
      <EMailAddress>${esc(a.email)}</EMailAddress>
    </User>
    <Action>
      <Settings>
        <Server>
          <Type>MobileSync</Type>
          <Url>${esc(a.url)}</Url>
          <Name>${esc(a.url)}</Name>
        </Server>
      </Settings>
    </Action>
  </Response>
</Autodiscover>
`;
}

/**
 * The outlook schema has no ActiveSync-only protocol type; this answers with a MobileSync protocol
 * that carries the URL both as Server and as ASUrl (the element the schema defines for the EAS
 * URL), which is what Outlook's mobile apps read. Desktop Outlook cannot use EAS for such accounts.
 */
export function renderOutlookResponse(a: AutodiscoverAnswer): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="${GENERIC_RESPONSE}">
  <Response xmlns="${OUTLOOK_RESPONSE}">
    <User>
      <DisplayName>${esc(a.displayName)}</DisplayName>
      <AutoDiscoverSMTPAddress>${esc(a.email)}</AutoDiscoverSMTPAddress>
    </User>
    <Account>
      <AccountType>email</AccountType>
      <Action>settings</Action>
      <Protocol>
        <Type>MobileSync</Type>
        <Server>${esc(a.url)}</Server>
        <ASUrl>${esc(a.url)}</ASUrl>
      </Protocol>
    </Account>
  </Response>
</Autodiscover>
`;
}

/** Exchange's answer to a request it cannot serve: ErrorCode 600 "Invalid Request". */
export function renderErrorResponse(message: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="${GENERIC_RESPONSE}">
  <Response>
    <Error Time="${new Date().toISOString().slice(11, 19)}" Id="${randomUUID()}">
      <ErrorCode>600</ErrorCode>
      <Message>Invalid Request</Message>
      <DebugData>${esc(message)}</DebugData>
    </Error>
  </Response>
</Autodiscover>
`;
}

export interface AutodiscoverOptions {
  authenticator: Authenticator;
  /** The public base URL (scheme://host[:port]) for this request. */
  publicBase: (request: FastifyRequest) => string;
}

const XML_PATHS = ['/autodiscover/autodiscover.xml'];
const JSON_PATHS = ['/autodiscover/autodiscover.json', '/autodiscover/autodiscover.json/v1.0/:email'];
const BODY_LIMIT = 64 * 1024;

export async function autodiscoverRoutes(app: FastifyInstance, options: AutodiscoverOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) =>
    done(null, body),
  );

  const sendXml = (reply: FastifyReply, xml: string, status = 200): FastifyReply =>
    reply.code(status).type('text/xml; charset=utf-8').send(xml);

  for (const path of XML_PATHS) {
    app.post(path, async (request, reply) => {
      const principal = await authenticateOrReply(request, reply, options);
      if (principal === undefined) return reply;
      const log = request.log as Log;
      let req: AutodiscoverRequest;
      try {
        req = parseAutodiscoverRequest(typeof request.body === 'string' ? request.body : '');
      } catch (e) {
        if (!(e instanceof AutodiscoverError)) throw e;
        log.warn({ reason: e.message }, 'autodiscover request refused');
        return sendXml(reply, renderErrorResponse(e.message), e.kind === 'malformed' ? 400 : 200);
      }
      const answer = answerFor(principal, req.email, `${options.publicBase(request)}${ACTIVESYNC_PATH}`);
      log.info({ schema: req.schema, user: principal.id }, 'autodiscover');
      return sendXml(
        reply,
        req.schema === 'mobilesync' ? renderMobileSyncResponse(answer) : renderOutlookResponse(answer),
      );
    });
    // Clients probe with GET before they POST; Exchange answers it as an invalid request.
    app.get(path, async (request, reply) => {
      const principal = await authenticateOrReply(request, reply, options);
      if (principal === undefined) return reply;
      return sendXml(reply, renderErrorResponse('Autodiscover expects a POST with a request document'));
    });
  }

  // Autodiscover v2 (JSON): unauthenticated, as in Exchange Online; it only reveals URLs.
  for (const path of JSON_PATHS) {
    app.get(path, async (request, reply) => {
      const query = request.query as Record<string, string | undefined>;
      const protocol = query.Protocol ?? query.protocol ?? '';
      const base = options.publicBase(request);
      if (/^activesync$/i.test(protocol))
        return reply.send({ Protocol: 'ActiveSync', Url: `${base}${ACTIVESYNC_PATH}` });
      if (/^autodiscoverv1$/i.test(protocol))
        return reply.send({ Protocol: 'AutodiscoverV1', Url: `${base}/autodiscover/autodiscover.xml` });
      return reply.code(400).send({
        ErrorCode: 'InvalidProtocol',
        ErrorMessage: `The given protocol value '${protocol}' is invalid. Supported values are 'ActiveSync,AutodiscoverV1'.`,
      });
    });
  }
}

function answerFor(principal: Principal, requested: string, url: string): AutodiscoverAnswer {
  // A phone may type an alias; the answer names the address the account really has.
  const email = [principal.email, ...principal.aliases].includes(requested.toLowerCase())
    ? requested
    : principal.email;
  return { email, displayName: principal.displayName, url };
}
