import amqp, { type ChannelModel, type Message } from "amqplib";

export interface Received {
  queue: string;
  body: Record<string, unknown>;
  messageId: string | undefined;
  headers: Record<string, unknown>;
  contentType: string | undefined;
}

/** Reads queues the way a subscriber would, and removes a test's queues and exchanges after it. */
export class TestBroker {
  private constructor(private readonly conn: ChannelModel) {}

  static async connect(url: string): Promise<TestBroker> {
    return new TestBroker(await amqp.connect(url));
  }

  /**
   * Every message currently in `queue` (acked), waiting up to `waitMs` for at least `atLeast`.
   * A queue that does not exist yet (its hub is still starting) counts as empty.
   */
  async drain(queue: string, opts: { atLeast?: number; waitMs?: number } = {}): Promise<Received[]> {
    const out: Received[] = [];
    const deadline = Date.now() + (opts.waitMs ?? 5000);
    let ch = await this.channel();
    try {
      for (;;) {
        const msg = await ch.get(queue, { noAck: true }).catch(async () => {
          ch = await this.channel(); // the missing queue closed the channel
          return false as const;
        });
        if (msg) {
          out.push(toReceived(queue, msg));
          continue;
        }
        if (out.length >= (opts.atLeast ?? 0) || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await ch.close().catch(() => {});
    }
    return out;
  }

  private async channel() {
    const ch = await this.conn.createChannel();
    ch.on("error", () => {});
    return ch;
  }

  async count(queue: string): Promise<number> {
    const ch = await this.conn.createChannel();
    try {
      return (await ch.checkQueue(queue)).messageCount;
    } finally {
      await ch.close().catch(() => {});
    }
  }

  async deleteAll(prefix: string, exchanges: string[], queues: string[]): Promise<void> {
    const ch = await this.conn.createChannel();
    for (const q of queues) if (q.startsWith(prefix)) await ch.deleteQueue(q).catch(() => {});
    for (const e of exchanges) if (e.startsWith(prefix)) await ch.deleteExchange(e).catch(() => {});
    await ch.close().catch(() => {});
  }

  async close(): Promise<void> {
    await this.conn.close().catch(() => {});
  }
}

function toReceived(queue: string, msg: Message): Received {
  return {
    queue,
    body: JSON.parse(msg.content.toString("utf8")) as Record<string, unknown>,
    messageId: msg.properties.messageId as string | undefined,
    headers: (msg.properties.headers ?? {}) as Record<string, unknown>,
    contentType: msg.properties.contentType as string | undefined,
  };
}
