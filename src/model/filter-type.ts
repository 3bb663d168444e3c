// MS-ASCMD 2.2.3.69.2 FilterType (Sync Options): how far back a device wants items. For email,
// 0–5 apply; 6 and 7 (three and six months) are defined for calendars but are read the same way
// so a client that sends them still gets a sensible window.
const DAYS_OF_FILTER: Readonly<Record<number, number | undefined>> = {
  0: undefined,
  1: 1,
  2: 3,
  3: 7,
  4: 14,
  5: 31,
  6: 92,
  7: 183,
};

export function isFilterType(value: number): boolean {
  return Object.hasOwn(DAYS_OF_FILTER, value);
}

/** The oldest receive time a filter lets through, or undefined for "everything". */
export function filterCutoff(filterType: number, now: Date): Date | undefined {
  const days = DAYS_OF_FILTER[filterType];
  return days === undefined ? undefined : new Date(now.getTime() - days * 86_400_000);
}
