import net from "node:net";

/**
 * A TCP proxy on loopback that a test can cut and restore, to take a service away from
 * ozg-hub without stopping it for everybody else. `cut()` drops every open connection and
 * refuses new ones; `restore()` lets them through again.
 */
export class TcpProxy {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private open = true;
  /** Armed by `cutOnReply`: the reply to look for, and what to call once it was swallowed. */
  private trap: { marker: Buffer; sprung: () => void } | undefined;

  private constructor(private readonly target: { host: string; port: number }) {
    this.server = net.createServer((client) => {
      if (!this.open) return client.destroy();
      const upstream = net.connect(this.target);
      this.sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
      client.pipe(upstream);
      upstream.on("data", (chunk: Buffer) => {
        const trap = this.trap;
        if (trap && chunk.includes(trap.marker)) {
          this.trap = undefined;
          drop(); // the server did the work; its answer never arrives
          trap.sprung();
          return;
        }
        if (!client.write(chunk)) {
          upstream.pause();
          client.once("drain", () => upstream.resume());
        }
      });
    });
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** The same URL with host and port replaced by the proxy's. */
  url(original: string): string {
    const u = new URL(original);
    u.hostname = "127.0.0.1";
    u.port = String(this.port);
    return u.toString();
  }

  cut(): void {
    this.open = false;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  /**
   * The next reply from the server that contains `marker` (e.g. Postgres' "INSERT" command tag,
   * sent after the implicit commit) is swallowed and that connection dropped: the client never
   * learns that its statement committed. Resolves when that happened.
   */
  cutOnReply(marker: string): Promise<void> {
    return new Promise((sprung) => {
      this.trap = { marker: Buffer.from(marker), sprung };
    });
  }

  restore(): void {
    this.open = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
