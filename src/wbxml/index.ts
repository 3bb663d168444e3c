export { decodeWbxml, DEFAULT_DECODE_LIMITS, type DecodeLimits, type DecodeOptions } from './decode.js';
export { encodeWbxml } from './encode.js';
export { toXml, fromXml, xmlSafeText } from './xml.js';
export { WbxmlDecodeError, WbxmlEncodeError } from './errors.js';
export {
  el,
  child,
  childText,
  elements,
  isElement,
  opaque,
  text,
  type WbxmlElement,
  type WbxmlNode,
} from './tree.js';
export {
  ACTIVESYNC_PAGES,
  CODE_PAGES,
  isTagValidIn,
  type Namespace,
  type TagRef,
} from './codepages/index.js';
export { PROTOCOL_VERSIONS, type ProtocolVersionString } from './codepage.js';
