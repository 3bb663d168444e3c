import type { TagRef } from '../../wbxml/index.js';

// The field map between vCard and MS-ASCNTC as data. Contacts and Contacts2 tags are spelled as
// MS-ASWBXML spells them (BusinessCity where MS-ASCNTC says BusinessAddressCity).

export type ContactTag = Extract<TagRef, `Contacts:${string}` | `Contacts2:${string}`>;

/**
 * ApplicationData children in the order of MS-ASCNTC 2.2.2 (its sections are alphabetical by the
 * spec's element names). Contacts:Alias and WeightedRank belong to recipient-information-cache
 * and GAL answers only (2.2.2.2), so Sync never carries them.
 */
export const ELEMENT_ORDER: readonly TagRef[] = [
  'Contacts2:AccountName', // 2.2.2.1
  'Contacts:Anniversary', // 2.2.2.3
  'Contacts:AssistantName',
  'Contacts:AssistantTelephoneNumber',
  'Contacts:Birthday', // 2.2.2.6
  'AirSyncBase:Body', // 2.2.2.7.1
  'Contacts:Business2PhoneNumber',
  'Contacts:BusinessCity',
  'Contacts:BusinessCountry',
  'Contacts:BusinessPostalCode',
  'Contacts:BusinessState',
  'Contacts:BusinessStreet',
  'Contacts:BusinessFaxNumber',
  'Contacts:BusinessPhoneNumber',
  'Contacts:CarPhoneNumber',
  'Contacts:Categories', // 2.2.2.19
  'Contacts:Children', // 2.2.2.21
  'Contacts2:CompanyMainPhone',
  'Contacts:CompanyName',
  'Contacts2:CustomerId',
  'Contacts:Department',
  'Contacts:Email1Address',
  'Contacts:Email2Address',
  'Contacts:Email3Address',
  'Contacts:FileAs', // 2.2.2.30
  'Contacts:FirstName',
  'Contacts2:GovernmentId',
  'Contacts:Home2PhoneNumber',
  'Contacts:HomeCity',
  'Contacts:HomeCountry',
  'Contacts:HomePostalCode',
  'Contacts:HomeState',
  'Contacts:HomeStreet',
  'Contacts:HomeFaxNumber',
  'Contacts:HomePhoneNumber',
  'Contacts2:IMAddress', // 2.2.2.41
  'Contacts2:IMAddress2',
  'Contacts2:IMAddress3',
  'Contacts:JobTitle',
  'Contacts:LastName',
  'Contacts2:ManagerName',
  'Contacts:MiddleName',
  'Contacts2:MMS', // 2.2.2.48
  'Contacts:MobilePhoneNumber',
  'Contacts2:NickName',
  'Contacts:OfficeLocation',
  'Contacts:OtherCity',
  'Contacts:OtherCountry',
  'Contacts:OtherPostalCode',
  'Contacts:OtherState',
  'Contacts:OtherStreet', // 2.2.2.56
  'Contacts:PagerNumber',
  'Contacts:Picture', // 2.2.2.58
  'Contacts:RadioPhoneNumber',
  'Contacts:Spouse',
  'Contacts:Suffix',
  'Contacts:Title',
  'Contacts:WebPage',
  'Contacts:YomiCompanyName',
  'Contacts:YomiFirstName',
  'Contacts:YomiLastName', // 2.2.2.67
];

/** MS-ASCNTC 2.2.2.58: at most 48 KB of base64 text; a larger Picture from a device is Status 6. */
export const PICTURE_MAX_BASE64 = 48 * 1024;

/** Recognises a property: by name, optionally only with one of some TYPE values. */
export interface PropMatch {
  readonly name: string;
  readonly type?: readonly string[];
}

/** A vCard property to create: name and parameters per version (3.0 TYPE values are written upper-case). */
export interface PropShape {
  readonly name: string;
  readonly params?: Readonly<Record<string, string | readonly string[]>>;
}

/**
 * One EAS text element ⇄ one vCard property. `match` lists the properties read, in priority order
 * (other clients' spellings included); `v3`/`v4` is what a new value is written as.
 */
