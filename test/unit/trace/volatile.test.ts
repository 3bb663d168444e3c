import { describe, expect, it } from 'vitest';
import { normalise, rewrite, volatileValues } from '../../../src/trace/volatile.js';
import { el, toXml } from '../../../src/wbxml/index.js';

const bytes = (...b: number[]) => new Uint8Array(b);

describe('trace normaliser', () => {
  it('names server-chosen values by first appearance, opaque ones by their bytes, and dates as <date>', () => {
    const answer = (a: string, b: string, id: Uint8Array, other: Uint8Array) =>
      el(
        'AirSync:Sync',
        el('AirSync:ServerId', a),
        el('AirSync:ServerId', b),
        el('AirSync:ServerId', a),
        el('Email2:ConversationId', id),
        el('Email2:ConversationId', id),
        el('Email2:ConversationId', other),
        el('Email:DateReceived', '2026-11-23T11:45:54.000Z'),
        el('Email:Subject', 'kept'),
      );
    const recorded = toXml(normalise(answer('3:1', '3:2', bytes(1, 2), bytes(3))));
    expect(toXml(normalise(answer('3:7', '3:9', bytes(9, 9), bytes(4))))).toBe(recorded);
    // "The same value twice" must still hold.
    expect(toXml(normalise(answer('3:7', '3:7', bytes(9, 9), bytes(4))))).not.toBe(recorded);
    expect(toXml(normalise(answer('3:7', '3:9', bytes(9, 9), bytes(9, 9))))).not.toBe(recorded);
    expect(recorded).toContain('&lt;date&gt;');
    expect(recorded).toContain('kept');
  });

  it('rewrites recorded values to the live ones in a request', () => {
    const recorded = el('AirSync:Sync', el('AirSync:SyncKey', '1-aa'), el('AirSync:CollectionId', '3'));
    expect(volatileValues(recorded)).toEqual(['1-aa', '3']);
    const live = rewrite(recorded, new Map([['1-aa', '1-bb']]));
    expect(volatileValues(live)).toEqual(['1-bb', '3']);
  });
});
