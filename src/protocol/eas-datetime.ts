// MS-ASDTYPE 2.3 dateTime as clients send it in requests.

/** `2025-01-06T08:00:00.000Z` (milliseconds optional), or the basic form `20250106T080000Z`. */
export function parseEasDate(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  const basic = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(t);
  if (basic) {
    const [y, mo, d, h, mi, s] = basic.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    return Date.UTC(y, mo - 1, d, h, mi, s);
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(t)) return undefined;
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? ms : undefined;
}