export interface SingleFieldRow {
  readonly tag: ContactTag;
  readonly match: readonly PropMatch[];
  readonly v3: PropShape;
  readonly v4: PropShape;
  readonly kind: 'text' | 'date' | 'uri';
}

const same = (shape: PropShape): { v3: PropShape; v4: PropShape } => ({ v3: shape, v4: shape });
const names = (...n: string[]): PropMatch[] => n.map((name) => ({ name }));

// Yomi: RFC 6350 SORT-AS is a sort key, not a reading, so the phonetic names go where Apple,
// Android and Nextcloud put them: X-PHONETIC-FIRST-NAME / -LAST-NAME / X-PHONETIC-ORG.
// Properties EAS has and vCard lacks use plain X- names; the variants of Evolution, KAddressBook
// and Outlook are read too. vCard 4.0 has ANNIVERSARY and RELATED;TYPE=spouse.
export const SINGLE_FIELDS: readonly SingleFieldRow[] = [
  { tag: 'Contacts:FileAs', match: names('fn'), ...same({ name: 'fn' }), kind: 'text' },
  { tag: 'Contacts:JobTitle', match: names('title'), ...same({ name: 'title' }), kind: 'text' },
  { tag: 'Contacts:WebPage', match: names('url'), ...same({ name: 'url' }), kind: 'uri' },
  { tag: 'Contacts2:NickName', match: names('nickname'), ...same({ name: 'nickname' }), kind: 'text' },
  {
    tag: 'Contacts:YomiFirstName',
    match: names('x-phonetic-first-name'),
    ...same({ name: 'x-phonetic-first-name' }),
    kind: 'text',
  },
  {
    tag: 'Contacts:YomiLastName',
    match: names('x-phonetic-last-name'),
    ...same({ name: 'x-phonetic-last-name' }),
    kind: 'text',
  },
  {
    tag: 'Contacts:YomiCompanyName',
    match: names('x-phonetic-org'),
    ...same({ name: 'x-phonetic-org' }),
    kind: 'text',
  },
  {
    tag: 'Contacts:OfficeLocation',
    match: names('x-office', 'x-evolution-office', 'x-kaddressbook-x-office', 'x-ms-office'),
    ...same({ name: 'x-office' }),
    kind: 'text',
  },
  {
    tag: 'Contacts2:ManagerName',
    match: names('x-manager', 'x-evolution-manager', 'x-kaddressbook-x-managersname', 'x-ms-manager'),
    ...same({ name: 'x-manager' }),
    kind: 'text',
  },
  {
    tag: 'Contacts:AssistantName',
    match: names('x-assistant', 'x-evolution-assistant', 'x-kaddressbook-x-assistantsname', 'x-ms-assistant'),
    ...same({ name: 'x-assistant' }),
    kind: 'text',
  },
  {
    tag: 'Contacts:Spouse',
    match: [
      { name: 'related', type: ['spouse'] },
      ...names('x-spouse', 'x-evolution-spouse', 'x-kaddressbook-x-spousesname', 'x-ms-spouse'),
    ],
    v3: { name: 'x-spouse' },
    v4: { name: 'related', params: { type: 'spouse', value: 'text' } },
    kind: 'text',
  },
  { tag: 'Contacts:Birthday', match: names('bday'), ...same({ name: 'bday' }), kind: 'date' },
  {
    tag: 'Contacts:Anniversary',
    match: names(
      'anniversary',
      'x-anniversary',
      'x-evolution-anniversary',
      'x-kaddressbook-x-anniversary',
      'x-ms-anniversary',
    ),
    v3: { name: 'x-anniversary' },
    v4: { name: 'anniversary' },
    kind: 'date',
  },
  {
    tag: 'Contacts2:AccountName',
    match: names('x-account-name'),
    ...same({ name: 'x-account-name' }),
    kind: 'text',
  },
  {
    tag: 'Contacts2:CustomerId',
    match: names('x-customer-id'),
    ...same({ name: 'x-customer-id' }),
    kind: 'text',
  },
  {
    tag: 'Contacts2:GovernmentId',
    match: names('x-government-id'),
    ...same({ name: 'x-government-id' }),
    kind: 'text',
  },
];

