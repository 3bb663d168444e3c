import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeWbxml, encodeWbxml, fromXml, toXml, WbxmlDecodeError } from '../../../src/wbxml/index.js';
import { treeArb } from '../../support/wbxml-arbitrary.js';

// Fixed seeds and bounded run counts: the same cases run on every machine.
const SEED = 20261123;

describe('WBXML codec properties', () => {
  it('decode(encode(tree)) equals tree, over random trees on the real code pages', () => {
    fc.assert(
      fc.property(treeArb(), (tree) => {
        expect(decodeWbxml(encodeWbxml(tree))).toEqual(tree);
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it('fromXml(toXml(tree)) equals tree, in both layouts', () => {
    fc.assert(
      fc.property(treeArb(), fc.boolean(), (tree, pretty) => {
        expect(fromXml(toXml(tree, { indent: pretty ? '  ' : '' }))).toEqual(tree);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });
});

describe('WBXML decoder fuzzing: only the typed error, never a crash', () => {
  const onlyTypedErrors = (bytes: Uint8Array): void => {
    try {
      decodeWbxml(bytes, { limits: { maxDepth: 16, maxElements: 2000 } });
    } catch (e) {
      if (!(e instanceof WbxmlDecodeError)) throw e;
      expect(e.offset).toBeGreaterThanOrEqual(0);
      expect(e.offset).toBeLessThanOrEqual(bytes.length);
    }
  };

  it('random bytes behind a valid header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (body) => {
        onlyTypedErrors(new Uint8Array([0x03, 0x01, 0x6a, 0x00, ...body]));
      }),
      { seed: SEED, numRuns: 20000 },
    );
  });

  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), onlyTypedErrors), { seed: SEED, numRuns: 5000 });
  });

  it('valid documents with bytes flipped, inserted, deleted or cut', () => {
    const mutation = fc.oneof(
      fc.record({
        kind: fc.constant('flip' as const),
        at: fc.nat(),
        value: fc.integer({ min: 0, max: 255 }),
      }),
      fc.record({
        kind: fc.constant('insert' as const),
        at: fc.nat(),
        value: fc.integer({ min: 0, max: 255 }),
      }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), value: fc.constant(0) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), value: fc.constant(0) }),
    );
    fc.assert(
      fc.property(
        treeArb({ maxDepth: 4 }),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (tree, mutations) => {
          let bytes = [...encodeWbxml(tree)];
          for (const m of mutations) {
            const at = m.at % (bytes.length + 1);
            if (m.kind === 'flip' && at < bytes.length) bytes[at] = m.value;
            else if (m.kind === 'insert') bytes.splice(at, 0, m.value);
            else if (m.kind === 'delete') bytes.splice(at, 1);
            else if (m.kind === 'cut') bytes = bytes.slice(0, at);
          }
          onlyTypedErrors(Uint8Array.from(bytes));
        },
      ),
      { seed: SEED, numRuns: 20000 },
    );
  });
});
