// Loads the seed data into the running test servers (see test/env/README.md). Node built-ins only.
// Idempotent: mail folders are checked by their X-Seed-Id headers (complete → skipped, partial →
// seeded messages removed and appended again), DAV collections are created only when missing and
// items are PUT with If-None-Match: * (an existing item, possibly changed by a test, is kept).
// Everything is generated deterministically: the same bytes on every run.
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const envDir = path.dirname(fileURLToPath(import.meta.url));
const runDir = process.env.EAS_TEST_RUN_DIR || path.join(envDir, 'run');
const recorded = fs.existsSync(path.join(runDir, 'env.json'))
  ? JSON.parse(fs.readFileSync(path.join(runDir, 'env.json'), 'utf8'))
  : {};
const port = (name, key, dflt) => Number(process.env[name] || recorded[key] || dflt);
const IMAP_PORT = port('EAS_TEST_IMAP_PORT', 'imapPort', 1143);
const COURIER_PORT = port('EAS_TEST_COURIER_PORT', 'courierPort', 1144);
const CYRUS_PORT = port('EAS_TEST_CYRUS_PORT', 'cyrusPort', 1145);
const SIEVE_PORT = port('EAS_TEST_SIEVE_PORT', 'sievePort', 14190);
const DAV_PORT = port('EAS_TEST_DAV_PORT', 'davPort', 5232);
const HOST = '127.0.0.1';
const PASSWORD = 'password';
const DAV = `http://${HOST}:${DAV_PORT}`;
const CYRUS_DAV_PORT = port('EAS_TEST_CYRUS_DAV_PORT', 'cyrusDavPort', 5233);
const XANDIKOS_PORT = port('EAS_TEST_XANDIKOS_PORT', 'xandikosPort', 5234);

const CRLF = '\r\n';
const b64 = (s) => Buffer.from(s).toString('base64');
const wrap76 = (s) => s.replace(/.{1,76}/g, (m) => m + CRLF).replace(/\r\n$/, '');

// ------------------------------------------------------------------ deterministic bits
const PNG_1x1 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

function pdfBytes(title) {
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    null,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  const stream = `BT /F1 18 Tf 20 70 Td (${title}) Tj ET`;
  objs[3] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
  let out = '%PDF-1.4\n';
  const offsets = [];
  objs.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

// RFC 2047 encoded words: B for UTF-8 (split on characters), Q for ISO-8859-1.
function encodeWordsB(text) {
  const words = [];
  let cur = '';
  for (const ch of text) {
    if (Buffer.byteLength(cur + ch) > 45) {
      words.push(cur);
      cur = '';
    }
    cur += ch;
  }
  if (cur) words.push(cur);
  return words.map((w) => `=?UTF-8?B?${b64(w)}?=`).join(`${CRLF} `);
}
function encodeWordQLatin1(text) {
  const bytes = Buffer.from(text, 'latin1');
  let q = '';
  for (const b of bytes) {
    if (b === 0x20) q += '_';
    else if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a))
      q += String.fromCharCode(b);
    else q += '=' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return `=?ISO-8859-1?Q?${q}?=`;
}
function quotedPrintable(text) {
  const bytes = Buffer.from(text.replace(/\r?\n/g, '\n'), 'utf8');
  const lines = [];
  let line = '';
  const push = (tok) => {
    if (line.length + tok.length > 75) {
      lines.push(line + '=');
      line = '';
    }
    line += tok;
  };
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x0a) {
      if (line.endsWith(' ')) line = line.slice(0, -1) + '=20';
      lines.push(line);
      line = '';
    } else if ((b >= 33 && b <= 126 && b !== 61) || b === 32) push(String.fromCharCode(b));
    else push('=' + b.toString(16).toUpperCase().padStart(2, '0'));
  }
  lines.push(line);
  return lines.join(CRLF);
}

// ISO-2022-JP: build the JIS X 0208 table from Node's own decoder, then encode.
let jisTable;
function iso2022jp(text) {
  if (!jisTable) {
    jisTable = new Map();
    const pairs = [];
    for (let a = 0x21; a <= 0x7e; a++) for (let b = 0x21; b <= 0x7e; b++) pairs.push(a, b);
    const decoded = new TextDecoder('iso-2022-jp').decode(
      Buffer.from([0x1b, 0x24, 0x42, ...pairs, 0x1b, 0x28, 0x42]),
    );
    [...decoded].forEach((ch, i) => {
      if (ch !== '\ufffd' && !jisTable.has(ch)) jisTable.set(ch, [pairs[2 * i], pairs[2 * i + 1]]);
    });
  }
  const out = [];
  let jis = false;
  for (const ch of text) {
    const code = ch.codePointAt(0);
    if (code < 0x80) {
      if (jis) out.push(0x1b, 0x28, 0x42);
      jis = false;
      out.push(code);
    } else {
      const p = jisTable.get(ch);
      if (!p) throw new Error(`no JIS X 0208 code for ${ch}`);
      if (!jis) out.push(0x1b, 0x24, 0x42);
      jis = true;
      out.push(...p);
    }
  }
  if (jis) out.push(0x1b, 0x28, 0x42);
  return Buffer.from(out);
}

const PEOPLE = [
  ['Max Mustermann', 'max.mustermann@partner.test'],
  ['Erika Musterfrau', 'erika.musterfrau@partner.test'],
  ['Jean Dupont', 'jean.dupont@client.test'],
  ['Søren Kierkegård', 'soren@nordic.test'],
  ['Bob Builder', 'bob@example.test'],
  ['GitLab', 'noreply@gitlab.test'],
  ['Newsletter Weekly', 'news@newsletter.test'],
  ['山田 太郎', 'taro.yamada@jp.test'],
  ['François Lefèvre', 'francois@client.test'],
  ['Priya Sharma', 'priya@partner.test'],
];
const ALICE = ['Alice Example', 'alice@example.test'];
const BOB = ['Bob Example', 'bob@example.test'];
const DAVE = ['Dave Trace', 'dave@example.test'];

const addr = ([name, email]) =>
  /^[\x20-\x7e]*$/.test(name) ? `"${name}" <${email}>` : `${encodeWordsB(name)} <${email}>`;

