// MS-ASCMD 2.2.3.143 Range of Search and Find: "m-n", zero-based and inclusive, in the request the
// rows wanted and in the response the rows returned.

export interface RowRange {
  readonly start: number;
  readonly end: number;
}

/**
 * The request's Range (the default when absent), at most `maxRows` long: MS-ASCMD 2.2.3.143.3
 * gives 100 as the most results one Search returns for the mailbox and the GAL; a longer Range is
 * cut, and the response's Range says what came back. Undefined when the text is not "m-n", m ≤ n.
 */
export function parseRange(
  text: string | undefined,
  fallback: RowRange,
  maxRows: number,
): RowRange | undefined {
  if (text === undefined) return fallback;
  const m = /^\s*(\d{1,6})\s*-\s*(\d{1,6})\s*$/.exec(text);
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (start > end) return undefined;
  return { start, end: Math.min(end, start + maxRows - 1) };
}

/** The rows of `all` the range selects. */
export function rowsOf<T>(all: readonly T[], range: RowRange): T[] {
  return all.slice(range.start, range.end + 1);
}

/** The response's Range for `count` rows returned from `start`; none when nothing came back. */
export function returnedRange(start: number, count: number): string | undefined {
  return count > 0 ? `${start}-${start + count - 1}` : undefined;
}
