export type { ImapConfig, ImapLogger } from './config.js';
export { ImapMailStore } from './imap-mail-store.js';
export { OUTBOX_KEY } from './folder-list.js';
export { verifyImapLogin } from './verify-login.js';
export { ImapChangeFeed } from './change-feed.js';
export { openImapConnections } from './config.js';
