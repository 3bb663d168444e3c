import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { planBodyFetches, renderEmail, type BodyPreference } from '../../../src/model/email/index.js';
import type { MailMessage } from '../../../src/model/mail-message.js';
import { child, childText, elements, type WbxmlElement } from '../../../src/wbxml/index.js';
import { bodiesOf, leaf, message, multi, options, textLeaf, xmlOf } from './fixtures.js';

const PLAIN = 'Hello Bob,\n\nthe numbers are in.\nRegards, Ann\n';
const HTML =
  '<html><head><title>t</title><style>p { color: red }</style><script>alert(1)</script></head>' +
  '<body><p>Hello <b>Bob</b>,</p><div>the numbers&nbsp;are&#x20;in &amp; fine.<br>Regards,<br/>Ann</div>' +
  '<ul><li>one</li><li>two</li></ul></body></html>';

function alternative(): MailMessage {
  return message(
    multi('multipart/alternative', [textLeaf('1', 'text/plain', PLAIN), textLeaf('2', 'text/html', HTML)]),
  );
}
const bothBodies = (): Map<string, Uint8Array> => bodiesOf({ '1': PLAIN, '2': HTML });

function bodyOf(fields: WbxmlElement[]): WbxmlElement {
  xmlOf(fields);
  const body = fields.find((f) => f.tag === 'AirSyncBase:Body');
  if (!body) throw new Error('no Body');
  return body;
}

function render(
  msg: MailMessage,
  bodies: Map<string, Uint8Array>,
  prefs: BodyPreference[],
  over = {},
): WbxmlElement {
  return bodyOf(renderEmail(msg, bodies, options({ bodyPreferences: prefs, ...over })));
}

const tags = (e: WbxmlElement): string[] => elements(e).map((c) => c.tag);

describe('body type selection (MS-ASAIRS 2.2.2.9)', () => {
  it('gives the whole plain text when the client sent no BodyPreference', () => {
    const body = render(alternative(), bothBodies(), []);
    expect(childText(body, 'AirSyncBase:Type')).toBe('1');
    expect(childText(body, 'AirSyncBase:Data')).toBe(PLAIN);
    expect(childText(body, 'AirSyncBase:Truncated')).toBe('0');
    expect(childText(body, 'AirSyncBase:EstimatedDataSize')).toBe(String(Buffer.byteLength(PLAIN)));
    expect(tags(body)).toEqual([
      'AirSyncBase:Type',
      'AirSyncBase:EstimatedDataSize',
      'AirSyncBase:Truncated',
      'AirSyncBase:Data',
    ]);
  });

  it("follows the client's order between plain text and HTML", () => {
    expect(
      childText(render(alternative(), bothBodies(), [{ type: 2 }, { type: 1 }]), 'AirSyncBase:Data'),
    ).toBe(HTML);
    expect(
      childText(render(alternative(), bothBodies(), [{ type: 1 }, { type: 2 }]), 'AirSyncBase:Data'),
    ).toBe(PLAIN);
  });

  it('never offers RTF: a client asking only for RTF gets plain text', () => {
    const body = render(alternative(), bothBodies(), [{ type: 3 }]);
    expect(childText(body, 'AirSyncBase:Type')).toBe('1');
  });

  it('converts HTML to text when there is no plain alternative', () => {
    const msg = message(textLeaf('1', 'text/html', HTML));
    const text = childText(render(msg, bodiesOf({ '1': HTML }), [{ type: 1 }]), 'AirSyncBase:Data');
    expect(text).toBe('Hello Bob,\n\nthe numbers are in & fine.\nRegards,\nAnn\n• one\n• two');
    expect(text).not.toMatch(/alert|color|<|&nbsp;/);
  });

  it('keeps link targets and image descriptions when converting HTML', () => {
    const html =
      '<p>See <a href="https://example.test/r?a=1&amp;b=2">the report</a> <img alt="[logo]" src="cid:x"></p>';
    const msg = message(textLeaf('1', 'text/html', html));
    expect(childText(render(msg, bodiesOf({ '1': html }), [{ type: 1 }]), 'AirSyncBase:Data')).toBe(
      'See the report <https://example.test/r?a=1&b=2> [logo]',
    );
  });

  it('wraps plain text in escaped HTML when the client wants HTML', () => {
    const text = 'a < b & "c"\nnext line';
    const msg = message(textLeaf('1', 'text/plain', text));
    const data = childText(render(msg, bodiesOf({ '1': text }), [{ type: 2 }]), 'AirSyncBase:Data') ?? '';
    expect(childText(render(msg, bodiesOf({ '1': text }), [{ type: 2 }]), 'AirSyncBase:Type')).toBe('2');
    expect(data).toContain('a &lt; b &amp; &quot;c&quot;\nnext line');
    expect(data).toMatch(/^<html>.*<pre[^>]*>/);
  });

  it('unwraps format=flowed text', () => {
    const text = 'This line is \r\nsoft-wrapped.\r\n> quoted\r\n';
    const msg = message(
      textLeaf('1', 'text/plain', text, { params: { charset: 'utf-8', format: 'flowed' } }),
    );
    expect(childText(render(msg, bodiesOf({ '1': text }), [{ type: 1 }]), 'AirSyncBase:Data')).toBe(
      'This line is soft-wrapped.\n> quoted',
    );
  });

  it('renders an empty body for a message without text', () => {
    const msg = message(leaf('1', 'image/jpeg', { encoding: 'base64', size: 800 }));
    const body = render(msg, new Map(), [{ type: 2, truncationSize: 100 }]);
    expect(childText(body, 'AirSyncBase:Data')).toBe('');
    expect(childText(body, 'AirSyncBase:Truncated')).toBe('0');
  });
});

