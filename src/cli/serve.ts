import { ConfigError } from '../config.js';
import { startGateway } from '../main.js';
import type { CliIo } from './io.js';

/** `eas-gateway serve`: runs the server until SIGTERM or SIGINT, then drains and exits. */
export async function serveCommand(_args: readonly string[], io: CliIo): Promise<number> {
  let stop: () => Promise<void>;
  try {
    ({ stop } = await startGateway());
  } catch (e) {
    if (e instanceof ConfigError || (e instanceof Error && /TLS certificate/.test(e.message))) {
      io.stderr.write(`eas-gateway: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  await new Promise<void>((resolve) => {
    const onSignal = (): void => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      void stop().then(resolve, resolve);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  return 0;
}
