import type { ChannelModel, ConfirmChannel } from "amqplib";
import { OutageError, messageOf } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { BrokerNodes } from "./nodes.ts";
import type { Topology } from "./topology.ts";

/**
 * One broker connection with one confirm channel, (re)opened on demand. Every (re)connect
 * declares the topology first, so a broker that lost its definitions is repaired on the way.
 * `urls` may name several nodes of a cluster (comma-separated): the connection goes to the
 * first that answers and, when that node goes, to the next (see BrokerNodes).
 */
export class Broker {
  private model: ChannelModel | undefined;
  private channelP: Promise<ConfirmChannel> | undefined;
  private closing = false;
  private readonly nodes: BrokerNodes;
  /** Channels given up by `renewChannel`: their closing is no reason to drop the connection. */
  private readonly retired = new Set<ConfirmChannel>();

  constructor(
    urls: string | readonly string[],
    private readonly topology: () => Topology,
    private readonly log: Logger,
  ) {
    this.nodes = new BrokerNodes(urls);
  }

  /** The first node's URL, with credentials: never show it as is (the AsyncAPI document takes host, port and vhost). */
  get url(): string {
    return this.nodes.urls[0]!;
  }

  get connected(): boolean {
    return this.model !== undefined && this.channelP !== undefined;
  }

  /** The node connected to (without password), if any. */
  get node(): string | undefined {
    return this.connected ? this.nodes.connectedTo : undefined;
  }

  /** The confirm channel; throws a retryable OutageError while the broker cannot be reached. */
  channel(): Promise<ConfirmChannel> {
    if (this.closing) return Promise.reject(new OutageError("broker is shutting down", { retryable: true }));
    this.channelP ??= this.open().catch((err) => {
      this.channelP = undefined;
      throw err;
    });
    return this.channelP;
  }

  private async open(): Promise<ConfirmChannel> {
    const model = await this.nodes.connect("ozg-hub relay");
    model.on("error", (err) => this.log.warn({ err: messageOf(err) }, "broker connection error"));
    model.on("close", () => {
      if (this.model === model) this.reset();
    });
    this.model = model;
    return this.openChannel(model);
  }

  private async openChannel(model: ChannelModel): Promise<ConfirmChannel> {
    try {
      const ch = await model.createConfirmChannel();
      ch.on("error", (err) => this.log.warn({ err: messageOf(err) }, "broker channel error"));
      ch.on("close", () => {
        if (this.model === model && !this.retired.has(ch)) this.reset();
        this.retired.delete(ch);
      });
      await declareTopology(ch, this.topology());
      return ch;
    } catch (err) {
      this.reset();
      await model.close().catch(() => {});
      throw new OutageError(`broker topology could not be declared: ${messageOf(err)}`, { retryable: true, cause: err });
    }
  }

  /**
   * Depth and consumers of queues as the broker reports them (a passive declare per queue), on a
   * channel of their own: a missing queue closes the channel it was asked on, never the relay's.
   */
  async queueStates(queues: string[]): Promise<Map<string, { messages: number; consumers: number } | undefined>> {
    await this.channel();
    const model = this.model;
    if (!model) throw new OutageError("broker connection closed", { retryable: true });
    const open = async () => {
      const ch = await model.createChannel();
      ch.on("error", () => {}); // a missing queue: reported below as undefined
      return ch;
    };
    const out = new Map<string, { messages: number; consumers: number } | undefined>();
    let ch = await open();
    for (const q of queues) {
      try {
        const r = await ch.checkQueue(q);
        out.set(q, { messages: r.messageCount, consumers: r.consumerCount });
      } catch {
        out.set(q, undefined);
        ch = await open();
      }
    }
    await ch.close().catch(() => {});
    return out;
  }

  /**
   * Publishes go to a new channel on the same connection from now on; the old one closes once
   * its confirms are in. After a refusal: RabbitMQ (3.10) keeps refusing a quorum queue's
   * publishes on a channel that it refused once, even after the queue accepts again, while a
   * new channel is accepted at once.
   */
  renewChannel(): void {
    const old = this.channelP;
    const model = this.model;
    if (!old || !model) return;
    this.channelP = this.openChannel(model).catch((err) => {
      this.channelP = undefined;
      throw err;
    });
    void old.then(
      (ch) => {
        this.retired.add(ch);
        return ch
          .waitForConfirms()
          .catch(() => {})
          .finally(() => ch.close().catch(() => {}));
      },
      () => {},
    );
  }

  /** Declares the topology again on the open channel (after a config reload added queues). */
  async redeclare(): Promise<void> {
    const ch = this.channelP;
    if (!ch) return; // declared on the next connect anyway
    try {
      await declareTopology(await ch, this.topology());
    } catch (err) {
      this.log.warn({ err: messageOf(err) }, "topology could not be declared after reload, will retry on reconnect");
      this.reset();
    }
  }

  /**
   * Gives up the connection (confirms did not come in time: the node may be cut off without
   * the socket noticing); the next `channel()` connects again, starting with the next node.
   */
  abandon(): void {
    if (this.model) this.log.warn({ node: this.nodes.connectedTo }, "broker node did not confirm in time, moving to the next");
    this.reset();
  }

  private reset(): void {
    if (this.model) this.nodes.lost();
    const model = this.model;
    this.model = undefined;
    this.channelP = undefined;
    model?.close().catch(() => {});
  }

  async close(): Promise<void> {
    this.closing = true;
    const model = this.model;
    this.model = undefined;
    this.channelP = undefined;
    await model?.close().catch(() => {});
  }
}

/** Declares exchanges, quorum queues and dead-letter queues; idempotent. */
export async function declareTopology(
  ch: { assertExchange: ConfirmChannel["assertExchange"]; assertQueue: ConfirmChannel["assertQueue"]; bindQueue: ConfirmChannel["bindQueue"] },
  t: Topology,
): Promise<void> {
  await ch.assertExchange(t.exchange, "topic", { durable: true });
  await ch.assertExchange(t.deadLetterExchange, "topic", { durable: true });
  for (const q of t.queues) {
    await ch.assertQueue(q.deadLetterQueue, { durable: true, arguments: { "x-queue-type": "quorum" } });
    await ch.bindQueue(q.deadLetterQueue, t.deadLetterExchange, q.routingKey);
    await ch.assertQueue(q.queue, {
      durable: true,
      arguments: { "x-queue-type": "quorum", "x-dead-letter-exchange": t.deadLetterExchange, "x-dead-letter-routing-key": q.routingKey },
    });
    await ch.bindQueue(q.queue, t.exchange, q.routingKey);
  }
}
