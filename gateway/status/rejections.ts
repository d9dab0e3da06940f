import amqp from "amqplib";
import { withoutPassword } from "../logger.ts";
import { REJECTION_HEADER } from "./consumer.ts";

/** One rejected status event as it waits in a rejection or dead-letter queue. */
export interface RejectedStatus {
  /** The tenant part of the routing key it was published with. */
  tenantId: string;
  routingKey: string;
  reason: string;
  messageId?: string;
  /** The event's own `id` and `data.applicationId`, when the body is JSON that has them. */
  eventId?: string;
  applicationId?: string;
  body: string;
}

/**
 * Reads up to `limit` rejected status events from `queue` (the operator's `<status queue>.dlq`,
 * or one tenant's `rejectionQueue`) without taking them: each is fetched unacknowledged and put
 * back when the channel closes, so the tenant still receives it. For the console and for
 * operators; a subscriber reads its own rejection queue with its own broker user instead.
 *
 * @example const recent = await peekRejections(amqpUrl, statusNames(gateway).deadLetterQueue, 50);
 */
export async function peekRejections(amqpUrl: string, queue: string, limit = 50): Promise<RejectedStatus[]> {
  let conn: amqp.ChannelModel;
  try {
    conn = await amqp.connect(amqpUrl, { timeout: 5000, clientProperties: { connection_name: "ozg-hub rejections" } });
  } catch (err) {
    throw new Error(`broker unreachable at ${withoutPassword(amqpUrl)}`, { cause: err });
  }
  try {
    const ch = await conn.createChannel();
    const found: RejectedStatus[] = [];
    for (let i = 0; i < limit; i++) {
      const m = await ch.get(queue, { noAck: false });
      if (!m) break;
      const headers = m.properties.headers ?? {};
      const routingKey = String(headers["x-ozg-routing-key"] ?? m.fields.routingKey);
      const body = m.content.toString("utf8");
      let parsed: { id?: unknown; data?: { applicationId?: unknown } } | undefined;
      try {
        parsed = JSON.parse(body);
      } catch {
        // not JSON: shown as text, which is why it was rejected
      }
      found.push({
        tenantId: routingKey.split(".")[0] ?? "",
        routingKey,
        reason: String(headers[REJECTION_HEADER] ?? ""),
        ...(m.properties.messageId ? { messageId: String(m.properties.messageId) } : {}),
        ...(typeof parsed?.id === "string" ? { eventId: parsed.id } : {}),
        ...(typeof parsed?.data?.applicationId === "string" ? { applicationId: parsed.data.applicationId } : {}),
        body,
      });
    }
    await ch.close(); // unacknowledged: every message goes back to the queue
    return found;
  } finally {
    await conn.close().catch(() => {});
  }
}
