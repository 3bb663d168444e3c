/**
 * Settles like `work`, or rejects with the signal's reason as soon as the signal aborts. imapflow
 * cannot cancel a command, so `onAbort` is where the caller cuts the work short (closes the
 * connection); the abandoned promise's later failure is swallowed.
 */
export function raceAbort<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  onAbort: () => void,
): Promise<T> {
  if (!signal) return work;
  work.catch(() => undefined);
  if (signal.aborted) {
    onAbort();
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => {
      onAbort();
      reject(signal.reason);
    };
    signal.addEventListener('abort', abort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(err);
      },
    );
  });
}

/** True when `err` is the reason of an aborted `signal`, which must propagate unwrapped. */
export function isAbortOf(err: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && err === signal.reason;
}
