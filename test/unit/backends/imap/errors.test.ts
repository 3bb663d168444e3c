import { describe, expect, it } from 'vitest';
import { kindOfImapError, toBackendError } from '../../../../src/backends/imap/errors.js';
import { BackendError } from '../../../../src/backends/types.js';

const imapError = (props: Record<string, unknown>): Error =>
  Object.assign(new Error('Command failed'), props);

describe('kindOfImapError', () => {
  it.each([
    [{ responseStatus: 'NO', serverResponseCode: 'ALREADYEXISTS' }, 'exists'],
    [{ responseStatus: 'NO', serverResponseCode: 'NONEXISTENT' }, 'not-found'],
    [{ responseStatus: 'NO', serverResponseCode: 'OVERQUOTA' }, 'quota'],
    [
      { responseStatus: 'NO', serverResponseCode: 'AUTHENTICATIONFAILED', authenticationFailed: true },
      'auth',
    ],
    [{ responseStatus: 'NO', authenticationFailed: true }, 'auth'],
    [{ responseStatus: 'NO', serverResponseCode: 'UNAVAILABLE', authenticationFailed: true }, 'temporary'],
    [{ responseStatus: 'NO', serverResponseCode: 'CANNOT' }, 'permanent'],
    [{ responseStatus: 'NO' }, 'permanent'],
    [{ responseStatus: 'BAD' }, 'permanent'],
    [{ code: 'ECONNREFUSED' }, 'temporary'],
    [{ code: 'CONNECT_TIMEOUT' }, 'temporary'],
    [{ code: 'NoConnection' }, 'temporary'],
    [{ code: 'EConnectionClosed' }, 'temporary'],
    [{ tlsFailed: true }, 'temporary'],
    [{ name: 'TimeoutError' }, 'temporary'],
  ])('%o → %s', (props, kind) => {
    expect(kindOfImapError(imapError(props))).toBe(kind);
  });

  it('keeps a BackendError as it is', () => {
    const err = new BackendError('exists', 'taken');
    expect(toBackendError(err, 'CREATE')).toBe(err);
  });

  it("uses the server's text and keeps the cause", () => {
    const cause = imapError({
      responseStatus: 'NO',
      responseText: "Mailbox doesn't exist: x",
      serverResponseCode: 'NONEXISTENT',
    });
    const err = toBackendError(cause, 'DELETE');
    expect(err).toMatchObject({ kind: 'not-found', message: "DELETE: Mailbox doesn't exist: x", cause });
  });
});