describe('truncation (MS-ASAIRS 2.2.2.40, 2.2.2.3)', () => {
  const long = 'é'.repeat(100); // 200 UTF-8 bytes
  const msg = message(textLeaf('1', 'text/plain', long));

  it('cuts the UTF-8 bytes at a character boundary and says so', () => {
    const body = render(msg, bodiesOf({ '1': long }), [{ type: 1, truncationSize: 51 }]);
    expect(childText(body, 'AirSyncBase:Data')).toBe('é'.repeat(25));
    expect(childText(body, 'AirSyncBase:Truncated')).toBe('1');
    expect(childText(body, 'AirSyncBase:EstimatedDataSize')).toBe('200');
  });

  it('does not truncate a body that fits', () => {
    const body = render(msg, bodiesOf({ '1': long }), [{ type: 1, truncationSize: 200 }]);
    expect(childText(body, 'AirSyncBase:Data')).toBe(long);
    expect(childText(body, 'AirSyncBase:Truncated')).toBe('0');
  });

  it('sends no Data at all with AllOrNone when the body is larger', () => {
    const body = render(msg, bodiesOf({ '1': long }), [{ type: 1, truncationSize: 199, allOrNone: true }]);
    expect(child(body, 'AirSyncBase:Data')).toBeUndefined();
    expect(childText(body, 'AirSyncBase:Truncated')).toBe('1');
    expect(childText(body, 'AirSyncBase:EstimatedDataSize')).toBe('200');
  });

  it('sends everything with AllOrNone when the body fits', () => {
    const body = render(msg, bodiesOf({ '1': long }), [{ type: 1, truncationSize: 200, allOrNone: true }]);
    expect(childText(body, 'AirSyncBase:Data')).toBe(long);
  });

  it('truncates what a partial fetch delivered and estimates the full size from the part', () => {
    const text = 'word '.repeat(2000);
    const raw = Buffer.from(text).toString('base64').replace(/.{76}/g, '$&\r\n');
    const part = leaf('1', 'text/plain', {
      params: { charset: 'utf-8' },
      encoding: 'base64',
      size: raw.length,
    });
    const m = message(part);
    const opts = options({ bodyPreferences: [{ type: 1, truncationSize: 100 }] });
    const [fetch] = planBodyFetches(m, opts);
    expect(fetch?.section).toBe('1');
    expect(fetch?.maxBytes).toBeGreaterThan(134);
    expect(fetch?.maxBytes).toBeLessThan(600);
    const body = bodyOf(renderEmail(m, bodiesOf({ '1': raw.slice(0, fetch!.maxBytes) }), opts));
    expect(childText(body, 'AirSyncBase:Data')).toBe(text.slice(0, 100));
    expect(childText(body, 'AirSyncBase:Truncated')).toBe('1');
    expect(Number(childText(body, 'AirSyncBase:EstimatedDataSize'))).toBeGreaterThan(9000);
  });

  it('says Truncated without Data when the backend did not deliver the part', () => {
    const body = render(alternative(), new Map(), [{ type: 2 }]);
    expect(child(body, 'AirSyncBase:Data')).toBeUndefined();
    expect(childText(body, 'AirSyncBase:Truncated')).toBe('1');
  });
});

