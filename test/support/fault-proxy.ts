import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

// A TCP proxy on loopback in front of one backend server (IMAP, SMTP, DAV) that injects the faults
// a network and a restarting server produce, switched on and off by the soak (test/soak).

export type Fault =
  | { readonly kind: 'none' }
  /** Every chunk in either direction waits this long. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** New connections are closed at once (a server that is down). */
  | { readonly kind: 'refuse' }
  /** Each connection is cut after this many bytes from the server (a crash mid-answer). */
  | { readonly kind: 'cut'; readonly afterBytes: number }
  /** Connections are accepted and nothing ever comes back (a hung server or a lost route). */
  | { readonly kind: 'blackhole' };

export class FaultProxy {
  #fault: Fault = { kind: 'none' };
  readonly #sockets = new Set<Socket>();
  readonly #server: Server;
  /** Connections that met a fault, by kind, plus 'drop' for connections cut by `dropAll`. */
  readonly injected = new Map<string, number>();

  private constructor(
    readonly name: string,
    private readonly target: { host: string; port: number },
  ) {
    this.#server = createServer((client) => this.#accept(client));
  }

  static async start(name: string, target: { host: string; port: number }): Promise<FaultProxy> {
    const proxy = new FaultProxy(name, target);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get fault(): Fault {
    return this.#fault;
  }

  set fault(fault: Fault) {
    this.#fault = fault;
  }

  /** Cuts every open connection now (a server restart, a NAT timeout). */
  dropAll(): void {
    if (this.#sockets.size > 0) this.#count('drop');
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #count(kind: string): void {
    this.injected.set(kind, (this.injected.get(kind) ?? 0) + 1);
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  #accept(client: Socket): void {
    this.#track(client);
    const fault = this.#fault;
    if (fault.kind === 'refuse') {
      this.#count('refuse');
      client.destroy();
      return;
    }
    if (fault.kind === 'blackhole') {
      this.#count('blackhole');
      client.resume();
      return;
    }
    const server = connect(this.target.port, this.target.host);
    this.#track(server);
    const close = (): void => {
      client.destroy();
      server.destroy();
    };
    client.on('close', close);
    server.on('close', close);
    let fromServer = 0;
    let met: Fault['kind'] = 'none';
    const pass = (from: Socket, to: Socket, counting: boolean): void => {
      from.on('data', (chunk: Buffer) => {
        const now = this.#fault;
        // A fault counts once per connection it reaches, whether it began before or after it.
        if (now.kind !== met && now.kind !== 'none' && now.kind !== 'cut') this.#count(now.kind);
        met = now.kind;
        if (counting && now.kind === 'cut') {
          if (fromServer + chunk.length > now.afterBytes) {
            this.#count('cut');
            to.write(chunk.subarray(0, Math.max(0, now.afterBytes - fromServer)), close);
            return;
          }
          fromServer += chunk.length;
        }
        if (now.kind === 'delay') {
          from.pause();
          setTimeout(() => {
            to.write(chunk);
            from.resume();
          }, now.ms);
          return;
        }
        if (now.kind === 'blackhole') return;
        to.write(chunk);
      });
    };
    pass(client, server, false);
    pass(server, client, true);
  }
}
