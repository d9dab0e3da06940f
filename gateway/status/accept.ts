import { createHash, randomUUID } from "node:crypto";
import type { PortalConfig } from "../config/schema.ts";
import type { PortalNotification, WayBack, WayBackChoice } from "../contract.ts";
import type { Runtime } from "../runtime.ts";
import type { Store } from "../store/db.ts";
import { PORTAL_STATUS_EVENT_TYPE, statusEventSchema, type PortalStatusEvent, type StatusData } from "../events/status-event.ts";

/**
 * What became of one status event from a subscriber.
 *
 * | kind      | broker side                                           |
 * |-----------|-------------------------------------------------------|
 * | accepted  | ack; stored, on the timeline, notification queued     |
 * | duplicate | ack; the same source + id was accepted before          |
 * | rejected  | to the status dead-letter queue with `reason`, ack     |
 */
export type StatusOutcome =
  | { kind: "accepted"; reportId: string; deliveryId: string; notification: { channel: string; state: string } }
  | { kind: "duplicate"; deliveryId: string }
  | { kind: "rejected"; reason: string };

/** The adapters' ways back, by the channel the application came in over. */
export type WayBacks = ReadonlyMap<string, WayBack>;

/** How the status travels back to the portal: the choice of the adapter it came in by, else parked. */
export function chooseWayBack(wayBacks: WayBacks, portal: PortalConfig | undefined, delivery: PortalNotification["delivery"]): WayBackChoice {
  const wayBack = wayBacks.get(delivery.channel);
  return wayBack ? wayBack.choose(portal, delivery) : { channel: "parked", state: "parked", reason: `no way back over ${delivery.channel}` };
}

/**
 * Validates a status event and stores it with its timeline event and the portal notification,
 * in one transaction. The tenant is the first segment of the routing key, which the broker's
 * topic permissions tie to the publishing user; an application of another tenant is refused
 * like an unknown one, so that ids cannot be probed.
 */
export async function acceptStatus(
  store: Store,
  runtime: Runtime,
  wayBacks: WayBacks,
  now: Date,
  msg: { routingKey: string; body: Buffer },
): Promise<StatusOutcome> {
  const [tenantId, subscriberId, ...rest] = msg.routingKey.split(".");
  const tenant = runtime.config.tenants.find((t) => t.id === tenantId);
  if (!tenant || !subscriberId || rest.length > 0 || !tenant.subscribers.some((s) => s.id === subscriberId)) {
    return { kind: "rejected", reason: `routing key ${msg.routingKey} is not <tenant>.<subscriber> of a configured subscriber` };
  }
  let json: unknown;
  try {
    json = JSON.parse(msg.body.toString("utf8"));
  } catch {
    return { kind: "rejected", reason: "body is not JSON" };
  }
  const parsed = statusEventSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    return { kind: "rejected", reason: `not a valid status event: ${issues.join("; ")}` };
  }
  const event = parsed.data;
  const { sql } = store;

  return sql.begin(async (tx) => {
    const [app] = await tx<
      {
        delivery_id: string;
        channel: string;
        portal_id: string;
        reference: string;
        source_message_id: string | null;
        metadata: Record<string, unknown> | null;
      }[]
    >`
      select a.delivery_id, d.channel, d.portal_id, d.reference, d.source_message_id, d.metadata
        from applications a join deliveries d on d.id = a.delivery_id
       where a.id = ${event.data.applicationId} and a.tenant_id = ${tenant.id}`;
    if (!app) return { kind: "rejected", reason: `no application ${event.data.applicationId} for tenant ${tenant.id}` } as const;

    const reportId = randomUUID();
    const { document, ...data } = event.data as StatusData & { document?: { name: string; contentType: string; content: string } };
    const bytes = document ? Buffer.from(document.content, "base64") : null;
    const docInfo =
      document && bytes
        ? { name: document.name, contentType: document.contentType, size: bytes.byteLength, sha256: createHash("sha256").update(bytes).digest("hex") }
        : undefined;
    const stored = { ...data, ...(docInfo ? { document: docInfo } : {}) };
    const at = now.toISOString();
    const inserted = await tx<{ id: string }[]>`
      insert into status_reports (id, tenant_id, subscriber_id, source, event_id, application_id, delivery_id, status, data, document, received_at)
      values (${reportId}, ${tenant.id}, ${subscriberId}, ${event.source}, ${event.id}, ${event.data.applicationId}, ${app.delivery_id},
              ${event.data.status}, ${JSON.stringify(stored)}::jsonb, ${bytes}, ${at})
      on conflict (tenant_id, source, event_id) do nothing returning id`;
    if (inserted.length === 0) return { kind: "duplicate", deliveryId: app.delivery_id } as const;

    const portal = runtime.portals.byId(app.portal_id);
    const way = chooseWayBack(wayBacks, portal, { channel: app.channel, sourceMessageId: app.source_message_id, metadata: app.metadata });
    const payload: PortalStatusEvent = {
      specversion: "1.0",
      id: reportId,
      source: `urn:ozg-hub:${runtime.config.gateway.instance}`,
      type: PORTAL_STATUS_EVENT_TYPE,
      subject: app.delivery_id,
      time: at,
      datacontenttype: "application/json",
      data: {
        deliveryId: app.delivery_id,
        reference: app.reference,
        sourceId: app.source_message_id,
        ...data,
        ...(docInfo && document ? { document: { ...docInfo, content: document.content } } : {}),
      },
    };
    const events = [
      { type: "status", detail: { ...stored, subscriber: subscriberId, source: event.source, eventId: event.id } },
      way.state === "parked"
        ? { type: "notification-parked", detail: { messageId: reportId, status: event.data.status, reason: way.reason } }
        : { type: "notification-queued", detail: { messageId: reportId, status: event.data.status, channel: way.channel, portal: app.portal_id } },
    ].map((e) => ({ delivery_id: app.delivery_id, at, type: e.type, detail: e.detail }));
    await tx`
      insert into portal_notifications (message_id, delivery_id, status_report_id, portal_id, channel, state, reason, payload, created_at, next_attempt_at)
      values (${reportId}, ${app.delivery_id}, ${reportId}, ${app.portal_id}, ${way.channel}, ${way.state}, ${way.state === "parked" ? way.reason : null}, ${JSON.stringify(payload)}::jsonb, ${at}, ${at})`;
    await tx`insert into events (delivery_id, at, type, detail) select delivery_id, at, type, detail from jsonb_populate_recordset(null::events, ${JSON.stringify(events)}::jsonb)`;
    return { kind: "accepted", reportId, deliveryId: app.delivery_id, notification: { channel: way.channel, state: way.state } } as const;
  });
}
