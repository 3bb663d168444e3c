import { expect } from 'vitest';
import { BackendError, type BackendErrorKind } from '../../src/backends/types.js';

/** Which BackendError kind a call failed with, or 'resolved': what the backend suites assert on. */
export async function kindOf(promise: Promise<unknown>): Promise<BackendErrorKind | 'resolved'> {
  try {
    await promise;
    return 'resolved';
  } catch (err) {
    expect(err).toBeInstanceOf(BackendError);
    return (err as BackendError).kind;
  }
}
