import amqp, { type ChannelModel } from "amqplib";

export interface Delivered {
  queue: string;
  messageId: string;
  sourceId: string;
  tenant: string;
  at: number;
}

/**
 * A subscriber on every queue of a scenario, the way a municipal system would run one: it
 * records each message (id, queue, the application's sourceId) and then acks it. It reconnects
 * by itself after the broker or the connection went away, so an outage shows up as redelivered
 * messages (duplicates), never as messages it missed.
 */
export class Recorder {
  readonly delivered: Delivered[] = [];
  private conn: ChannelModel | undefined;
  private stopped = false;
  private reconnecting: Promise<void> | undefined;

  constructor(
    private readonly url: () => string,
    private readonly queues: string[],
  ) {}

  /** Connects once the queues exist (the hub declares them when it starts), waiting up to 30 s. */
  async start(): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        return await this.connect();
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private async connect(): Promise<void> {
    const conn = await amqp.connect(this.url(), { timeout: 3000 });
    conn.on("error", () => {});
    try {
      await this.subscribe(conn);
    } catch (err) {
      await conn.close().catch(() => {});
      throw err;
    }
    conn.on("close", () => this.again());
    this.conn = conn;
  }

  private async subscribe(conn: ChannelModel): Promise<void> {
    const ch = await conn.createChannel();
    ch.on("error", () => {});
    await ch.prefetch(500);
    for (const queue of this.queues) {
      await ch.consume(queue, (msg) => {
        if (!msg) return;
        let sourceId = "";
        let tenant = "";
        try {
          const ev = JSON.parse(msg.content.toString("utf8"));
          sourceId = String(ev?.data?.sourceId ?? "");
          tenant = String(ev?.ozgtenant ?? "");
        } catch {
          // an unparsable message counts as wrongly routed: its sourceId matches nothing
        }
        this.delivered.push({ queue, messageId: String(msg.properties.messageId ?? ""), sourceId, tenant, at: Date.now() });
        ch.ack(msg);
      });
    }
  }

  /** Reconnects every 250 ms until it works or the recorder is stopped; at most one loop at a time. */
  private again(): void {
    this.conn = undefined;
    if (this.stopped || this.reconnecting) return;
    this.reconnecting = (async () => {
      for (let i = 0; i < 2400 && !this.stopped; i++) {
        await new Promise((r) => setTimeout(r, 250));
        try {
          await this.connect();
          break;
        } catch {
          // broker still away
        }
      }
      this.reconnecting = undefined;
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.reconnecting;
    await this.conn?.close().catch(() => {});
  }
}
