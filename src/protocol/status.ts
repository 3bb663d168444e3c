// MS-ASCMD 2.2.2 Common Status Codes (14.0+): sent in a command's top-level Status element.
// Names follow the spec's table.
export const CommonStatus = {
  InvalidContent: 101,
  InvalidWBXML: 102,
  InvalidXML: 103,
  InvalidDateTime: 104,
  InvalidCombinationOfIDs: 105,
  InvalidIDs: 106,
  InvalidMIME: 107,
  DeviceIdMissingOrInvalid: 108,
  DeviceTypeMissingOrInvalid: 109,
  ServerError: 110,
  ServerErrorRetryLater: 111,
  MailboxQuotaExceeded: 113,
  MailboxServerOffline: 114,
  UserDisabledForSync: 126,
  DeviceIsBlockedForThisUser: 129,
  AccessDenied: 130,
  SyncStateNotFound: 132,
  SyncStateLocked: 133,
  CommandNotSupported: 137,
  VersionNotSupported: 138,
  DeviceNotFullyProvisionable: 139,
  RemoteWipeRequested: 140,
  DeviceNotProvisioned: 142,
  PolicyRefresh: 143,
  InvalidPolicyKey: 144,
  ItemNotFound: 150,
  DeviceInformationRequired: 165,
  MaximumDevicesReached: 177,
} as const;
export type CommonStatus = (typeof CommonStatus)[keyof typeof CommonStatus];

/**
 * A failure with its protocol meaning. `status` is the command's own Status value or a common
 * status; the HTTP layer decides how a version carries it (12.x clients get HTTP codes).
 */
export class EasError extends Error {
  override readonly name = 'EasError';
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The request body or query could not be understood (HTTP 400 for every version). */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}
