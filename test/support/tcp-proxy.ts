import { once } from 'node:events';
import net from 'node:net';

/**
 * A TCP proxy in front of a PostgreSQL server that a test controls: `down()` drops every
 * connection and refuses new ones, as a stopped server does, without touching the server other
 * suites share; `up()` serves again on the same port; `stall()` stops carrying bytes either way,
 * as a network that hangs does, until `flow()`.
 */
export class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly pairs = new Set<readonly [net.Socket, net.Socket]>();
  private stalled = false;
  port = 0;

  constructor(
    private readonly host: string,
    private readonly target: number,
  ) {}

  async up(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target, this.host);
      const pair = [client, upstream] as const;
      for (const socket of pair) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      this.pairs.add(pair);
      if (!this.stalled) connect(pair);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => {
        client.destroy();
        this.pairs.delete(pair);
      });
    });
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  stall(): void {
    this.stalled = true;
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  flow(): void {
    this.stalled = false;
    for (const pair of this.pairs) connect(pair);
  }

  /** `url` with its host and port replaced by the proxy's. */
  url(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }
}

function connect([client, upstream]: readonly [net.Socket, net.Socket]): void {
  client.pipe(upstream);
  upstream.pipe(client);
}
