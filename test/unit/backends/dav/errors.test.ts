import { describe, expect, it } from 'vitest';
import { httpError, kindOfHttpStatus, networkError } from '../../../../src/backends/dav/errors.js';
import { BackendError } from '../../../../src/backends/types.js';

describe('kindOfHttpStatus', () => {
  it.each([
    [401, 'read', '', 'auth'],
    [403, 'read', '', 'permanent'],
    [404, 'update', '', 'not-found'],
    [410, 'delete', '', 'not-found'],
    [405, 'create', '', 'exists'],
    [405, 'update', '', 'permanent'],
    [409, 'create', '', 'conflict'],
    [409, 'create', '<error xmlns="DAV:"><resource-must-be-null /></error>', 'exists'],
    [403, 'create', '<D:error xmlns:D="DAV:"><D:resource-must-be-null/></D:error>', 'exists'],
    [403, 'create', 'forbidden', 'permanent'],
    [412, 'update', '', 'precondition'],
    [507, 'create', '', 'quota'],
    [423, 'delete', '', 'temporary'],
    [429, 'read', '', 'temporary'],
    [500, 'read', '', 'temporary'],
    [503, 'create', '', 'temporary'],
    [400, 'read', '', 'permanent'],
  ] as const)('%d on %s (%s) → %s', (status, operation, body, kind) => {
    expect(kindOfHttpStatus(status, operation, body)).toBe(kind);
  });

  it('names the request in the message', () => {
    expect(httpError(404, 'read', 'PROPFIND /x/').message).toBe('PROPFIND /x/: HTTP 404');
  });
});

describe('networkError', () => {
  it("is 'temporary' and shows the socket error fetch wraps", () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const e = networkError(new TypeError('fetch failed', { cause }), 'PROPFIND /');
    expect(e.kind).toBe('temporary');
    expect(e.message).toBe('PROPFIND /: connect ECONNREFUSED 127.0.0.1:1');
  });

  it('passes a BackendError through', () => {
    const original = new BackendError('auth', 'x');
    expect(networkError(original, 'y')).toBe(original);
  });
});
