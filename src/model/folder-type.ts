// MS-ASCMD 2.2.3.186.3 FolderSync Type: the EAS folder types, named as the spec names them.
export const FolderType = {
  UserCreatedGeneric: 1,
  DefaultInbox: 2,
  DefaultDrafts: 3,
  DefaultDeletedItems: 4,
  DefaultSentItems: 5,
  DefaultOutbox: 6,
  DefaultTasks: 7,
  DefaultCalendar: 8,
  DefaultContacts: 9,
  DefaultNotes: 10,
  DefaultJournal: 11,
  UserCreatedMail: 12,
  UserCreatedCalendar: 13,
  UserCreatedContacts: 14,
  UserCreatedTasks: 15,
  UserCreatedJournal: 16,
  UserCreatedNotes: 17,
  Unknown: 18,
  RecipientInformationCache: 19,
} as const;
export type FolderType = (typeof FolderType)[keyof typeof FolderType];

/** The item class a folder type holds (AirSync:Class in Sync, Ping and GetItemEstimate). */
export type ItemClass = 'Email' | 'Calendar' | 'Contacts' | 'Tasks' | 'Notes';

export const CLASS_OF_FOLDER_TYPE: Readonly<Record<FolderType, ItemClass | undefined>> = {
  1: 'Email',
  2: 'Email',
  3: 'Email',
  4: 'Email',
  5: 'Email',
  6: 'Email',
  7: 'Tasks',
  8: 'Calendar',
  9: 'Contacts',
  10: 'Notes',
  11: undefined,
  12: 'Email',
  13: 'Calendar',
  14: 'Contacts',
  15: 'Tasks',
  16: undefined,
  17: 'Notes',
  18: undefined,
  19: 'Contacts',
};

/** Mail folder roles from IMAP SPECIAL-USE (RFC 6154) plus the ones EAS needs. */
export type MailFolderRole = 'inbox' | 'drafts' | 'trash' | 'sent' | 'outbox' | 'junk' | 'archive' | 'other';

export const FOLDER_TYPE_OF_MAIL_ROLE: Readonly<Record<MailFolderRole, FolderType>> = {
  inbox: FolderType.DefaultInbox,
  drafts: FolderType.DefaultDrafts,
  trash: FolderType.DefaultDeletedItems,
  sent: FolderType.DefaultSentItems,
  outbox: FolderType.DefaultOutbox,
  junk: FolderType.UserCreatedMail,
  archive: FolderType.UserCreatedMail,
  other: FolderType.UserCreatedMail,
};

/** DAV collection kinds: the first of each kind is the default folder, the others user-created. */
export type DavCollectionKind = 'calendar' | 'tasks' | 'contacts';

export const FOLDER_TYPES_OF_DAV_KIND: Readonly<
  Record<DavCollectionKind, { first: FolderType; other: FolderType }>
> = {
  calendar: { first: FolderType.DefaultCalendar, other: FolderType.UserCreatedCalendar },
  tasks: { first: FolderType.DefaultTasks, other: FolderType.UserCreatedTasks },
  contacts: { first: FolderType.DefaultContacts, other: FolderType.UserCreatedContacts },
};
