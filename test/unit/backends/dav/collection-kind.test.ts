import { describe, expect, it } from 'vitest';
import { kindsOf, shapeOf, type CollectionShape } from '../../../../src/backends/dav/collection-kind.js';
import { parseMultistatus } from '../../../../src/backends/dav/multistatus.js';

function response(resourcetype: string, components?: string[]): string {
  const set =
    components === undefined
      ? ''
      : `<C:supported-calendar-component-set>${components.map((c) => `<C:comp name="${c}"/>`).join('')}</C:supported-calendar-component-set>`;
  return `<response><href>/u/x/</href><propstat><prop><resourcetype><collection/>${resourcetype}</resourcetype>${set}</prop><status>HTTP/1.1 200 OK</status></propstat></response>`;
}

function shape(resourcetype: string, components?: string[]): CollectionShape | undefined {
  const body = `<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CR="urn:ietf:params:xml:ns:carddav">${response(resourcetype, components)}</multistatus>`;
  const [r] = parseMultistatus(body);
  return shapeOf(r!);
}

describe('shapeOf', () => {
  it.each([
    ['<C:calendar/>', ['VEVENT'], 'calendar'],
    ['<C:calendar/>', ['VTODO'], 'tasks'],
    ['<C:calendar/>', ['VEVENT', 'VTODO', 'VJOURNAL'], 'mixed'],
    ['<C:calendar/>', undefined, 'mixed'],
    ['<C:calendar/>', ['VJOURNAL'], undefined],
    // Radicale reports a component set on address books.
    ['<CR:addressbook/>', ['VEVENT', 'VTODO'], 'contacts'],
    ['', undefined, undefined],
    ['<principal/>', undefined, undefined],
  ] as const)('%s with %o → %s', (resourcetype, components, expected) => {
    expect(shape(resourcetype, components ? [...components] : undefined)).toBe(expected);
  });
});

describe('kindsOf', () => {
  it('offers a mixed collection as tasks too while there is no task list', () => {
    expect(kindsOf(['mixed', 'calendar', 'contacts', undefined], 'when-no-task-list')).toEqual([
      ['calendar', 'tasks'],
      ['calendar'],
      ['contacts'],
      [],
    ]);
    expect(kindsOf(['mixed', 'tasks'], 'when-no-task-list')).toEqual([['calendar'], ['tasks']]);
  });

  it('follows the always and never policies', () => {
    expect(kindsOf(['mixed', 'tasks'], 'always')).toEqual([['calendar', 'tasks'], ['tasks']]);
    expect(kindsOf(['mixed'], 'never')).toEqual([['calendar']]);
  });
});
