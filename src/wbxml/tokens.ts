// WBXML 1.3 global tokens (WAP-192-WBXML §7.1), as used by MS-ASWBXML 2.1.2.
export const SWITCH_PAGE = 0x00;
export const END = 0x01;
export const ENTITY = 0x02;
export const STR_I = 0x03;
export const LITERAL = 0x04;
export const EXT_I_0 = 0x40;
export const EXT_I_1 = 0x41;
export const EXT_I_2 = 0x42;
export const PI = 0x43;
export const LITERAL_C = 0x44;
export const EXT_T_0 = 0x80;
export const EXT_T_1 = 0x81;
export const EXT_T_2 = 0x82;
export const STR_T = 0x83;
export const LITERAL_A = 0x84;
export const EXT_0 = 0xc0;
export const EXT_1 = 0xc1;
export const EXT_2 = 0xc2;
export const OPAQUE = 0xc3;
export const LITERAL_AC = 0xc4;

/** Tag byte bits: low six bits are the token, 0x40 = has content, 0x80 = has attributes. */
export const TAG_CONTENT = 0x40;
export const TAG_ATTRIBUTES = 0x80;
export const TAG_MASK = 0x3f;

// MS-ASWBXML 2.1.1: version 1.3, public id 1 (unknown), charset 106 (UTF-8), empty string table.
export const WBXML_HEADER = Uint8Array.of(0x03, 0x01, 0x6a, 0x00);
export const CHARSET_UTF8 = 106;

/** Tokens that only make sense with a string table or attributes, which ActiveSync never uses. */
export const UNSUPPORTED_TOKENS: Readonly<Record<number, string>> = {
  [LITERAL]: 'LITERAL (string table reference)',
  [LITERAL_C]: 'LITERAL_C (string table reference)',
  [LITERAL_A]: 'LITERAL_A (string table reference)',
  [LITERAL_AC]: 'LITERAL_AC (string table reference)',
  [STR_T]: 'STR_T (string table reference)',
  [EXT_I_0]: 'EXT_I_0',
  [EXT_I_1]: 'EXT_I_1',
  [EXT_I_2]: 'EXT_I_2',
  [EXT_T_0]: 'EXT_T_0',
  [EXT_T_1]: 'EXT_T_1',
  [EXT_T_2]: 'EXT_T_2',
  [EXT_0]: 'EXT_0',
  [EXT_1]: 'EXT_1',
  [EXT_2]: 'EXT_2',
  [PI]: 'PI (processing instruction)',
};
