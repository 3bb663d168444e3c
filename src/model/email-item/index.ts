export { BodyType, type BodyPreference } from './body.js';
export { decodeHeaderText, decodeText, decodeTransferEncoding } from './decode.js';
export {
  categoriesOf,
  categoryForKeyword,
  COMPLETE_KEYWORD,
  EmailChangeError,
  keywordChanges,
  keywordForCategory,
  parseEmailChange,
  renderEmailFlagFields,
  type EmailChange,
  type FlagState,
} from './flags.js';
export { EMAIL_HEADER_FIELDS, planBodyFetches, renderEmail, type EmailRenderOptions } from './render.js';
