import { child, elements, text, type WbxmlElement } from '../../wbxml/index.js';

// What a client's Sync Change of an Email item asks for. Read, Flag (MS-ASEMAIL 3.1.5.4.1) and
// Categories are what a client changes on a received message; other elements are ignored.

export type FlagState = 'cleared' | 'active' | 'complete';

/** What a client Change asks for. undefined = field not present (leave alone). */
export interface EmailChange {
  readonly read?: boolean;
  readonly flag?: FlagState;
  readonly categories?: readonly string[];
}

/** A Change with a value outside its range; the Sync command answers it with Status 6. */
export class EmailChangeError extends Error {
  override readonly name = 'EmailChangeError';
  constructor(
    readonly field: 'Read' | 'Flag' | 'Categories',
    message: string,
  ) {
    super(message);
  }
}

export function parseEmailChange(applicationData: WbxmlElement): EmailChange {
  const out: { read?: boolean; flag?: FlagState; categories?: string[] } = {};
  const read = child(applicationData, 'Email:Read');
  if (read !== undefined) {
    // MS-ASEMAIL 2.2.2.58 Read: a boolean, 0 or 1 (MS-ASDTYPE 2.1).
    const v = text(read)?.trim();
    if (v !== '0' && v !== '1')
      throw new EmailChangeError('Read', `Read must be 0 or 1, got ${JSON.stringify(v)}`);
    out.read = v === '1';
  }
  const flag = child(applicationData, 'Email:Flag');
  if (flag !== undefined) out.flag = flagState(flag);
  const categories = child(applicationData, 'Email:Categories');
  if (categories !== undefined) {
    // MS-ASEMAIL 2.2.2.16: an empty Categories element removes all categories.
    out.categories = elements(categories, 'Email:Category')
      .map((c) => text(c) ?? '')
      .filter((c) => c !== '');
  }
  return out;
}

function flagState(flag: WbxmlElement): FlagState {
  // MS-ASEMAIL 2.2.2.34: an empty Flag element means the message is not flagged.
  if (elements(flag).length === 0) return 'cleared';
  const status = child(flag, 'Email:Status');
  // Flag details without a Status (a due date, say) still set a flag.
  if (status === undefined) return 'active';
  // MS-ASEMAIL 2.2.2.74 Status: 0 cleared, 1 complete, 2 active; anything else is Sync Status 6.
  switch (text(status)?.trim()) {
    case '0':
      return 'cleared';
    case '1':
      return 'complete';
    case '2':
      return 'active';
    default:
      throw new EmailChangeError(
        'Flag',
        `Flag Status must be 0, 1 or 2, got ${JSON.stringify(text(status))}`,
      );
  }
}
