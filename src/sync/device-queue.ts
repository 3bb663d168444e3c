/** Raised into a waiting request's signal when a newer request from the same device arrives. */
export class SupersededError extends Error {
  override readonly name = 'SupersededError';
}

interface Slot {
  tail: Promise<unknown>;
  pending: number;
  /** The running request's controller, when it may be ended early (a Ping or hanging Sync). */
  waiting: AbortController | undefined;
}

/**
 * Runs one device's requests one at a time, in arrival order, so two requests never move the same
 * sync state at once. A newer request ends a request that is only waiting for changes (MS-ASCMD
 * 2.2.1.13: a new Ping or Sync from the device ends the outstanding one).
 */
export class DeviceQueue {
  private readonly slots = new Map<string, Slot>();

  async run<T>(
    deviceKey: string,
    work: (signal: AbortSignal, markWaiting: (waiting: boolean) => void) => Promise<T>,
    clientSignal?: AbortSignal,
  ): Promise<T> {
    let slot = this.slots.get(deviceKey);
    if (slot === undefined) {
      slot = { tail: Promise.resolve(), pending: 0, waiting: undefined };
      this.slots.set(deviceKey, slot);
    }
    slot.waiting?.abort(new SupersededError('a newer request from this device arrived'));
    const controller = new AbortController();
    const onClientAbort = (): void => controller.abort(clientSignal?.reason);
    clientSignal?.addEventListener('abort', onClientAbort, { once: true });
    const s = slot;
    s.pending++;
    const result = s.tail.then(() => {
      // A client that left while queued gets no work done on its behalf.
      if (controller.signal.aborted) throw controller.signal.reason;
      return work(controller.signal, (waiting) => {
        s.waiting = waiting ? controller : undefined;
        // A newer request queued while this one was still working: it ends as soon as it waits.
        if (waiting && s.pending > 1)
          controller.abort(new SupersededError('a newer request from this device is queued'));
      });
    });
    s.tail = result.catch(() => undefined);
    try {
      return await result;
    } finally {
      clientSignal?.removeEventListener('abort', onClientAbort);
      if (s.waiting === controller) s.waiting = undefined;
      if (--s.pending === 0 && this.slots.get(deviceKey) === s) this.slots.delete(deviceKey);
    }
  }

  /** Ends the device's waiting request, if any: a newer one arrived on another instance. */
  supersede(deviceKey: string): void {
    this.slots
      .get(deviceKey)
      ?.waiting?.abort(new SupersededError('a newer request from this device arrived elsewhere'));
  }

  /** Ends every waiting request (server shutdown). */
  abortAll(reason: Error): void {
    for (const s of this.slots.values()) s.waiting?.abort(reason);
  }
}