/** Structured properties whose components are EAS elements (index → tag). */
export interface StructuredRow {
  readonly name: string;
  readonly components: Readonly<Record<number, ContactTag>>;
  /** RFC 2426 3.1.2: N is required in 3.0, so it stays (empty) when the device clears the name. */
  readonly requiredIn3: boolean;
  /** RFC 6350 6.2.2: N always has its five components; ORG ends after its last non-empty one. */
  readonly fixedWidth: boolean;
}

export const STRUCTURED_FIELDS: readonly StructuredRow[] = [
  {
    // RFC 6350 6.2.2: family; given; additional; prefixes; suffixes.
    name: 'n',
    components: {
      0: 'Contacts:LastName',
      1: 'Contacts:FirstName',
      2: 'Contacts:MiddleName',
      3: 'Contacts:Title',
      4: 'Contacts:Suffix',
    },
    requiredIn3: true,
    fixedWidth: true,
  },
  // RFC 6350 6.6.4: organization name; units. Units after the first stay as they are.
  {
    name: 'org',
    components: { 0: 'Contacts:CompanyName', 1: 'Contacts:Department' },
    requiredIn3: false,
    fixedWidth: false,
  },
];

/** List elements: CATEGORIES values; one property per child. */
export const CHILD_MATCH: readonly PropMatch[] = [
  { name: 'related', type: ['child'] },
  ...names('x-child', 'x-ms-child', 'x-evolution-child'),
];
export const CHILD_SHAPE: Readonly<Record<'3.0' | '4.0', PropShape>> = {
  '3.0': { name: 'x-child' },
  '4.0': { name: 'related', params: { type: 'child', value: 'text' } },
};

// ---- slot families: several properties of one kind spread over numbered EAS elements ----

/**
 * A slot is one EAS element (or, for addresses, a group of them). `types` is the TYPE a new
 * property for the slot gets.
 */
export interface SlotDef {
  readonly key: string;
  readonly tags: readonly ContactTag[];
  readonly types: readonly string[];
}

/**
 * Properties are classified by their TYPE values by the first rule that matches (`all` of these
 * types, or `any` of them, or neither for the catch-all). A property first competes for the first
 * slot of its rule; properties left over then take the first free slot among the rest of the
 * list, in preference and card order. What finds no slot is not shown, and is kept on a Change.
 */
export interface SlotRule {
  readonly all?: readonly string[];
  readonly any?: readonly string[];
  readonly slots: readonly string[];
}

const phone = (key: string, tag: ContactTag, ...types: string[]): SlotDef => ({ key, tags: [tag], types });

export const PHONE_SLOTS: readonly SlotDef[] = [
  phone('business', 'Contacts:BusinessPhoneNumber', 'work', 'voice'),
  phone('business2', 'Contacts:Business2PhoneNumber', 'work', 'voice'),
  phone('home', 'Contacts:HomePhoneNumber', 'home', 'voice'),
  phone('home2', 'Contacts:Home2PhoneNumber', 'home', 'voice'),
  phone('mobile', 'Contacts:MobilePhoneNumber', 'cell', 'voice'),
  phone('car', 'Contacts:CarPhoneNumber', 'car', 'voice'),
  phone('radio', 'Contacts:RadioPhoneNumber', 'x-radio'),
  phone('pager', 'Contacts:PagerNumber', 'pager'),
  phone('businessFax', 'Contacts:BusinessFaxNumber', 'work', 'fax'),
  phone('homeFax', 'Contacts:HomeFaxNumber', 'home', 'fax'),
  // Apple's label for a company's main number.
  phone('companyMain', 'Contacts2:CompanyMainPhone', 'main'),
  phone('assistant', 'Contacts:AssistantTelephoneNumber', 'x-assistant'),
  phone('mms', 'Contacts2:MMS', 'x-mms'),
];

