// The documents both codecs are timed on: a realistic Sync response (50 mails with bodies) and the
// small requests a phone sends all day. Only tags libwbxml also knows, so both do the same work.
import { el } from '../../dist/wbxml/index.js';

// A small deterministic generator, so every run times the same bytes.
function rng(seed) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

const WORDS =
  'meeting budget review Grüße café naïve résumé 日本語 project deadline invoice holiday schedule report Zürich'.split(
    ' ',
  );

function sentence(r, words) {
  return Array.from({ length: words }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' ');
}

function mail(r, i) {
  const bodyLength = 1024 + Math.floor(r() * 3072);
  let body = '';
  while (body.length < bodyLength) body += `${sentence(r, 12)}.\n`;
  body = body.slice(0, bodyLength).trim();
  const html = i % 3 === 0;
  return el(
    'AirSync:Add',
    el('AirSync:ServerId', `5:${1000 + i}`),
    el(
      'AirSync:ApplicationData',
      el('Email:To', `"Alice Example" <alice@example.test>`),
      el('Email:Cc', `bob@example.test`),
      el('Email:From', `"Sender ${i}" <sender${i}@example.org>`),
      el('Email:Subject', `Re: ${sentence(r, 5)}`),
      el('Email:DateReceived', new Date(Date.UTC(2026, 10, 1, 8, i)).toISOString()),
      el('Email:DisplayTo', 'Alice Example'),
      el('Email:ThreadTopic', sentence(r, 5)),
      el('Email:Importance', 1),
      el('Email:Read', i % 2),
      el(
        'AirSyncBase:Body',
        el('AirSyncBase:Type', html ? 2 : 1),
        el('AirSyncBase:EstimatedDataSize', Buffer.byteLength(body)),
        el('AirSyncBase:Data', html ? `<html><body><p>${body}</p></body></html>` : body),
      ),
      el('Email:MessageClass', 'IPM.Note'),
      el('Email:InternetCPID', 65001),
      el(
        'Email:Flag',
        i % 5 === 0 && el('Email:Status', 2),
        i % 5 === 0 && el('Email:FlagType', 'Follow up'),
      ),
      el('Email:ContentClass', 'urn:content-classes:message'),
      el('AirSyncBase:NativeBodyType', html ? 2 : 1),
      el(
        'Email2:ConversationId',
        Uint8Array.from({ length: 16 }, () => Math.floor(r() * 256)),
      ),
      el(
        'Email2:ConversationIndex',
        Uint8Array.from({ length: 5 }, () => Math.floor(r() * 256)),
      ),
      el('Email:Categories', el('Email:Category', 'Work')),
    ),
  );
}

export function documents() {
  const r = rng(20261123);
  return {
    'Sync response, 50 mails with bodies': el(
      'AirSync:Sync',
      el(
        'AirSync:Collections',
        el(
          'AirSync:Collection',
          el('AirSync:SyncKey', '12-9f3a2b1c'),
          el('AirSync:CollectionId', '5'),
          el('AirSync:Status', 1),
          el(
            'AirSync:Commands',
            Array.from({ length: 50 }, (_, i) => mail(r, i)),
          ),
          el('AirSync:MoreAvailable'),
        ),
      ),
    ),
    'Ping request, 3 folders': el(
      'Ping:Ping',
      el('Ping:HeartbeatInterval', 900),
      el(
        'Ping:Folders',
        ['5', '8', '9'].map((id, i) =>
          el('Ping:Folder', el('Ping:Id', id), el('Ping:Class', ['Email', 'Calendar', 'Contacts'][i])),
        ),
      ),
    ),
    'FolderSync request': el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '3-0a1b2c3d')),
    'Sync request, 2 changes': el(
      'AirSync:Sync',
      el(
        'AirSync:Collections',
        el(
          'AirSync:Collection',
          el('AirSync:SyncKey', '12-9f3a2b1c'),
          el('AirSync:CollectionId', '5'),
          el('AirSync:GetChanges'),
          el('AirSync:WindowSize', 25),
          el(
            'AirSync:Options',
            el('AirSync:FilterType', 3),
            el(
              'AirSyncBase:BodyPreference',
              el('AirSyncBase:Type', 2),
              el('AirSyncBase:TruncationSize', 51200),
            ),
          ),
          el(
            'AirSync:Commands',
            ['5:1001', '5:1002'].map((id) =>
              el(
                'AirSync:Change',
                el('AirSync:ServerId', id),
                el('AirSync:ApplicationData', el('Email:Read', 1)),
              ),
            ),
          ),
        ),
      ),
    ),
  };
}
