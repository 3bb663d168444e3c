import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  categoriesOf,
  categoryForKeyword,
  COMPLETE_KEYWORD,
  EmailChangeError,
  keywordChanges,
  keywordForCategory,
  parseEmailChange,
  renderEmailFlagFields,
  type EmailChange,
} from '../../../src/model/email/index.js';
import { childText, el, elements, type WbxmlElement } from '../../../src/wbxml/index.js';
import { xmlOf } from './fixtures.js';

/** RFC 3501 flag-keyword = atom: 1*ATOM-CHAR, printable ASCII without atom-specials. */
const ATOM = /^[!#$&'+-[^-z|}~]+$/;

describe('categories as IMAP keywords', () => {
  it('keeps atoms readable and encodes the rest', () => {
    expect(keywordForCategory('Work')).toBe('Work');
    expect(keywordForCategory('To Do')).toBe('To_Do');
    expect(keywordForCategory('R&D')).toBe('R&-D');
    expect(keywordForCategory('Büro')).toBe('B&APw-ro');
    expect(keywordForCategory('snake_case')).toBe('snake&AF8-case');
    expect(keywordForCategory('(urgent)*')).toBe('&ACg-urgent&ACkAKg-');
  });

  it('never produces a system flag or a reserved keyword', () => {
    expect(keywordForCategory('\\Seen')).toBe('&AFw-Seen');
    expect(keywordForCategory('$Forwarded')).toBe('&ACQ-Forwarded');
    expect(keywordForCategory('Junk')).toBe('&AEo-unk');
    expect(keywordForCategory('nonjunk')).toBe('&AG4-onjunk');
    for (const k of ['&AFw-Seen', '&ACQ-Forwarded', '&AEo-unk']) expect(categoryForKeyword(k)).toBeDefined();
  });

  it('does not read system flags and reserved keywords as categories', () => {
    for (const flag of [
      '\\Seen',
      '\\Flagged',
      '\\Answered',
      '$Forwarded',
      '$MDNSent',
      '$Junk',
      '$NotJunk',
      '$Phishing',
    ]) {
      expect(categoryForKeyword(flag)).toBeUndefined();
    }
    for (const flag of [
      COMPLETE_KEYWORD,
      '$label1',
      '$SubmitPending',
      '$Submitted',
      'Junk',
      'NonJunk',
      'notjunk',
    ]) {
      expect(categoryForKeyword(flag)).toBeUndefined();
    }
  });

  it('reads keywords set by other clients as they are, "_" as a space', () => {
    expect(categoryForKeyword('Important')).toBe('Important');
    expect(categoryForKeyword('to_do')).toBe('to do');
    expect(categoryForKeyword('R&D')).toBe('R&D');
    expect(categoryForKeyword('&ZZZ')).toBe('&ZZZ');
  });

  it('round-trips every non-empty category through a valid atom', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), (category) => {
        const keyword = keywordForCategory(category);
        expect(keyword).toMatch(ATOM);
        expect(keyword.startsWith('$')).toBe(false);
        expect(categoryForKeyword(keyword)).toBe(category);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips ASCII-heavy categories too', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'aZ_ &-$\\()*%{]"\'+,/.09'), minLength: 1 }),
        (category) => {
          expect(categoryForKeyword(keywordForCategory(category))).toBe(category);
        },
      ),
    );
  });

  it('rejects the empty category', () => {
    expect(() => keywordForCategory('')).toThrow(RangeError);
  });

  it('lists the categories of a flag set once each, in order', () => {
    expect(categoriesOf(['\\Seen', 'Work', '$Forwarded', 'To_Do', 'Work'])).toEqual(['Work', 'To Do']);
  });
});

describe('keywordChanges', () => {
  const change = (c: EmailChange, current: string[] = []) => keywordChanges(current, c);

  it('maps Read to \\Seen, touching it only when needed', () => {
    expect(change({ read: true })).toEqual({ add: ['\\Seen'], remove: [] });
    expect(change({ read: true }, ['\\seen'])).toEqual({ add: [], remove: [] });
    expect(change({ read: false }, ['\\SEEN', 'Work'])).toEqual({ add: [], remove: ['\\SEEN'] });
  });

  it('maps the flag states onto \\Flagged and the complete keyword', () => {
    expect(change({ flag: 'active' }, [COMPLETE_KEYWORD])).toEqual({
      add: ['\\Flagged'],
      remove: [COMPLETE_KEYWORD],
    });
    expect(change({ flag: 'complete' }, ['\\Flagged'])).toEqual({
      add: [COMPLETE_KEYWORD],
      remove: ['\\Flagged'],
    });
    expect(change({ flag: 'cleared' }, ['\\Flagged', COMPLETE_KEYWORD])).toEqual({
      add: [],
      remove: ['\\Flagged', COMPLETE_KEYWORD],
    });
    expect(change({ flag: 'cleared' })).toEqual({ add: [], remove: [] });
  });

  it('replaces exactly the category keywords and nothing else', () => {
    const current = ['\\Seen', '$Forwarded', 'Work', 'Old_One', '$label1', 'Junk'];
    expect(change({ categories: ['Work', 'New One', 'Büro'] }, current)).toEqual({
      add: ['New_One', 'B&APw-ro'],
      remove: ['Old_One'],
    });
  });

  it('treats an empty Categories element as "no categories"', () => {
    expect(change({ categories: [] }, ['Work', 'to_do', '\\Flagged'])).toEqual({
      add: [],
      remove: ['Work', 'to_do'],
    });
  });

  it('keeps a keyword another client spelt differently for the same category', () => {
    expect(change({ categories: ['R&D', 'work'] }, ['R&D', 'Work'])).toEqual({ add: [], remove: [] });
  });

  it('leaves everything alone for an empty change', () => {
    expect(change({}, ['\\Seen', 'Work', '\\Flagged'])).toEqual({ add: [], remove: [] });
  });
});