const ANCHOR = Date.UTC(2025, 0, 6, 8, 0, 0); // first INBOX message; later ones every ~29 h
const rfc2822 = (ms) => {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const mons = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${d.getUTCDate()} ${mons[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
};
const imapDate = (ms) => {
  const d = new Date(ms);
  const mons = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}-${mons[d.getUTCMonth()]}-${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
};

// A message: { id, from, to, cc?, subject (already encoded), date, headers?, body (Buffer|string: MIME part
// with its own Content-* headers) , flags }
function render(m) {
  const h = [
    `Return-Path: <${m.from[1]}>`,
    `X-Seed-Id: ${m.id}`,
    `Message-ID: <${m.messageId || m.id + '@seed.example.test'}>`,
    `Date: ${rfc2822(m.date)}`,
    `From: ${addr(m.from)}`,
    `To: ${m.to.map(addr).join(', ')}`,
  ];
  if (m.cc) h.push(`Cc: ${m.cc.map(addr).join(', ')}`);
  h.push(`Subject: ${m.subject}`);
  if (m.headers) h.push(...m.headers);
  h.push('MIME-Version: 1.0');
  const head = Buffer.from(h.join(CRLF) + CRLF, 'utf8');
  const body = Buffer.isBuffer(m.body) ? m.body : Buffer.from(m.body, 'utf8');
  return Buffer.concat([head, body]);
}

const textPart = (text) =>
  `Content-Type: text/plain; charset=UTF-8${CRLF}Content-Transfer-Encoding: quoted-printable${CRLF}${CRLF}${quotedPrintable(text)}${CRLF}`;
const htmlPart = (html) =>
  `Content-Type: text/html; charset=UTF-8${CRLF}Content-Transfer-Encoding: quoted-printable${CRLF}${CRLF}${quotedPrintable(html)}${CRLF}`;
const multipart = (sub, boundary, parts) =>
  `Content-Type: multipart/${sub}; boundary="${boundary}"${CRLF}${CRLF}This is a multi-part message in MIME format.${CRLF}` +
  parts.map((p) => `--${boundary}${CRLF}${p}`).join(CRLF) +
  `${CRLF}--${boundary}--${CRLF}`;
const attachment = (type, name, bytes) =>
  `Content-Type: ${type}; name="${name}"${CRLF}Content-Disposition: attachment; filename="${name}"${CRLF}Content-Transfer-Encoding: base64${CRLF}${CRLF}${wrap76(bytes.toString('base64'))}${CRLF}`;

const LOREM = [
  'Thanks for the update, I will look into it tomorrow morning.',
  'Could you send me the latest figures before the meeting?',
  'The build is green again after the dependency update.',
  'Please find the minutes of our last call below.',
  'Let us sync on this next week, I am travelling until Thursday.',
  'Grüße aus München – das Angebot ist angehängt.',
];

function calendarInvite(uid) {
  return [
    'BEGIN:VCALENDAR',
    'PRODID:-//eas-gateway//seed//EN',
    'VERSION:2.0',
    'METHOD:REQUEST',
    'BEGIN:VTIMEZONE',
    ...berlinTz(),
    'END:VTIMEZONE',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20250210T090000Z',
    'DTSTART;TZID=Europe/Berlin:20250220T140000',
    'DTEND;TZID=Europe/Berlin:20250220T150000',
    'SUMMARY:Architecture review',
    'LOCATION:Room 4.01',
    'ORGANIZER;CN=Max Mustermann:mailto:max.mustermann@partner.test',
    'ATTENDEE;CN=Alice Example;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:alice@example.test',
    'ATTENDEE;CN=Bob Example;ROLE=OPT-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@example.test',
    'SEQUENCE:0',
    'STATUS:CONFIRMED',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join(CRLF);
}

function berlinTz() {
  return [
    'TZID:Europe/Berlin',
    'BEGIN:DAYLIGHT',
    'TZOFFSETFROM:+0100',
    'TZOFFSETTO:+0200',
    'TZNAME:CEST',
    'DTSTART:19700329T020000',
    'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
    'END:DAYLIGHT',
    'BEGIN:STANDARD',
    'TZOFFSETFROM:+0200',
    'TZOFFSETTO:+0100',
    'TZNAME:CET',
    'DTSTART:19701025T030000',
    'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
    'END:STANDARD',
  ];
}

// The INBOX message i (0-based) of alice. Kinds rotate so every kind appears many times.
function aliceInboxMessage(i) {
  const from = PEOPLE[i % PEOPLE.length];
  const date = ANCHOR + i * 29 * 3600 * 1000;
  const id = `alice-inbox-${String(i + 1).padStart(4, '0')}`;
  const flags = [];
  if (i < 280 && i % 4 !== 3) flags.push('\\Seen');
  if (i % 17 === 0) flags.push('\\Flagged');
  if (i % 11 === 0) flags.push('\\Answered');
  if (i % 13 === 0) flags.push('$Forwarded');
  if (i % 19 === 0) flags.push('$label1');
  const base = { id, from, to: [ALICE], date, flags };
  const n = i + 1;
  switch (i % 10) {
    case 1:
      return {
        ...base,
        subject: `Weekly report #${n}`,
        body: multipart('alternative', `alt-${id}`, [
          textPart(`Weekly report #${n}\n\n- done: ${n} items\n- open: ${n % 7} items\n`),
          htmlPart(
            `<html><body><h1>Weekly report #${n}</h1><ul><li>done: <b>${n}</b> items</li><li>open: ${n % 7} items</li></ul><p style="color:#555">${LOREM[i % LOREM.length]}</p></body></html>`,
          ),
        ]),
      };
    case 2:
      return {
        ...base,
        subject: `Invoice ${2025000 + n}`,
        body: multipart('mixed', `mix-${id}`, [
          textPart(`Dear Alice,\n\nplease find invoice ${2025000 + n} attached.\n\nRegards\n${from[0]}\n`),
          attachment('application/pdf', `invoice-${2025000 + n}.pdf`, pdfBytes(`Invoice ${2025000 + n}`)),
        ]),
      };
    case 3:
      return {
        ...base,
        subject: encodeWordsB(`Grüße aus München – Treffen Nr. ${n} ✔`),
        body: textPart(
          `Hallo Alice,\n\nschöne Grüße! Können wir uns am Dienstag treffen?\n\nViele Grüße\n${from[0]}\n`,
        ),
      };
    case 5:
      return {
        ...base,
        subject: `Screenshot ${n}`,
        body: multipart('mixed', `mix-${id}`, [
          multipart('alternative', `alt-${id}`, [
            textPart(`Here is the screenshot (${n}).\n`),
            htmlPart(`<p>Here is the <i>screenshot</i> (${n}).</p>`),
          ]),
          attachment('image/png', `screenshot-${n}.png`, Buffer.from(PNG_1x1, 'base64')),
        ]),
      };
    case 7:
      return {
        ...base,
        subject: encodeWordQLatin1(`Réunion d'équipe n° ${n}`),
        body:
          `Content-Type: text/plain; charset=ISO-8859-1${CRLF}Content-Transfer-Encoding: 8bit${CRLF}${CRLF}` +
          Buffer.from(
            'Bonjour Alice,\r\n\r\nla réunion a lieu à 10h, salle Études.\r\n\r\nÀ bientôt\r\n',
            'latin1',
          ).toString('latin1'),
        latin1: true,
      };
    default:
      return {
        ...base,
        subject: `${['Status update', 'Question', 'Build notification', 'Lunch?', 'Re: Budget'][i % 5]} ${n}`,
        body: textPart(`Hi Alice,\n\n${LOREM[i % LOREM.length]}\n\n-- \n${from[0]}\n`),
      };
  }
}

function renderAny(m) {
  if (m.latin1) {
    const msg = render({ ...m, body: '' });
    return Buffer.concat([msg, Buffer.from(m.body, 'latin1')]);
  }
  return render(m);
}

// Special INBOX messages appended after the 300 rotating ones.
function aliceSpecialMessages() {
  const t = ANCHOR + 300 * 29 * 3600 * 1000;
  const out = [];
  // A thread of four messages.
  const thread = [
    ['Project kickoff', PEOPLE[0], null],
    ['Re: Project kickoff', ALICE, 0],
    ['Re: Project kickoff', PEOPLE[1], 1],
    ['Re: Project kickoff', PEOPLE[0], 2],
  ];
  const mid = (k) => `thread-${k}@seed.example.test`;
  thread.forEach(([subject, from, parent], k) => {
    const refs = [];
    for (let j = 0; j < k; j++) refs.push(`<${mid(j)}>`);
    out.push({
      id: `alice-thread-${k + 1}`,
      messageId: mid(k),
      from,
      to: from === ALICE ? [PEOPLE[0]] : [ALICE],
      cc: k >= 2 ? [PEOPLE[1]] : undefined,
      subject,
      date: t + k * 3600 * 1000,
      headers: parent === null ? [] : [`In-Reply-To: <${mid(parent)}>`, `References: ${refs.join(' ')}`],
      body: textPart(`Message ${k + 1} of the kickoff thread.\n`),
      flags: k < 3 ? ['\\Seen'] : [],
    });
  });
  // ISO-2022-JP.
  const jpSubject = '会議のお知らせ';
  const jpBody = '山田です。\n来週の会議は月曜日の午前十時からです。\nよろしくお願いします。\n';
  out.push({
    id: 'alice-iso2022jp',
    from: PEOPLE[7],
    to: [ALICE],
    subject: `=?ISO-2022-JP?B?${iso2022jp(jpSubject).toString('base64')}?=`,
    date: t + 5 * 3600 * 1000,
    body: Buffer.concat([
      Buffer.from(
        `Content-Type: text/plain; charset=ISO-2022-JP${CRLF}Content-Transfer-Encoding: 7bit${CRLF}${CRLF}`,
      ),
      iso2022jp(jpBody.replace(/\n/g, '\r\n')),
    ]),
    flags: [],
  });
  // Meeting invitation (text/calendar, METHOD:REQUEST).
  const ics = calendarInvite('seed-invite-architecture-review@example.test');
  out.push({
    id: 'alice-invite',
    from: PEOPLE[0],
    to: [ALICE, BOB],
    subject: 'Invitation: Architecture review',
    date: t + 6 * 3600 * 1000,
    body: multipart('mixed', 'mix-invite', [
      multipart('alternative', 'alt-invite', [
        textPart('You are invited to: Architecture review\nWhen: 20 Feb 2025 14:00-15:00 (Europe/Berlin)\n'),
        `Content-Type: text/calendar; charset=UTF-8; method=REQUEST${CRLF}Content-Transfer-Encoding: base64${CRLF}${CRLF}${wrap76(b64(ics))}${CRLF}`,
      ]),
      `Content-Type: application/ics; name="invite.ics"${CRLF}Content-Disposition: attachment; filename="invite.ics"${CRLF}Content-Transfer-Encoding: base64${CRLF}${CRLF}${wrap76(b64(ics))}${CRLF}`,
    ]),
    flags: [],
  });
  return out;
}

const simple = (id, from, to, subject, date, text, flags = ['\\Seen']) => ({
  id,
  from,
  to,
  subject,
  date,
  body: textPart(text),
  flags,
});

function seedMail() {
  const d = (k) => ANCHOR + k * 86400 * 1000;
  const inbox = [];
  for (let i = 0; i < 300; i++) inbox.push(aliceInboxMessage(i));
  inbox.push(...aliceSpecialMessages());
  return {
    alice: {
      INBOX: inbox,
      Sent: [0, 1, 2, 3, 4].map((k) =>
        simple(
          `alice-sent-${k + 1}`,
          ALICE,
          [PEOPLE[k]],
          `Re: Question ${k + 1}`,
          d(10 + k),
          `Answer ${k + 1}.\n`,
        ),
      ),
      Drafts: [0, 1].map((k) =>
        simple(`alice-draft-${k + 1}`, ALICE, [PEOPLE[k + 2]], `Draft ${k + 1}`, d(40 + k), `Unfinished…\n`, [
          '\\Draft',
          '\\Seen',
        ]),
      ),
      Archive: Array.from({ length: 10 }, (_, k) =>
        simple(
          `alice-archive-${k + 1}`,
          PEOPLE[k % PEOPLE.length],
          [ALICE],
          `Old thread ${k + 1}`,
          d(-100 + k),
          `Archived ${k + 1}.\n`,
        ),
      ),
      Trash: [0, 1, 2].map((k) =>
        simple(
          `alice-trash-${k + 1}`,
          PEOPLE[6],
          [ALICE],
          `Deleted newsletter ${k + 1}`,
          d(20 + k),
          `Unsubscribe.\n`,
        ),
      ),
      Junk: [0, 1].map((k) =>
        simple(
          `alice-junk-${k + 1}`,
          ['Prize Office', 'win@spam.test'],
          [ALICE],
          `You won ${k + 1} million`,
          d(30 + k),
          `Click here.\n`,
          [],
        ),
      ),
      Projects: [0, 1, 2].map((k) =>
        simple(
          `alice-projects-${k + 1}`,
          PEOPLE[k],
          [ALICE],
          `Project note ${k + 1}`,
          d(50 + k),
          `Note ${k + 1}.\n`,
        ),
      ),
      'Projects/Alpha': [0, 1].map((k) =>
        simple(
          `alice-alpha-${k + 1}`,
          PEOPLE[k + 3],
          [ALICE],
          `Alpha status ${k + 1}`,
          d(60 + k),
          `Alpha ${k + 1}.\n`,
          [],
        ),
      ),
    },
    bob: {
      INBOX: Array.from({ length: 5 }, (_, k) =>
        simple(
          `bob-inbox-${k + 1}`,
          k % 2 ? ALICE : PEOPLE[k],
          [BOB],
          `Hello Bob ${k + 1}`,
          d(k),
          `Hi Bob (${k + 1}).\n`,
          k < 3 ? ['\\Seen'] : [],
        ),
      ),
    },
    // The trace suite's own user (test/traces): small, so recorded answers stay readable.
    dave: {
      INBOX: Array.from({ length: 12 }, (_, k) =>
        simple(
          `dave-inbox-${k + 1}`,
          PEOPLE[k % PEOPLE.length],
          [DAVE],
          `Trace message ${k + 1}`,
          d(100 + k),
          `Message ${k + 1} for the trace suite.\n`,
          k < 8 ? ['\\Seen'] : [],
        ),
      ),
    },
  };
}

// ------------------------------------------------------------------ minimal IMAP client
class Imap {
  static connect(port) {
    return new Promise((resolve, reject) => {
      const c = new Imap();
      c.sock = net.connect(port, HOST);
      c.buf = Buffer.alloc(0);
      c.tag = 0;
      c.waiting = new Map();
      c.untagged = [];
      c.greeting = null;
      c.continuations = [];
      c.literalPlus = true;
      c.sock.on('data', (d) => {
        c.buf = Buffer.concat([c.buf, d]);
        c.drain();
        if (c.greeting === null && c.untagged.length) {
          c.greeting = c.untagged.shift();
          // Courier-IMAP has no LITERAL+: its literals wait for the server's "+" (see cmd).
          c.literalPlus = /LITERAL\+/.test(c.greeting);
          resolve(c);
        }
      });
      c.sock.on('error', reject);
      c.sock.on('close', () => {
        for (const w of c.waiting.values()) w.reject(new Error('IMAP connection closed'));
      });
    });
  }
  drain() {
    for (;;) {
      // One response: a line, plus any literals it announces.
      let pos = 0;
      let text = '';
      for (;;) {
        const nl = this.buf.indexOf('\r\n', pos);
        if (nl < 0) return;
        const line = this.buf.subarray(pos, nl).toString('utf8');
        const lit = /\{(\d+)\}$/.exec(line);
        if (!lit) {
          text += line;
          pos = nl + 2;
          break;
        }
        const n = Number(lit[1]);
        if (this.buf.length < nl + 2 + n) return;
        text += line + this.buf.subarray(nl + 2, nl + 2 + n).toString('utf8');
        pos = nl + 2 + n;
      }
      this.buf = this.buf.subarray(pos);
      if (text.startsWith('+')) {
        this.continuations.shift()?.();
        continue;
      }
      const m = /^(A\d+) (OK|NO|BAD)\b(.*)$/.exec(text);
      if (m && this.waiting.has(m[1])) {
        const w = this.waiting.get(m[1]);
        this.waiting.delete(m[1]);
        const res = { status: m[2], text: m[3].trim(), untagged: this.untagged };
        this.untagged = [];
        if (m[2] === 'OK') w.resolve(res);
        else w.reject(new Error(`IMAP ${w.cmd.slice(0, 60)}: ${m[2]} ${m[3]}`));
      } else {
        this.untagged.push(text);
      }
    }
  }
  // parts: strings and Buffers (literals are sent as LITERAL+ {n+} when the server has it; else
  // synchronizing, each after the server's continuation: callers then await one command at a time).
  cmd(...parts) {
    if (!this.literalPlus && parts.some((p) => Buffer.isBuffer(p))) return this.cmdSyncLiterals(parts);
    const tag = `A${++this.tag}`;
    const chunks = [Buffer.from(tag + ' ')];
    for (const p of parts)
      chunks.push(
        Buffer.isBuffer(p) ? Buffer.concat([Buffer.from(`{${p.length}+}\r\n`), p]) : Buffer.from(p),
      );
    chunks.push(Buffer.from('\r\n'));
    const cmd = typeof parts[0] === 'string' ? parts[0] : '';
    const p = new Promise((resolve, reject) => this.waiting.set(tag, { resolve, reject, cmd }));
    this.sock.write(Buffer.concat(chunks));
    return p;
  }
  cmdSyncLiterals(parts) {
    const tag = `A${++this.tag}`;
    const cmd = typeof parts[0] === 'string' ? parts[0] : '';
    const done = new Promise((resolve, reject) => this.waiting.set(tag, { resolve, reject, cmd }));
    const send = async () => {
      let pending = tag + ' ';
      for (const p of parts) {
        if (!Buffer.isBuffer(p)) {
          pending += p;
          continue;
        }
        const go = new Promise((resolve) => this.continuations.push(resolve));
        this.sock.write(`${pending}{${p.length}}\r\n`);
        await Promise.race([go, done]);
        this.sock.write(p);
        pending = '';
      }
      this.sock.write(pending + '\r\n');
    };
    return send().then(() => done);
  }
  async close() {
    await this.cmd('LOGOUT').catch(() => {});
    this.sock.destroy();
  }
}
const quote = (s) => `"${s.replace(/(["\\])/g, '\\$1')}"`;

// The IMAP servers seeded, and how each names the seed's folders ('Projects/Alpha').
const DOVECOT = { port: IMAP_PORT, condstore: true, name: (f) => f };
// Courier: personal folders live under "INBOX.", separator ".". It creates no folder by itself,
// so the seed makes the special folders Dovecot and Cyrus create at a user's first login.
const COURIER = {
  port: COURIER_PORT,
  condstore: false,
  autocreate: ['Drafts', 'Sent', 'Trash', 'Junk', 'Archive'],
  name: (f) => (f === 'INBOX' ? f : `INBOX.${f.replaceAll('/', '.')}`),
};

// Cyrus: altnamespace and "/" as separator (test/env/start), so the names are Dovecot's.
const CYRUS = { port: CYRUS_PORT, condstore: true, name: (f) => f };

async function seedMailbox(server, user, seeded) {
  const folders = { ...Object.fromEntries((server.autocreate ?? []).map((f) => [f, []])), ...seeded };
  const c = await Imap.connect(server.port);
  await c.cmd(`LOGIN ${user} ${PASSWORD}`);
  if (server.condstore) await c.cmd('ENABLE CONDSTORE');
  const list = await c.cmd('LIST "" "*"');
  const existing = new Set(list.untagged.map((l) => /"[./]" "?([^"]*)"?$/.exec(l)?.[1]).filter(Boolean));
  const selectArgs = server.condstore ? ' (CONDSTORE)' : '';
  let appended = 0;
  for (const [seedFolder, msgs] of Object.entries(folders)) {
    const folder = server.name(seedFolder);
    if (!existing.has(folder)) {
      await c.cmd(`CREATE ${quote(folder)}`);
      await c.cmd(`SUBSCRIBE ${quote(folder)}`);
    }
    await c.cmd(`SELECT ${quote(folder)}${selectArgs}`);
    const found = await c.cmd('UID SEARCH HEADER X-Seed-Id ""');
    const uids = (found.untagged.find((l) => l.startsWith('* SEARCH')) || '')
      .split(' ')
      .slice(2)
      .filter(Boolean);
    if (uids.length === msgs.length) continue;
    if (uids.length) {
      // Interrupted earlier: remove the partial seed and start over.
      await c.cmd(`UID STORE ${uids.join(',')} +FLAGS.SILENT (\\Deleted)`);
      await c.cmd(`UID EXPUNGE ${uids.join(',')}`);
    }
    if (server.condstore) await c.cmd('UNSELECT'); // Courier has no UNSELECT (and needs none to APPEND)
    const append = (m) =>
      c.cmd(`APPEND ${quote(folder)} (${m.flags.join(' ')}) "${imapDate(m.date)}" `, renderAny(m));
    if (c.literalPlus) await Promise.all(msgs.map(append));
    else for (const m of msgs) await append(m);
    appended += msgs.length;
    if (server.condstore) {
      // Open once with CONDSTORE so every message has a MODSEQ from the start.
      await c.cmd(`SELECT ${quote(folder)} (CONDSTORE)`);
      await c.cmd('UNSELECT');
    }
  }
  await c.close();
  return appended;
}

// ------------------------------------------------------------------ ManageSieve
async function seedSieve(user, scripts, active) {
  const sock = net.connect(SIEVE_PORT, HOST);
  let buf = '';
  let waiter = null;
  sock.on('data', (d) => {
    buf += d.toString('utf8');
    waiter?.();
  });
  const response = () =>
    new Promise((resolve, reject) => {
      const check = () => {
        const m = /(^|\r\n)(OK|NO|BYE)\b[^\r\n]*\r\n/.exec(buf);
        if (!m) return;
        const end = m.index + m[0].length;
        const out = buf.slice(0, end);
        buf = buf.slice(end);
        waiter = null;
        if (m[2] === 'OK') resolve(out);
        else reject(new Error(`ManageSieve: ${out.trim()}`));
      };
      waiter = check;
      sock.once('error', reject);
      check();
    });
  const send = (s) => {
    sock.write(s);
    return response();
  };
  await response();
  await send(`AUTHENTICATE "PLAIN" "${b64(`\0${user}\0${PASSWORD}`)}"\r\n`);
  const listing = await send('LISTSCRIPTS\r\n');
  let changed = 0;
  for (const [name, body] of Object.entries(scripts)) {
    if (listing.includes(`"${name}"`)) continue;
    const bytes = Buffer.byteLength(body);
    await send(`PUTSCRIPT "${name}" {${bytes}+}\r\n${body}\r\n`);
    changed++;
  }
  if (!/ACTIVE/.test(listing)) await send(`SETACTIVE "${active}"\r\n`);
  await send('LOGOUT\r\n').catch(() => {});
  sock.destroy();
  return changed;
}

// ------------------------------------------------------------------ DAV (Radicale; URLs are Radicale's unless absolute)
const auth = (user) => 'Basic ' + b64(`${user}:${PASSWORD}`);
async function dav(user, method, url, body, headers = {}) {
  const res = await fetch(/^https?:/.test(url) ? url : DAV + url, {
    method,
    headers: { Authorization: auth(user), ...headers },
    body,
  });
  const text = await res.text();
  return { status: res.status, text, etag: res.headers.get('etag') };
}

async function ensureCollection(user, url, kind, displayName, extra = '') {
  const probe = await dav(user, 'PROPFIND', url, undefined, { Depth: '0' });
  // Xandikos answers a missing collection with 207 and a 404 response inside.
  const gone = /<(\w+:)?href>[^<]*<\/(\w+:)?href>\s*<(\w+:)?status>HTTP\/1\.1 404/.test(probe.text);
  if (probe.status === 207 && !gone) return false;
  const type = kind === 'addressbook' ? '<C:addressbook/>' : '<C:calendar/>';
  const ns = kind === 'addressbook' ? 'urn:ietf:params:xml:ns:carddav' : 'urn:ietf:params:xml:ns:caldav';
  const body = `<?xml version="1.0" encoding="utf-8"?>
<D:mkcol xmlns:D="DAV:" xmlns:C="${ns}" xmlns:I="http://apple.com/ns/ical/">
  <D:set><D:prop>
    <D:resourcetype><D:collection/>${type}</D:resourcetype>
    <D:displayname>${displayName}</D:displayname>
    ${extra}
  </D:prop></D:set>
</D:mkcol>`;
  const r = await dav(user, 'MKCOL', url, body, { 'Content-Type': 'application/xml; charset=utf-8' });
  if (r.status !== 201) throw new Error(`MKCOL ${url}: ${r.status} ${r.text.slice(0, 300)}`);
  return true;
}

async function putItem(user, url, body, contentType) {
  const r = await dav(user, 'PUT', url, body, { 'Content-Type': contentType, 'If-None-Match': '*' });
  if (r.status === 201 || r.status === 204) return 1;
  if (r.status === 412) return 0; // already there
  throw new Error(`PUT ${url}: ${r.status} ${r.text.slice(0, 300)}`);
}

// The other DAV servers of test/env: where each keeps a user's calendars and address books, and
// whose collections are seeded there (alice's; dave's too on Cyrus; Xandikos has one principal).
const OTHER_DAV = [
  {
    base: `http://${HOST}:${CYRUS_DAV_PORT}`,
    users: ['alice', 'dave'],
    calendars: (u) => `/dav/calendars/user/${u}/`,
    books: (u) => `/dav/addressbooks/user/${u}/`,
  },
  {
    base: `http://${HOST}:${XANDIKOS_PORT}`,
    users: ['alice'],
    calendars: (u) => `/${u}/calendars/`,
    books: (u) => `/${u}/contacts/`,
  },
];

/** Same collections and items as on Radicale (no GAL: the "directory" user exists only there). */
async function seedOtherDav(server, comp, color) {
  let created = 0;
  for (const user of server.users) {
    const cal = (c) => `${server.base}${server.calendars(user)}${c}/`;
    const calendars = [
      ['calendar', 'Calendar', comp('VEVENT') + (user === 'alice' ? color('#1E88E5FF') : '')],
      ...(user === 'alice' ? [['work', 'Work', comp('VEVENT') + color('#E53935FF')]] : []),
      ['tasks', 'Tasks', comp('VTODO')],
    ];
    await dav(user, 'PROPFIND', server.base + server.calendars(user), undefined, { Depth: '0' });
    for (const [coll, name, extra] of calendars) {
      await ensureCollection(user, cal(coll), 'calendar', name, extra);
      for (const [item, body] of Object.entries(CAL_ITEMS[coll])) {
        created += await putItem(user, cal(coll) + item, body, 'text/calendar; charset=utf-8');
      }
    }
    const book = `${server.base}${server.books(user)}contacts/`;
    await ensureCollection(user, book, 'addressbook', 'Contacts');
    for (const [item, body] of Object.entries(CONTACTS)) {
      created += await putItem(user, book + item, body, 'text/vcard; charset=utf-8');
    }
  }
  return created;
}

const vcal = (...components) =>
  [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//eas-gateway//seed//EN',
    ...components.flat(),
    'END:VCALENDAR',
    '',
  ].join(CRLF);
const tz = () => ['BEGIN:VTIMEZONE', ...berlinTz(), 'END:VTIMEZONE'];

const CAL_ITEMS = {
  calendar: {
    'weekly-standup.ics': vcal(
      tz(),
      [
        'BEGIN:VEVENT',
        'UID:seed-weekly-standup@example.test',
        'DTSTAMP:20250101T000000Z',
        'CREATED:20250101T000000Z',
        'LAST-MODIFIED:20250101T000000Z',
        'SUMMARY:Weekly standup',
        'DESCRIPTION:Team standup\\, every Monday (crosses the DST changes).',
        'LOCATION:Berlin office / video call',
        'DTSTART;TZID=Europe/Berlin:20250106T093000',
        'DTEND;TZID=Europe/Berlin:20250106T100000',
        'RRULE:FREQ=WEEKLY;BYDAY=MO',
        'EXDATE;TZID=Europe/Berlin:20250120T093000',
        'ORGANIZER;CN=Alice Example:mailto:alice@example.test',
        'ATTENDEE;CN=Bob Example;PARTSTAT=ACCEPTED:mailto:bob@example.test',
        'BEGIN:VALARM',
        'ACTION:DISPLAY',
        'DESCRIPTION:Weekly standup',
        'TRIGGER:-PT10M',
        'END:VALARM',
        'END:VEVENT',
      ],
      [
        'BEGIN:VEVENT',
        'UID:seed-weekly-standup@example.test',
        'DTSTAMP:20250101T000000Z',
        'RECURRENCE-ID;TZID=Europe/Berlin:20250127T093000',
        'SUMMARY:Weekly standup (moved to Tuesday)',
        'LOCATION:Room 2.12',
        'DTSTART;TZID=Europe/Berlin:20250128T140000',
        'DTEND;TZID=Europe/Berlin:20250128T143000',
        'ORGANIZER;CN=Alice Example:mailto:alice@example.test',
        'ATTENDEE;CN=Bob Example;PARTSTAT=ACCEPTED:mailto:bob@example.test',
        'SEQUENCE:1',
        'END:VEVENT',
      ],
    ),
    'company-holiday.ics': vcal([
      'BEGIN:VEVENT',
      'UID:seed-company-holiday@example.test',
      'DTSTAMP:20250101T000000Z',
      'SUMMARY:Company holiday',
      'DTSTART;VALUE=DATE:20250314',
      'DTEND;VALUE=DATE:20250315',
      'TRANSP:TRANSPARENT',
      'END:VEVENT',
    ]),
    'quarterly-review.ics': vcal(tz(), [
      'BEGIN:VEVENT',
      'UID:seed-quarterly-review@example.test',
      'DTSTAMP:20250101T000000Z',
      'SUMMARY:Quarterly review',
      'DESCRIPTION:Q1 numbers\\, roadmap and hiring.',
      'LOCATION:Room 4.01',
      'DTSTART;TZID=Europe/Berlin:20250402T110000',
      'DTEND;TZID=Europe/Berlin:20250402T123000',
      'ORGANIZER;CN=Alice Example:mailto:alice@example.test',
      'ATTENDEE;CN=Bob Example;ROLE=REQ-PARTICIPANT;PARTSTAT=TENTATIVE:mailto:bob@example.test',
      'ATTENDEE;CN=Max Mustermann;ROLE=OPT-PARTICIPANT;PARTSTAT=NEEDS-ACTION:mailto:max.mustermann@partner.test',
      'CLASS:PRIVATE',
      'BEGIN:VALARM',
      'ACTION:DISPLAY',
      'DESCRIPTION:Quarterly review',
      'TRIGGER:-PT15M',
      'END:VALARM',
      'END:VEVENT',
    ]),
  },
  work: {
    'sprint-planning.ics': vcal(tz(), [
      'BEGIN:VEVENT',
      'UID:seed-sprint-planning@example.test',
      'DTSTAMP:20250101T000000Z',
      'SUMMARY:Sprint planning',
      'DTSTART;TZID=Europe/Berlin:20250107T100000',
      'DTEND;TZID=Europe/Berlin:20250107T113000',
      'RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=10',
      'END:VEVENT',
    ]),
    'offsite.ics': vcal([
      'BEGIN:VEVENT',
      'UID:seed-offsite@example.test',
      'DTSTAMP:20250101T000000Z',
      'SUMMARY:Team offsite',
      'LOCATION:Lisbon',
      'DTSTART;VALUE=DATE:20250512',
      'DTEND;VALUE=DATE:20250515',
      'END:VEVENT',
    ]),
  },
  tasks: {
    'expense-report.ics': vcal([
      'BEGIN:VTODO',
      'UID:seed-task-expense-report@example.test',
      'DTSTAMP:20250101T000000Z',
      'SUMMARY:Submit expense report',
      'DESCRIPTION:Receipts from the offsite.',
      'DUE;VALUE=DATE:20250531',
      'PRIORITY:1',
      'STATUS:NEEDS-ACTION',
      'END:VTODO',
    ]),
    'book-flights.ics': vcal([
      'BEGIN:VTODO',
      'UID:seed-task-book-flights@example.test',
      'DTSTAMP:20250101T000000Z',
      'SUMMARY:Book flights to Lisbon',
      'DUE:20250420T170000Z',
      'STATUS:COMPLETED',
      'COMPLETED:20250415T093000Z',
      'PERCENT-COMPLETE:100',
      'END:VTODO',
    ]),
    'read-rfc.ics': vcal([
      'BEGIN:VTODO',
      'UID:seed-task-read-rfc@example.test',
      'DTSTAMP:20250101T000000Z',
      'SUMMARY:Read RFC 5545 again',
      'STATUS:IN-PROCESS',
      'PERCENT-COMPLETE:30',
      'END:VTODO',
    ]),
  },
};

const vcard = (lines) => ['BEGIN:VCARD', ...lines, 'END:VCARD', ''].join(CRLF);
// vCard 3.0 folding of the long PHOTO line.
const fold = (line) => line.replace(/(.{75})(?=.)/g, `$1${CRLF} `);
const CONTACTS = {
  'max-mustermann.vcf': vcard([
    'VERSION:3.0',
    'UID:seed-contact-max-mustermann',
    'N:Mustermann;Max;;Dr.;',
    'FN:Dr. Max Mustermann',
    'NICKNAME:Maxi',
    'ORG:Partner GmbH;Research',
    'TITLE:Head of Research',
    'EMAIL;TYPE=INTERNET,WORK,PREF:max.mustermann@partner.test',
    'EMAIL;TYPE=INTERNET,HOME:max@home.test',
    'TEL;TYPE=WORK,VOICE:+49 30 1234567',
    'TEL;TYPE=CELL:+49 151 11111111',
    'TEL;TYPE=CELL:+49 171 22222222',
    'TEL;TYPE=HOME,VOICE:+49 30 7654321',
    'TEL;TYPE=WORK,FAX:+49 30 1234568',
    'ADR;TYPE=WORK:;;Friedrichstraße 100;Berlin;;10117;Germany',
    'ADR;TYPE=HOME:;;Gartenweg 5;Potsdam;Brandenburg;14467;Germany',
    'BDAY:1980-04-12',
    'URL:https://partner.test/~max',
    'NOTE:Met at the 2024 conference.',
    fold(`PHOTO;ENCODING=b;TYPE=PNG:${PNG_1x1}`),
    'CATEGORIES:Partners,VIP',
    'REV:20250101T000000Z',
  ]),
  'erika-musterfrau.vcf': vcard([
    'VERSION:4.0',
    'UID:urn:uuid:5b0c7f3e-0000-4000-8000-00000000e41a',
    'KIND:individual',
    'N:Musterfrau;Erika;;;',
    'FN:Erika Musterfrau',
    'ORG:Partner GmbH',
    'TITLE:Sales Director',
    'EMAIL;TYPE=work;PREF=1:erika.musterfrau@partner.test',
    'EMAIL;TYPE=home:erika@home.test',
    'TEL;VALUE=uri;TYPE="cell":tel:+49-160-3333333',
    'TEL;VALUE=uri;TYPE="cell,work":tel:+49-160-4444444',
    'TEL;VALUE=uri;TYPE="work,voice";PREF=1:tel:+49-40-555555',
    'TEL;VALUE=uri;TYPE=home:tel:+49-40-666666',
    'ADR;TYPE=work:;;Jungfernstieg 1;Hamburg;;20095;Germany',
    'BDAY:19850917',
    'ANNIVERSARY:20100612',
    'NOTE:vCard 4.0 contact with two mobile numbers.',
    'REV:20250101T000000Z',
  ]),
  'jean-dupont.vcf': vcard([
    'VERSION:3.0',
    'UID:seed-contact-jean-dupont',
    'N:Dupont;Jean;;;',
    'FN:Jean Dupont',
    'ORG:Client SA',
    'TITLE:Directeur technique',
    'EMAIL;TYPE=INTERNET,WORK:jean.dupont@client.test',
    'TEL;TYPE=WORK:+33 1 23 45 67 89',
    'TEL;TYPE=CELL:+33 6 12 34 56 78',
    'ADR;TYPE=WORK:;;12 rue de la Paix;Paris;;75002;France',
    'BDAY:1975-11-03',
  ]),
  'francois-lefevre.vcf': vcard([
    'VERSION:4.0',
    'UID:urn:uuid:5b0c7f3e-0000-4000-8000-0000000f4a01',
    'N:Lefèvre;François;;;',
    'FN:François Lefèvre',
    'EMAIL:francois@client.test',
    'TEL;TYPE=cell:+33 7 00 00 00 01',
  ]),
  'taro-yamada.vcf': vcard([
    'VERSION:3.0',
    'UID:seed-contact-taro-yamada',
    'N:山田;太郎;;;',
    'FN:山田 太郎',
    'X-PHONETIC-LAST-NAME:やまだ',
    'X-PHONETIC-FIRST-NAME:たろう',
    'ORG:日本商事株式会社',
    'EMAIL;TYPE=INTERNET:taro.yamada@jp.test',
    'TEL;TYPE=WORK:+81 3-1234-5678',
  ]),
  'bob.vcf': vcard([
    'VERSION:3.0',
    'UID:seed-contact-bob',
    'N:Example;Bob;;;',
    'FN:Bob Example',
    'EMAIL;TYPE=INTERNET:bob@example.test',
  ]),
  'partner-gmbh.vcf': vcard([
    'VERSION:4.0',
    'UID:urn:uuid:5b0c7f3e-0000-4000-8000-000000000a11',
    'KIND:org',
    'FN:Partner GmbH',
    'ORG:Partner GmbH',
    'TEL;VALUE=uri;TYPE=work:tel:+49-30-1234500',
    'URL:https://partner.test/',
  ]),
};

const GAL = [
  ['Alice', 'Example', 'alice@example.test', 'Engineering', 'Software Engineer', '+49 30 9000 101'],
  ['Bob', 'Example', 'bob@example.test', 'Engineering', 'Engineering Manager', '+49 30 9000 102'],
  ['Carol', 'Jensen', 'carol.jensen@example.test', 'Sales', 'Account Executive', '+49 30 9000 103'],
  ['David', 'Müller', 'david.mueller@example.test', 'Finance', 'Controller', '+49 30 9000 104'],
  ['Eve', 'Okafor', 'eve.okafor@example.test', 'Security', 'Security Officer', '+49 30 9000 105'],
  ['Frank', 'Nguyen', 'frank.nguyen@example.test', 'Engineering', 'SRE', '+49 30 9000 106'],
  ['Grace', 'Hopper', 'grace.hopper@example.test', 'Research', 'Fellow', '+49 30 9000 107'],
  ['Hélène', 'Dubois', 'helene.dubois@example.test', 'Sales', 'Sales Director', '+49 30 9000 108'],
  ['Ivan', 'Petrov', 'ivan.petrov@example.test', 'Support', 'Support Engineer', '+49 30 9000 109'],
  ['Julia', 'Schmidt', 'julia.schmidt@example.test', 'HR', 'HR Partner', '+49 30 9000 110'],
  ['Kenji', 'Sato', 'kenji.sato@example.test', 'Engineering', 'Software Engineer', '+49 30 9000 111'],
  ['Laura', 'Schmidt', 'laura.schmidt@example.test', 'Marketing', 'Designer', '+49 30 9000 112'],
];
const galCard = ([first, last, email, dept, title, phone], k) =>
  vcard([
    'VERSION:3.0',
    `UID:seed-gal-${email.split('@')[0]}`,
    `N:${last};${first};;;`,
    `FN:${first} ${last}`,
    `ORG:Example Corp;${dept}`,
    `TITLE:${title}`,
    `EMAIL;TYPE=INTERNET,WORK:${email}`,
    `TEL;TYPE=WORK,VOICE:${phone}`,
    `TEL;TYPE=CELL:+49 170 000 0${String(100 + k)}`,
    `ADR;TYPE=WORK:;Office ${k + 1};Example Street 1;Berlin;;10115;Germany`,
  ]);

// The counts the tests can rely on (also written to run/seed.json).
export function seedSummary() {
  const mail = seedMail();
  const count = (u) => Object.fromEntries(Object.entries(mail[u]).map(([f, m]) => [f, m.length]));
  return {
    mail: { alice: count('alice'), bob: count('bob'), dave: count('dave') },
    sieve: { alice: ['filters', 'vacation'] },
    dav: {
      alice: {
        calendar: Object.keys(CAL_ITEMS.calendar).length,
        work: Object.keys(CAL_ITEMS.work).length,
        tasks: Object.keys(CAL_ITEMS.tasks).length,
        contacts: Object.keys(CONTACTS).length,
      },
      directory: { gal: GAL.length },
    },
  };
}

async function main() {
  const t0 = Date.now();
  const mail = seedMail();
  const [a, b, c] = (
    await Promise.all(
      [DOVECOT, COURIER, CYRUS].map(async (server) => {
        const [a, b, c] = await Promise.all([
          seedMailbox(server, 'alice', mail.alice),
          seedMailbox(server, 'bob', mail.bob),
          seedMailbox(server, 'dave', mail.dave),
          // carol's mail belongs to the meeting tests; a login still matters: Cyrus creates a
          // user's mailbox (and with it the DAV home: PROPFIND answers 500 before) at the first one.
          seedMailbox(server, 'carol', {}),
        ]);
        return [a, b, c];
      }),
    )
  ).reduce((x, y) => x.map((n, i) => n + y[i]));

  const sieve = await seedSieve(
    'alice',
    {
      filters: `require ["fileinto"];\r\n# Seeded by test/env/seed: only test mail with this header is filed.\r\nif header :is "X-EAS-Test-Filter" "archive" {\r\n  fileinto "Archive";\r\n}\r\n`,
      vacation: `require ["vacation"];\r\nvacation :days 1 :subject "Out of office" "I am away until Monday.";\r\n`,
    },
    'filters',
  );

  let davNew = 0;
  const C = 'urn:ietf:params:xml:ns:caldav';
  const comp = (c) =>
    `<C:supported-calendar-component-set xmlns:C="${C}"><C:comp name="${c}"/></C:supported-calendar-component-set>`;
  const color = (c) => `<I:calendar-color>${c}</I:calendar-color>`;
  await dav('alice', 'PROPFIND', '/alice/', undefined, { Depth: '0' }); // creates the principal
  await dav('directory', 'PROPFIND', '/directory/', undefined, { Depth: '0' });
  await ensureCollection(
    'alice',
    '/alice/calendar/',
    'calendar',
    'Calendar',
    comp('VEVENT') + color('#1E88E5FF'),
  );
  await ensureCollection('alice', '/alice/work/', 'calendar', 'Work', comp('VEVENT') + color('#E53935FF'));
  await ensureCollection('alice', '/alice/tasks/', 'calendar', 'Tasks', comp('VTODO'));
  await ensureCollection('alice', '/alice/contacts/', 'addressbook', 'Contacts');
  await ensureCollection('directory', '/directory/gal/', 'addressbook', 'Global Address List');
  for (const [coll, items] of Object.entries(CAL_ITEMS)) {
    for (const [name, body] of Object.entries(items)) {
      davNew += await putItem('alice', `/alice/${coll}/${name}`, body, 'text/calendar; charset=utf-8');
    }
  }
  for (const [name, body] of Object.entries(CONTACTS)) {
    davNew += await putItem('alice', `/alice/contacts/${name}`, body, 'text/vcard; charset=utf-8');
  }
  // dave (the trace suite's user) gets the same calendar, tasks and contacts as alice, no Work.
  await dav('dave', 'PROPFIND', '/dave/', undefined, { Depth: '0' });
  await ensureCollection('dave', '/dave/calendar/', 'calendar', 'Calendar', comp('VEVENT'));
  await ensureCollection('dave', '/dave/tasks/', 'calendar', 'Tasks', comp('VTODO'));
  await ensureCollection('dave', '/dave/contacts/', 'addressbook', 'Contacts');
  for (const coll of ['calendar', 'tasks']) {
    for (const [name, body] of Object.entries(CAL_ITEMS[coll])) {
      davNew += await putItem('dave', `/dave/${coll}/${name}`, body, 'text/calendar; charset=utf-8');
    }
  }
  for (const [name, body] of Object.entries(CONTACTS)) {
    davNew += await putItem('dave', `/dave/contacts/${name}`, body, 'text/vcard; charset=utf-8');
  }
  for (const server of OTHER_DAV) davNew += await seedOtherDav(server, comp, color);
  for (const [k, p] of GAL.entries()) {
    davNew += await putItem(
      'directory',
      `/directory/gal/${p[2].split('@')[0]}.vcf`,
      galCard(p, k),
      'text/vcard; charset=utf-8',
    );
  }

  const summary = seedSummary();
  fs.mkdirSync(runDir, { recursive: true });
  fs.writeFileSync(path.join(runDir, 'seed.json'), JSON.stringify(summary, null, 2) + '\n');
  const what =
    a + b + c + sieve + davNew === 0
      ? 'already seeded, nothing to do'
      : `${a + b + c} messages appended, ${sieve} sieve scripts and ${davNew} DAV items created`;
  console.log(
    `test/env/seed: ${what} (alice INBOX: ${summary.mail.alice.INBOX} seeded messages) in ${Date.now() - t0} ms`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`test/env/seed: ${e.stack || e}`);
    console.error('Are the servers running? (test/env/start)');
    process.exit(1);
  });
}