// Extras: a second work or home number is Business2/Home2, a third work number the company's
// main number; a second and third mobile go to Car and Radio (mobile devices both), a car phone
// falls back to Mobile; a fax without home is a business fax and vice versa; an untyped (other)
// number fills Home, Home2, Business, Business2 in that order.
export const PHONE_RULES: readonly SlotRule[] = [
  { any: ['x-assistant', 'assistant', 'x-evolution-assistant'], slots: ['assistant'] },
  { any: ['x-radio', 'radio', 'x-evolution-radio'], slots: ['radio'] },
  { any: ['x-mms', 'mms'], slots: ['mms'] },
  { any: ['main', 'x-company-main', 'x-evolution-company'], slots: ['companyMain'] },
  { all: ['fax', 'home'], slots: ['homeFax', 'businessFax'] },
  { any: ['fax'], slots: ['businessFax', 'homeFax'] },
  { any: ['pager'], slots: ['pager'] },
  { any: ['car'], slots: ['car', 'mobile'] },
  { any: ['cell', 'mobile', 'iphone'], slots: ['mobile', 'car', 'radio'] },
  { any: ['work'], slots: ['business', 'business2', 'companyMain'] },
  { any: ['home'], slots: ['home', 'home2'] },
  { slots: ['home', 'home2', 'business', 'business2'] },
];

export const EMAIL_SLOTS: readonly SlotDef[] = [
  { key: 'email1', tags: ['Contacts:Email1Address'], types: [] },
  { key: 'email2', tags: ['Contacts:Email2Address'], types: [] },
  { key: 'email3', tags: ['Contacts:Email3Address'], types: [] },
];
export const EMAIL_RULES: readonly SlotRule[] = [{ slots: ['email1', 'email2', 'email3'] }];

export const IM_SLOTS: readonly SlotDef[] = [
  { key: 'im1', tags: ['Contacts2:IMAddress'], types: [] },
  { key: 'im2', tags: ['Contacts2:IMAddress2'], types: [] },
  { key: 'im3', tags: ['Contacts2:IMAddress3'], types: [] },
];
export const IM_RULES: readonly SlotRule[] = [{ slots: ['im1', 'im2', 'im3'] }];

/** RFC 4770 IMPP, and the X- properties older 3.0 writers use per service. */
export const IM_PROPS: readonly string[] = [
  'impp',
  'x-aim',
  'x-jabber',
  'x-icq',
  'x-msn',
  'x-yahoo',
  'x-skype',
  'x-skype-username',
  'x-gadugadu',
  'x-google-talk',
  'x-groupwise',
  'x-qq',
];

/** URI schemes shown without their prefix; the prefix is kept in the vCard. */
export const IM_SCHEMES: readonly string[] = [
  'xmpp',
  'sip',
  'aim',
  'ymsgr',
  'msnim',
  'skype',
  'icq',
  'gg',
  'im',
  'x-apple',
];

// ADR components (RFC 6350 6.3.1): PO box; extended; street; locality; region; code; country.
// The PO box and extended address have no EAS element and are kept as they are.
export const ADR_COMPONENTS: readonly number[] = [2, 3, 4, 5, 6];

const address = (key: string, prefix: 'Home' | 'Business' | 'Other', types: string[]): SlotDef => ({
  key,
  tags: [
    `Contacts:${prefix}Street`,
    `Contacts:${prefix}City`,
    `Contacts:${prefix}State`,
    `Contacts:${prefix}PostalCode`,
    `Contacts:${prefix}Country`,
  ],
  types,
});

export const ADDRESS_SLOTS: readonly SlotDef[] = [
  address('home', 'Home', ['home']),
  address('business', 'Business', ['work']),
  address('other', 'Other', []),
];
export const ADDRESS_RULES: readonly SlotRule[] = [
  { any: ['home'], slots: ['home', 'other'] },
  { any: ['work'], slots: ['business', 'other'] },
  { slots: ['other', 'home', 'business'] },
];
