// The EAS Email item (MS-ASEMAIL, MS-ASAIRS) of an IMAP message: rendering for Sync / Fetch,
// body planning for the backend, and the client changes a Sync Change can make.

export { BodyType, type BodyPreference, type EmailRenderOptions } from './options.js';
export { EMAIL_HEADER_FIELDS, planBodyFetches, renderEmail } from './render.js';
export { COMPLETE_KEYWORD, keywordChanges, renderEmailFlagFields } from './flags.js';
export { EmailChangeError, parseEmailChange, type EmailChange, type FlagState } from './change.js';
export { categoriesOf, categoryForKeyword, keywordForCategory } from './categories.js';
export { decodeHeaderText, decodeText, decodeTransferEncoding } from './decode.js';
