// Every ActiveSync code page of MS-ASWBXML 2.1.2.1, in page order.
import type { CodePage, ProtocolVersionString } from '../codepage.js';
import { buildPageSet } from '../page-set.js';
import airSync from './00-airsync.js';
import contacts from './01-contacts.js';
import email from './02-email.js';
import airNotify from './03-airnotify.js';
import calendar from './04-calendar.js';
import move from './05-move.js';
import getItemEstimate from './06-get-item-estimate.js';
import folderHierarchy from './07-folder-hierarchy.js';
import meetingResponse from './08-meeting-response.js';
import tasks from './09-tasks.js';
import resolveRecipients from './10-resolve-recipients.js';
import validateCert from './11-validate-cert.js';
import contacts2 from './12-contacts2.js';
import ping from './13-ping.js';
import provision from './14-provision.js';
import search from './15-search.js';
import gal from './16-gal.js';
import airSyncBase from './17-airsyncbase.js';
import settings from './18-settings.js';
import documentLibrary from './19-document-library.js';
import itemOperations from './20-item-operations.js';
import composeMail from './21-compose-mail.js';
import email2 from './22-email2.js';
import notes from './23-notes.js';
import rightsManagement from './24-rights-management.js';
import find from './25-find.js';

export const CODE_PAGES = [
  airSync,
  contacts,
  email,
  airNotify,
  calendar,
  move,
  getItemEstimate,
  folderHierarchy,
  meetingResponse,
  tasks,
  resolveRecipients,
  validateCert,
  contacts2,
  ping,
  provision,
  search,
  gal,
  airSyncBase,
  settings,
  documentLibrary,
  itemOperations,
  composeMail,
  email2,
  notes,
  rightsManagement,
  find,
] as const;

type RefsOf<P> = P extends CodePage<infer N, infer T> ? `${N}:${T}` : never;

/** "Namespace:Tag" for every tag of every page, so a misspelled tag is a compile error. */
export type TagRef = RefsOf<(typeof CODE_PAGES)[number]>;
export type Namespace = (typeof CODE_PAGES)[number]['namespace'];

export const ACTIVESYNC_PAGES = buildPageSet(CODE_PAGES);

/** Whether the spec allows a tag at a protocol version (MS-ASWBXML tables, "Protocol versions" column). */
export function isTagValidIn(tag: TagRef, version: ProtocolVersionString): boolean {
  const v = ACTIVESYNC_PAGES.versions(tag);
  return v === 'all' || (v !== undefined && v.includes(version));
}