describe('Preview (MS-ASAIRS 2.2.2.35, 14.0+)', () => {
  it('gives the first characters of the plain text, whitespace collapsed', () => {
    const body = render(alternative(), bothBodies(), [{ type: 2, preview: 22 }]);
    expect(childText(body, 'AirSyncBase:Preview')).toBe('Hello Bob, the numbers');
    expect(tags(body).at(-1)).toBe('AirSyncBase:Preview');
  });

  it('takes the preview from HTML when there is no plain text', () => {
    const msg = message(textLeaf('1', 'text/html', HTML));
    const body = render(msg, bodiesOf({ '1': HTML }), [{ type: 2, truncationSize: 10, preview: 300 }]);
    expect(childText(body, 'AirSyncBase:Preview')).toBe(
      'Hello Bob, the numbers are in & fine. Regards, Ann • one • two',
    );
  });

  it('is not sent before 14.0, nor beside plain-text Data', () => {
    expect(
      child(
        render(alternative(), bothBodies(), [{ type: 2, preview: 20 }], { versionRank: 121 }),
        'AirSyncBase:Preview',
      ),
    ).toBeUndefined();
    expect(
      child(render(alternative(), bothBodies(), [{ type: 1, preview: 20 }]), 'AirSyncBase:Preview'),
    ).toBeUndefined();
  });
});

describe('MIME bodies (type 4)', () => {
  const source = 'From: a@example.test\r\nSubject: x\r\nContent-Type: text/plain\r\n\r\nbody text\r\n';
  const msg = (): MailMessage => ({
    ...message(textLeaf('1', 'text/plain', 'body text\r\n')),
    size: source.length,
  });

  it('sends the message source when MIMESupport is 2 and the client asks for type 4', () => {
    const body = render(msg(), bodiesOf({ SOURCE: source }), [{ type: 2 }, { type: 4 }], { mimeSupport: 2 });
    expect(childText(body, 'AirSyncBase:Type')).toBe('4');
    expect(childText(body, 'AirSyncBase:Data')).toBe(source);
    expect(childText(body, 'AirSyncBase:EstimatedDataSize')).toBe(String(source.length));
  });

  it('truncates MIME by bytes, or sends nothing with AllOrNone', () => {
    const cut = render(msg(), bodiesOf({ SOURCE: source.slice(0, 20) }), [{ type: 4, truncationSize: 20 }], {
      mimeSupport: 2,
    });
    expect(childText(cut, 'AirSyncBase:Data')).toBe(source.slice(0, 20));
    expect(childText(cut, 'AirSyncBase:Truncated')).toBe('1');
    const none = render(msg(), new Map(), [{ type: 4, truncationSize: 20, allOrNone: true }], {
      mimeSupport: 2,
    });
    expect(child(none, 'AirSyncBase:Data')).toBeUndefined();
  });

  it('ignores type 4 for ordinary mail when MIMESupport is 0 or 1', () => {
    for (const mimeSupport of [0, 1] as const) {
      const body = render(msg(), bodiesOf({ '1': 'body text\r\n' }), [{ type: 4 }], { mimeSupport });
      expect(childText(body, 'AirSyncBase:Type')).toBe('1');
    }
  });

  it('never cuts MIME inside a UTF-8 character, nor drops a complete one', () => {
    const src = 'Subject: x\r\n\r\nñé';
    const m = { ...msg(), size: Buffer.byteLength(src) };
    const data = (n: number) =>
      childText(
        render(m, bodiesOf({ SOURCE: src }), [{ type: 4, truncationSize: n }], { mimeSupport: 2 }),
        'AirSyncBase:Data',
      );
    expect(data(15)).toBe('Subject: x\r\n\r\n');
    expect(data(16)).toBe('Subject: x\r\n\r\nñ');
    expect(data(17)).toBe('Subject: x\r\n\r\nñ');
  });

  it('sends 8-bit non-UTF-8 source as opaque bytes, untouched', () => {
    const raw = Buffer.from('Subject: x\r\n\r\ncaf\xe9\r\n', 'latin1');
    const m = { ...msg(), size: raw.length };
    const body = render(m, new Map([['SOURCE', raw]]), [{ type: 4 }], { mimeSupport: 2 });
    const data = child(body, 'AirSyncBase:Data')?.children[0];
    expect(data).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(data as Uint8Array).equals(raw)).toBe(true);
  });
});