describe('parseEmailChange', () => {
  const data = (...children: WbxmlElement[]) => el('AirSync:ApplicationData', children);

  it('reads Read, Flag and Categories', () => {
    expect(
      parseEmailChange(
        data(
          el('Email:Read', '1'),
          el('Email:Flag', el('Email:Status', '2'), el('Email:FlagType', 'Flag for follow up')),
          el('Email:Categories', el('Email:Category', 'Work'), el('Email:Category', 'To Do')),
        ),
      ),
    ).toEqual({ read: true, flag: 'active', categories: ['Work', 'To Do'] });
  });

  it('reports absent fields as undefined', () => {
    expect(parseEmailChange(data())).toEqual({});
    expect(parseEmailChange(data(el('Email:Read', '0')))).toEqual({ read: false });
  });

  it('reads the flag states', () => {
    const flag = (...c: WbxmlElement[]) => parseEmailChange(data(el('Email:Flag', ...c))).flag;
    expect(flag()).toBe('cleared');
    expect(flag(el('Email:Status', '0'))).toBe('cleared');
    expect(flag(el('Email:Status', '1'), el('Email:CompleteTime', '2026-01-01T00:00:00.000Z'))).toBe(
      'complete',
    );
    expect(flag(el('Email:Status', ' 2 '))).toBe('active');
    expect(flag(el('Email:FlagType', 'Flag for follow up'))).toBe('active');
  });

  it('reads an empty Categories element as no categories', () => {
    expect(parseEmailChange(data(el('Email:Categories'))).categories).toEqual([]);
  });

  it('throws EmailChangeError for malformed values', () => {
    for (const bad of [el('Email:Read', 'yes'), el('Email:Read'), el('Email:Read', '2')]) {
      expect(() => parseEmailChange(data(bad))).toThrow(EmailChangeError);
    }
    try {
      parseEmailChange(data(el('Email:Flag', el('Email:Status', '7'))));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(EmailChangeError);
      expect((e as EmailChangeError).field).toBe('Flag');
    }
  });
});

describe('renderEmailFlagFields', () => {
  it('renders Read, Flag, Categories and LastVerbExecuted on 14.0+', () => {
    const fields = renderEmailFlagFields(['\\Seen', '\\Flagged', 'Work', '\\Answered'], { versionRank: 140 });
    xmlOf(fields);
    expect(fields.map((f) => f.tag)).toEqual([
      'Email:Read',
      'Email:Flag',
      'Email:Categories',
      'Email2:LastVerbExecuted',
    ]);
    expect(childText(fields[1]!, 'Email:Status')).toBe('2');
    expect(elements(fields[2]!).map((c) => c.children[0])).toEqual(['Work']);
    expect(fields[3]!.children).toEqual(['1']);
  });

  it('renders only Read and Flag before 14.0', () => {
    const fields = renderEmailFlagFields([COMPLETE_KEYWORD], { versionRank: 121 });
    expect(fields.map((f) => f.tag)).toEqual(['Email:Read', 'Email:Flag']);
    expect(fields[0]!.children).toEqual(['0']);
    expect(childText(fields[1]!, 'Email:Status')).toBe('1');
  });

  it('renders an empty Flag and an empty Categories element when there are none', () => {
    const [, flag, categories, verb] = renderEmailFlagFields([], { versionRank: 161 });
    expect(flag!.children).toEqual([]);
    expect(categories!.children).toEqual([]);
    expect(verb!.children).toEqual(['0']);
  });

  it('lets \\Flagged win over a stale complete keyword', () => {
    const [, flag] = renderEmailFlagFields(['\\Flagged', COMPLETE_KEYWORD], { versionRank: 141 });
    expect(childText(flag!, 'Email:Status')).toBe('2');
  });

  it('round-trips a client change through IMAP flags', () => {
    const states = ['cleared', 'active', 'complete'] as const;
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom(
            '\\Seen',
            '\\Flagged',
            '\\Answered',
            COMPLETE_KEYWORD,
            '$Forwarded',
            'Work',
            'to_do',
          ),
        ),
        fc.boolean(),
        fc.constantFrom(...states),
        fc.uniqueArray(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), {
          maxLength: 5,
          selector: (c) => keywordForCategory(c).toLowerCase(),
        }),
        (start, read, flag, categories) => {
          const current = [...new Set(start)];
          // IMAP keywords ignore case: a category differing from a present one only in case is the same keyword.
          fc.pre(
            !categories.some(
              (c) =>
                ['work', 'to_do'].includes(keywordForCategory(c).toLowerCase()) &&
                !['Work', 'to do'].includes(c),
            ),
          );
          const { add, remove } = keywordChanges(current, { read, flag, categories });
          const lower = new Set(remove.map((f) => f.toLowerCase()));
          const after = [...current.filter((f) => !lower.has(f.toLowerCase())), ...add];
          const fields = renderEmailFlagFields(after, { versionRank: 141 });
          const back = parseEmailChange(el('AirSync:ApplicationData', fields));
          expect(back.read).toBe(read);
          expect(back.flag).toBe(flag);
          expect(new Set(back.categories)).toEqual(new Set(categories));
          const untouched = current.filter(
            (f) => categoryForKeyword(f) === undefined && !/^\\(seen|flagged)$|^\$completed$/i.test(f),
          );
          expect(after).toEqual(expect.arrayContaining(untouched));
        },
      ),
    );
  });
});
