import type { ChannelModel, ConfirmChannel, ConsumeMessage } from "amqplib";
import type { GatewayConfig } from "../config/schema.ts";
import { messageOf } from "../errors.ts";
import type { StatusNames } from "../events/asyncapi.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import { BrokerNodes } from "../publish/nodes.ts";
import type { Runtime } from "../runtime.ts";
import type { Store } from "../store/db.ts";
import { acceptStatus, type WayBacks } from "./accept.ts";

/** The status exchange, ozg-hub's queue on it and that queue's dead letters, from config. */
export function statusNames(gateway: Pick<GatewayConfig, "amqp" | "status">): StatusNames {
  const queue = gateway.status.queue ?? `${gateway.amqp.queuePrefix}.status`;
  return { exchange: gateway.status.exchange, queue, deadLetterQueue: `${queue}.dlq`, rejectionQueuePrefix: `${queue}.rejected.` };
}

/**
 * A tenant's queue of its own rejected status events (`ozg.status.rejected.kiel`): the vendor's
 * way to learn that a status it published was refused, and why, without access to ozg-hub's log
 * or to the operator's dead-letter queue (which holds every tenant's). Its broker user may read
 * it (`ozg-hub topology`). Bounded: the oldest go first when a tenant never reads it.
 */
export function rejectionQueue(names: StatusNames, tenantId: string): string {
  return `${names.rejectionQueuePrefix}${tenantId}`;
}

const REJECTION_QUEUE = { durable: true, arguments: { "x-queue-type": "quorum", "x-max-length": 10_000, "x-overflow": "drop-head" } };

/** Header that names why ozg-hub dead-lettered a status event. */
export const REJECTION_HEADER = "x-ozg-rejection-reason";

/**
 * Consumes status events from subscribers: a topic exchange, one quorum queue bound with `#`,
 * its dead letters in `<queue>.dlq`. Each message is acked only after it is stored (or after a
 * refusal is confirmed in the dead-letter queue with its reason), so nothing is lost in between;
 * an outage of the store puts the message back for a later attempt. With several broker nodes
 * it consumes from the first that answers and moves to the next when that one goes.
 */
export class StatusConsumer {
  private model: ChannelModel | undefined;
  private consuming: { ch: ConfirmChannel; tag: string } | undefined;
  private stopping = false;
  private retry: NodeJS.Timeout | undefined;
  private inFlight = new Set<Promise<void>>();
  private readonly nodes: BrokerNodes;

  constructor(
    private readonly deps: {
      /** One broker URL or several, comma-separated. */
      amqpUrl: string;
      store: Store;
      runtime: () => Runtime;
      /** The adapters' ways back, by delivery channel. */
      wayBacks: () => WayBacks;
      metrics: Metrics;
      log: Logger;
      clock: () => Date;
      onAccepted: () => void;
    },
  ) {
    this.nodes = new BrokerNodes(deps.amqpUrl);
  }

  /** The node consumed from (without password), if connected. */
  get node(): string | undefined {
    return this.model ? this.nodes.connectedTo : undefined;
  }

  start(): void {
    this.stopping = false;
    this.connect().catch((err: unknown) => this.later(err));
  }

  private later(err: unknown): void {
    if (this.stopping) return;
    this.deps.log.warn({ err: messageOf(err) }, "status consumer not connected, will retry");
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.start(), 2000);
  }

  private async connect(): Promise<void> {
    const names = statusNames(this.deps.runtime().config.gateway);
    const model = await this.nodes.connect("ozg-hub status");
    this.model = model;
    model.on("error", (err) => this.deps.log.warn({ err: messageOf(err) }, "status consumer connection error"));
    model.on("close", () => {
      if (this.model === model) {
        this.model = undefined;
        this.nodes.lost();
        this.later(new Error("connection closed"));
      }
    });
    try {
      const ch = await model.createConfirmChannel();
      ch.on("error", (err) => this.deps.log.warn({ err: messageOf(err) }, "status consumer channel error"));
      await ch.assertExchange(names.exchange, "topic", { durable: true });
      await ch.assertQueue(names.deadLetterQueue, { durable: true, arguments: { "x-queue-type": "quorum" } });
      // Messages redelivered past the limit dead-letter through the default exchange. The limit
      // is high on purpose: a store outage puts every message back once per attempt (see handle),
      // and an outage of a few minutes must not turn good status events into dead letters.
      await ch.assertQueue(names.queue, {
        durable: true,
        arguments: { "x-queue-type": "quorum", "x-dead-letter-exchange": "", "x-dead-letter-routing-key": names.deadLetterQueue, "x-delivery-limit": 1000 },
      });
      await ch.bindQueue(names.queue, names.exchange, "#");
      for (const t of this.deps.runtime().config.tenants) await ch.assertQueue(rejectionQueue(names, t.id), REJECTION_QUEUE);
      await ch.prefetch(16);
      const { consumerTag } = await ch.consume(names.queue, (msg) => {
        if (!msg) return;
        const p = this.handle(ch, names, msg).finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
      });
      this.consuming = { ch, tag: consumerTag };
    } catch (err) {
      this.model = undefined;
      this.nodes.lost();
      await model.close().catch(() => {});
      throw err;
    }
  }

  private async handle(ch: ConfirmChannel, names: StatusNames, msg: ConsumeMessage): Promise<void> {
    const routingKey = msg.fields.routingKey;
    const tenant = routingKey.split(".")[0] ?? "";
    try {
      const outcome = await acceptStatus(this.deps.store, this.deps.runtime(), this.deps.wayBacks(), this.deps.clock(), { routingKey, body: msg.content });
      const known = this.deps.runtime().config.tenants.some((t) => t.id === tenant);
      this.deps.metrics.statusEvents.inc({ tenant: known ? tenant : "", outcome: outcome.kind });
      if (outcome.kind === "rejected") {
        this.deps.log.warn({ routingKey, messageId: msg.properties.messageId, reason: outcome.reason }, "status event rejected, dead-lettered");
        const rejected = (queue: string) =>
          new Promise<void>((resolve, reject) =>
            ch.publish(
              "",
              queue,
              msg.content,
              {
                persistent: true,
                contentType: msg.properties.contentType,
                messageId: msg.properties.messageId,
                headers: { ...msg.properties.headers, [REJECTION_HEADER]: outcome.reason, "x-ozg-routing-key": routingKey },
              },
              (err: unknown) => (err ? reject(err) : resolve()),
            ),
          );
        await rejected(names.deadLetterQueue);
        // The routing key's tenant is the publisher's own (its topic permission allows no other),
        // so the rejection goes back to the one who sent it. Declared here too for tenants added by a reload.
        if (known) {
          await ch.assertQueue(rejectionQueue(names, tenant), REJECTION_QUEUE);
          await rejected(rejectionQueue(names, tenant));
        }
      } else if (outcome.kind === "accepted") {
        this.deps.onAccepted();
      }
      ch.ack(msg);
    } catch (err) {
      this.deps.log.warn({ routingKey, err: messageOf(err) }, "status event could not be stored, will be redelivered");
      await new Promise((r) => setTimeout(r, this.stopping ? 0 : 2000));
      try {
        ch.nack(msg, false, true);
      } catch {
        // the channel is gone; the broker redelivers the unacked message anyway
      }
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retry);
    const model = this.model;
    this.model = undefined;
    // No new messages, then let those in hand finish (ack or put back) before the channel goes.
    await this.consuming?.ch.cancel(this.consuming.tag).catch(() => {});
    this.consuming = undefined;
    await Promise.allSettled([...this.inFlight]);
    await model?.close().catch(() => {});
  }
}
