import type { CommandSpec } from './command.js';
import { findCommand } from './commands/find.js';
import { folderCreateCommand, folderDeleteCommand, folderUpdateCommand } from './commands/folder-change.js';
import { folderSyncCommand } from './commands/folder-sync.js';
import { getAttachmentCommand } from './commands/get-attachment.js';
import { getItemEstimateCommand } from './commands/get-item-estimate.js';
import { itemOperationsCommand } from './commands/item-operations.js';
import { meetingResponseCommand } from './commands/meeting-response.js';
import { moveItemsCommand } from './commands/move-items.js';
import { pingCommand } from './commands/ping.js';
import { provisionCommand } from './commands/provision.js';
import { resolveRecipientsCommand } from './commands/resolve-recipients.js';
import { searchCommand } from './commands/search.js';
import { sendMailCommand, smartForwardCommand, smartReplyCommand } from './commands/send-mail.js';
import { settingsCommand } from './commands/settings.js';
import { syncCommand } from './commands/sync.js';

// The commands this server implements. OPTIONS announces exactly these (MS-ASHTTP 2.2.4
// MS-ASProtocolCommands), so a client never tries one that would fail.
const COMMANDS: readonly CommandSpec[] = [
  findCommand,
  folderSyncCommand,
  folderCreateCommand,
  folderUpdateCommand,
  folderDeleteCommand,
  getAttachmentCommand,
  getItemEstimateCommand,
  itemOperationsCommand,
  meetingResponseCommand,
  moveItemsCommand,
  pingCommand,
  provisionCommand,
  resolveRecipientsCommand,
  searchCommand,
  sendMailCommand,
  settingsCommand,
  smartForwardCommand,
  smartReplyCommand,
  syncCommand,
];

const BY_NAME = new Map(COMMANDS.map((c) => [c.name, c]));

export function commandFor(name: string): CommandSpec | undefined {
  return BY_NAME.get(name);
}

export function implementedCommands(): string[] {
  return COMMANDS.map((c) => c.name);
}
