import { BackendError } from '../backends/types.js';
import type { CommandSpec } from '../protocol/command.js';
import { SendStatus } from '../protocol/mail-submission.js';
import { CommonStatus, EasError, ProtocolError } from '../protocol/status.js';
import type { ProtocolVersion } from '../protocol/version.js';
import { atLeast } from '../protocol/version.js';
import { SyncStateConflict } from '../sync/hierarchy-state.js';
import { el, type WbxmlElement } from '../wbxml/index.js';

/** How a failure reaches the client: an HTTP status, or (14.0+) a Status element in the body. */
export interface ErrorAnswer {
  httpStatus: number;
  headers?: Record<string, string>;
  body?: WbxmlElement;
  /** Why, for the log line. */
  reason: string;
}

const PROVISIONING = new Set<number>([
  CommonStatus.RemoteWipeRequested,
  CommonStatus.DeviceNotProvisioned,
  CommonStatus.PolicyRefresh,
  CommonStatus.InvalidPolicyKey,
]);

// MS-ASHTTP 2.2.2.1.1: what clients before 14.0 understand instead of a common status code.
const HTTP_FOR_COMMON_STATUS: Readonly<Record<number, number>> = {
  [CommonStatus.ServerError]: 500,
  [CommonStatus.ServerErrorRetryLater]: 503,
  [CommonStatus.MailboxServerOffline]: 503,
  [CommonStatus.MailboxQuotaExceeded]: 507,
  [CommonStatus.UserDisabledForSync]: 403,
  [CommonStatus.DeviceIsBlockedForThisUser]: 403,
  [CommonStatus.AccessDenied]: 403,
  [CommonStatus.CommandNotSupported]: 501,
  [CommonStatus.MaximumDevicesReached]: 403,
  [CommonStatus.VersionNotSupported]: 400,
  // The client's own mistakes (a malformed or unknown id, a bad body) are 400, not 500: a 12.x
  // client that sent a bad id learns nothing from a server error and would retry it.
  [CommonStatus.InvalidContent]: 400,
  [CommonStatus.InvalidWBXML]: 400,
  [CommonStatus.InvalidXML]: 400,
  [CommonStatus.InvalidDateTime]: 400,
  [CommonStatus.InvalidCombinationOfIDs]: 400,
  [CommonStatus.InvalidIDs]: 400,
  [CommonStatus.InvalidMIME]: 400,
  [CommonStatus.DeviceIdMissingOrInvalid]: 400,
  [CommonStatus.DeviceTypeMissingOrInvalid]: 400,
  [CommonStatus.ItemNotFound]: 400,
  [SendStatus.MessageHasNoRecipient]: 400,
};

const RETRY_LATER = { 'Retry-After': '30' };

export function answerForError(
  error: unknown,
  version: ProtocolVersion | undefined,
  spec: CommandSpec | undefined,
): ErrorAnswer {
  if (error instanceof EasError) {
    // MS-ASPROV 3.2.5.1: 12.x and 14.0 clients learn that they must provision from HTTP 449;
    // 14.1 and later from Status 142–144 (and 140 for a pending wipe) in the command's body.
    if (PROVISIONING.has(error.status) && (version === undefined || !atLeast(version, '14.1'))) {
      return { httpStatus: 449, reason: error.message };
    }
    // Below 100 a status is the command's own (MS-ASCMD 2.2.3.177.x: Sync 4, Ping 4, …), which
    // every version reads from the body; common statuses (≥ 100) arrived with 14.0.
    const inBody = error.status < 100 || (version !== undefined && atLeast(version, '14.0'));
    if (inBody && spec !== undefined) {
      return {
        httpStatus: 200,
        body: el(spec.root, el(spec.statusTag, error.status)),
        reason: error.message,
      };
    }
    const httpStatus = HTTP_FOR_COMMON_STATUS[error.status] ?? 500;
    return { httpStatus, headers: httpStatus === 503 ? RETRY_LATER : undefined, reason: error.message };
  }
  if (error instanceof ProtocolError) return { httpStatus: 400, reason: error.message };
  if (error instanceof BackendError) {
    if (error.kind === 'temporary')
      return { httpStatus: 503, headers: RETRY_LATER, reason: `backend unavailable: ${error.message}` };
    if (error.kind === 'auth')
      return { httpStatus: 401, reason: `backend refused the login: ${error.message}` };
    if (error.kind === 'quota') return { httpStatus: 507, reason: error.message };
    return { httpStatus: 500, reason: `backend error (${error.kind}): ${error.message}` };
  }
  if (error instanceof SyncStateConflict)
    return { httpStatus: 503, headers: { 'Retry-After': '1' }, reason: error.message };
  return {
    httpStatus: 500,
    reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  };
}
