import { randomUUID } from "node:crypto";
import type { PortalNotification } from "../../gateway/index.ts";

/** A PDF-looking Bescheid of about `size` bytes, different in every call. */
export function testBescheid(size = 60_000): Buffer {
  return Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.from(randomUUID()), Buffer.alloc(size, 7), Buffer.from("\n%%EOF\n")]);
}

/**
 * A due notification as the core hands it to an adapter's sender: the portal status event with
 * `data` (status and its fields), for an application that came in as `delivery` (channel, source
 * message id, metadata); `deliveryId` where the test has a stored delivery.
 */
export function portalNotification(o: {
  portalId: string;
  channel: string;
  delivery: PortalNotification["delivery"];
  deliveryId?: string;
  data: Record<string, unknown>;
}): PortalNotification {
  const messageId = randomUUID();
  const deliveryId = o.deliveryId ?? randomUUID();
  return {
    messageId,
    deliveryId,
    portalId: o.portalId,
    channel: o.channel,
    attempt: 1,
    payload: {
      specversion: "1.0",
      id: messageId,
      source: "urn:ozg-hub:test",
      type: "de.ozghub.portal.status.v1",
      subject: deliveryId,
      time: new Date().toISOString(),
      datacontenttype: "application/json",
      data: o.data,
    },
    delivery: o.delivery,
  };
}

/** A due `decided` notification with `bescheid` inline, for an application that came in as `delivery`. */
export function decidedNotification(o: { portalId: string; channel: string; bescheid: Buffer; delivery: PortalNotification["delivery"] }): PortalNotification {
  return portalNotification({
    ...o,
    data: {
      status: "decided",
      applicationId: randomUUID(),
      reference: "OZG-2026-000123",
      sourceId: o.delivery.sourceMessageId,
      message: "Der Antrag ist beschieden.",
      document: { name: "bescheid.pdf", contentType: "application/pdf", content: o.bescheid.toString("base64") },
    },
  });
}
