import { describe, expect, it, vi } from 'vitest';
import { raceAbort } from '../../../../src/backends/imap/abort.js';

describe('raceAbort', () => {
  it('settles like the work without a signal or abort', async () => {
    await expect(raceAbort(Promise.resolve(1), undefined, () => undefined)).resolves.toBe(1);
    await expect(
      raceAbort(Promise.reject(new Error('x')), new AbortController().signal, () => undefined),
    ).rejects.toThrow('x');
  });

  it('rejects with the reason at once and calls onAbort', async () => {
    const controller = new AbortController();
    const onAbort = vi.fn();
    const never = new Promise<never>(() => undefined);
    const raced = raceAbort(never, controller.signal, onAbort);
    const reason = new Error('gone');
    controller.abort(reason);
    await expect(raced).rejects.toBe(reason);
    expect(onAbort).toHaveBeenCalledOnce();
  });

  it('rejects when the signal was aborted before', async () => {
    const onAbort = vi.fn();
    await expect(raceAbort(Promise.resolve(1), AbortSignal.abort('late'), onAbort)).rejects.toBe('late');
    expect(onAbort).toHaveBeenCalledOnce();
  });
});
