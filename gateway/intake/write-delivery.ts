import type { Sql, TransactionSql } from "postgres";
import type { TransportRecipient } from "../contract.ts";
import type { InterpretationRows } from "../outbox/write.ts";

/** The delivery row as intake writes it, once, with everything known. */
export interface DeliveryRow {
  id: string;
  reference: string;
  channel: string;
  portalId: string;
  sourceMessageId: string | null;
  contentType: string;
  document: Buffer;
  sha256: string;
  size: number;
  metadata: Record<string, unknown>;
  /** The transport's addressing, kept so that a replay routes with what intake routed with. */
  recipient: TransportRecipient | null;
  receivedAt: Date;
}

type Event = InterpretationRows["events"][number];

/**
 * Writes a delivery with its applications (one per record), outbox rows and events in ONE statement
 * (data-modifying CTEs; foreign keys are checked at the end of the statement). Without
 * attachments this statement is the whole transaction: one round trip from request to
 * commit. Written in SQL rather than through drizzle because the query builder cannot put
 * several inserts into one statement, and round trips dominate the cost of an intake.
 *
 * Values are serialised here (JSON text, ISO timestamps): drizzle sets postgres.js to pass
 * json and timestamp parameters through untouched, so that it can serialise them itself.
 */
export async function insertDelivery(sql: Sql | TransactionSql, d: DeliveryRow, rows: InterpretationRows, events: Event[]): Promise<void> {
  const s = rows.delivery;
  const apps = rows.applications.map((a) => ({
    id: a.id,
    delivery_id: a.deliveryId,
    tenant_id: a.tenantId,
    format: a.format,
    leika_key: a.leikaKey ?? null,
    body: a.body,
    created_at: d.receivedAt,
  }));
  const outbox = rows.outbox.map((o) => ({
    message_id: o.messageId,
    delivery_id: o.deliveryId,
    application_id: o.applicationId,
    tenant_id: o.tenantId,
    subscriber_id: o.subscriberId,
    kind: o.kind,
    routing_key: o.routingKey,
    headers: o.headers,
    payload: o.payload,
    created_at: o.createdAt,
    next_attempt_at: o.nextAttemptAt,
  }));
  const evs = events.map((e) => ({ delivery_id: e.deliveryId, at: e.at, type: e.type, detail: e.detail ?? null }));
  await sql`
    with d as (
      insert into deliveries (id, reference, channel, portal_id, source_message_id, content_type, document, sha256, size,
                              metadata, recipient, state, park_reason, tenant_id, format, received_at, state_since)
      values (${d.id}, ${d.reference}, ${d.channel}, ${d.portalId}, ${d.sourceMessageId}, ${d.contentType}, ${d.document},
              ${d.sha256}, ${d.size}, ${JSON.stringify(d.metadata)}::jsonb, ${d.recipient ? JSON.stringify(d.recipient) : null}::jsonb, ${s.state}, ${s.parkReason ? JSON.stringify(s.parkReason) : null}::jsonb,
              ${s.tenantId ?? null}, ${s.format ?? null}, ${d.receivedAt.toISOString()}, ${(s.stateSince ?? d.receivedAt).toISOString()})
    ), a as (
      insert into applications (id, delivery_id, tenant_id, format, leika_key, body, created_at)
      select id, delivery_id, tenant_id, format, leika_key, body, created_at
      from jsonb_populate_recordset(null::applications, ${JSON.stringify(apps)}::jsonb)
    ), o as (
      insert into outbox (message_id, delivery_id, application_id, tenant_id, subscriber_id, kind, routing_key, headers, payload, created_at, next_attempt_at)
      select message_id, delivery_id, application_id, tenant_id, subscriber_id, kind, routing_key, headers, payload, created_at, next_attempt_at
      from jsonb_populate_recordset(null::outbox, ${JSON.stringify(outbox)}::jsonb)
    )
    insert into events (delivery_id, at, type, detail)
    select delivery_id, at, type, detail from jsonb_populate_recordset(null::events, ${JSON.stringify(evs)}::jsonb)`;
}
