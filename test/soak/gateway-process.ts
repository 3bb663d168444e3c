import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';

// The built gateway (dist/cli.js) as a child process the soak can SIGKILL and start again on the
// same port and the same state.

export const CLI = new URL('../../dist/cli.js', import.meta.url).pathname;

export class GatewayProcess {
  #child: ChildProcess | undefined;
  #log = '';
  /** True from a kill until the restarted process answers /healthz. */
  down = false;

  private constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  static async start(env: Record<string, string>): Promise<GatewayProcess> {
    const gateway = new GatewayProcess(await freePort(), env);
    await gateway.#spawn();
    return gateway;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The last lines the process wrote (for a failure report). */
  get log(): string {
    return this.#log.slice(-4000);
  }

  async kill(): Promise<void> {
    this.down = true;
    const child = this.#child;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.#spawn();
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  async #spawn(): Promise<void> {
    this.down = true;
    const child = spawn(process.execPath, [CLI, 'serve'], {
      env: { ...process.env, ...this.env, EAS_PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (c: Buffer): void => {
      this.#log = (this.#log + c.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.#child = child;
    const until = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the gateway exited at start:\n${this.log}`);
      const ok = await fetch(`${this.baseUrl}/healthz`, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > until) throw new Error(`the gateway did not start:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    this.down = false;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
