import { describe, expect, it } from 'vitest';
import { DeviceQueue, SupersededError } from '../../../src/sync/device-queue.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('per-device serialisation', () => {
  it('runs one device’s requests one at a time, in order, and other devices in parallel', async () => {
    const q = new DeviceQueue();
    const log: string[] = [];
    const job = (name: string) => async () => {
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([q.run('a', job('a1')), q.run('a', job('a2')), q.run('b', job('b1'))]);
    expect(results).toEqual(['a1', 'a2', 'b1']);
    expect(log.indexOf('end a1')).toBeLessThan(log.indexOf('start a2'));
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
  });

  it('ends a request that starts waiting after a newer one queued behind it, and on supersede()', async () => {
    const q = new DeviceQueue();
    const wait = (signal: AbortSignal, markWaiting: (w: boolean) => void) =>
      new Promise<string>((resolve) => {
        signal.addEventListener('abort', () =>
          resolve(signal.reason instanceof SupersededError ? 'ended' : 'other'),
        );
        markWaiting(true);
      });
    const first = q.run('a', async (signal, markWaiting) => {
      await tick(); // still checking when the newer request arrives
      return wait(signal, markWaiting);
    });
    const next = q.run('a', async () => 'next');
    expect(await first).toBe('ended');
    expect(await next).toBe('next');

    const elsewhere = q.run('a', wait);
    await tick();
    q.supersede('a');
    expect(await elsewhere).toBe('ended');
  });

  it('ends a waiting request when a newer one arrives, and not a busy one', async () => {
    const q = new DeviceQueue();
    const waiting = q.run('a', (signal, markWaiting) => {
      markWaiting(true);
      return new Promise<string>((resolve) =>
        signal.addEventListener('abort', () =>
          resolve(signal.reason instanceof SupersededError ? 'superseded' : 'other'),
        ),
      );
    });
    await tick();
    const next = q.run('a', async () => 'next');
    expect(await waiting).toBe('superseded');
    expect(await next).toBe('next');

    let aborted = false;
    const busy = q.run('a', async (signal) => {
      signal.addEventListener('abort', () => (aborted = true));
      await tick();
      return 'busy';
    });
    await q.run('a', async () => 'after');
    expect(await busy).toBe('busy');
    expect(aborted).toBe(false);
  });

  it('passes a client disconnect on, keeps going after a failure, and ends all waits on shutdown', async () => {
    const q = new DeviceQueue();
    const client = new AbortController();
    let started = false;
    const queued = q.run('a', async () => (started = true), client.signal);
    client.abort(new Error('client left'));
    await expect(queued).rejects.toThrow('client left');
    expect(started).toBe(false);
    const later = new AbortController();
    const gone = q.run(
      'a',
      (signal) => new Promise<string>((resolve) => signal.addEventListener('abort', () => resolve('gone'))),
      later.signal,
    );
    await tick();
    later.abort();
    expect(await gone).toBe('gone');
    await expect(q.run('a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await q.run('a', async () => 'still works')).toBe('still works');
    const waiting = q.run('b', (signal, markWaiting) => {
      markWaiting(true);
      return new Promise<string>((resolve) => signal.addEventListener('abort', () => resolve('ended')));
    });
    await tick();
    q.abortAll(new Error('shutdown'));
    expect(await waiting).toBe('ended');
  });
});