describe('planBodyFetches', () => {
  const big = (encoding: string, type = 'text/plain', section = '1') =>
    leaf(section, type, { params: { charset: 'utf-8' }, encoding, size: 100_000 });

  it('asks for the chosen part only, with a partial size that fills TruncationSize', () => {
    const opts = options({ bodyPreferences: [{ type: 1, truncationSize: 1000 }] });
    const [b64] = planBodyFetches(message(big('base64')), opts);
    expect(b64!.maxBytes).toBeGreaterThanOrEqual(Math.ceil((1001 * 4) / 3));
    expect(b64!.maxBytes).toBeLessThan(3000);
    const [qp] = planBodyFetches(message(big('quoted-printable')), opts);
    expect(qp!.maxBytes).toBeGreaterThanOrEqual(3003);
    const [plain] = planBodyFetches(message(big('8bit')), opts);
    expect(plain!.maxBytes).toBeGreaterThanOrEqual(1001);
    expect(plain!.maxBytes).toBeLessThan(2000);
  });

  it('allows for charsets whose bytes outnumber their UTF-8', () => {
    const jis = leaf('1', 'text/plain', {
      params: { charset: 'ISO-2022-JP' },
      encoding: '7bit',
      size: 100_000,
    });
    const [f] = planBodyFetches(
      message(jis),
      options({ bodyPreferences: [{ type: 1, truncationSize: 1000 }] }),
    );
    expect(f!.maxBytes).toBeGreaterThanOrEqual(2002);
  });

  it('asks for whole parts when nothing is truncated', () => {
    expect(planBodyFetches(message(big('base64')), options({ bodyPreferences: [] }))).toEqual([
      { section: '1' },
    ]);
  });

  it('asks for more HTML when it has to become text', () => {
    const [f] = planBodyFetches(
      message(big('7bit', 'text/html')),
      options({ bodyPreferences: [{ type: 1, truncationSize: 500 }] }),
    );
    expect(f!.section).toBe('1');
    expect(f!.maxBytes).toBeGreaterThanOrEqual(2000);
  });

  it('asks for the plain part too when a preview is wanted beside HTML', () => {
    const m = message(
      multi('multipart/alternative', [big('7bit', 'text/plain', '1'), big('7bit', 'text/html', '2')]),
    );
    const fetches = planBodyFetches(
      m,
      options({ bodyPreferences: [{ type: 2, truncationSize: 5000, preview: 100 }] }),
    );
    expect(fetches.map((f) => f.section).sort()).toEqual(['1', '2']);
    expect(fetches.find((f) => f.section === '1')!.maxBytes).toBeLessThan(1000);
  });

  it('asks for the source only for MIME, cut at TruncationSize', () => {
    const m = { ...message(big('7bit')), size: 50_000 };
    const mime = (o: BodyPreference) => planBodyFetches(m, options({ mimeSupport: 2, bodyPreferences: [o] }));
    expect(mime({ type: 4, truncationSize: 5000 })).toEqual([{ section: undefined, maxBytes: 5000 }]);
    expect(mime({ type: 4 })).toEqual([{ section: undefined }]);
    expect(mime({ type: 4, truncationSize: 5000, allOrNone: true })).toEqual([]);
  });

  it('never asks for attachments', () => {
    const m = message(
      multi('multipart/mixed', [
        textLeaf('1', 'text/plain', PLAIN),
        leaf('2', 'application/pdf', { encoding: 'base64', size: 9000, disposition: 'attachment' }),
        leaf('3', 'image/png', { encoding: 'base64', size: 9000, contentId: '<a@b>' }),
        leaf('4', 'message/rfc822', { size: 9000 }),
      ]),
    );
    expect(planBodyFetches(m, options({ bodyPreferences: [{ type: 2 }] }))).toEqual([{ section: '1' }]);
  });
});
