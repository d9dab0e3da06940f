import type { Sql, TransactionSql } from "postgres";
import type { TransportRecipient } from "../recipient.ts";
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

/** One delivery with everything intake writes for it. */
export interface DeliveryWrite {
  delivery: DeliveryRow;
  rows: InterpretationRows;
  events: Event[];
}

/**
 * Writes deliveries with their applications (one per record), outbox rows and events in ONE
 * statement (data-modifying CTEs; foreign keys are checked at the end of the statement),
 * however many deliveries there are: without attachments this statement is the whole
 * transaction, one round trip from request (or group of requests) to commit. Written in SQL
 * rather than through drizzle because the query builder cannot put several inserts into one
 * statement, and round trips and statements dominate the cost of an intake.
 *
 * Values are serialised here (JSON text, ISO timestamps, the documents as hex): drizzle
 * sets postgres.js to pass json and timestamp parameters through untouched, so that it can
 * serialise them itself.
 */
export async function insertDeliveries(sql: Sql | TransactionSql, writes: DeliveryWrite[]): Promise<void> {
  const deliveries = [];
  /** Documents (hex) beside the JSON rather than in it: an array parameter, not strings for jsonb to parse. */
  const documents: string[] = [];
  const apps = [];
  const outbox = [];
  /** Payloads as JSON text beside the rows: stored as they are (json), not parsed into the rows' jsonb. */
  const payloads: string[] = [];
  const evs = [];
  for (const { delivery: d, rows, events } of writes) {
    const s = rows.delivery;
    documents.push(d.document.toString("hex"));
    deliveries.push({
      id: d.id,
      reference: d.reference,
      channel: d.channel,
      portal_id: d.portalId,
      source_message_id: d.sourceMessageId,
      content_type: d.contentType,
      sha256: d.sha256,
      size: d.size,
      metadata: d.metadata,
      recipient: d.recipient,
      state: s.state,
      park_reason: s.parkReason ?? null,
      tenant_id: s.tenantId ?? null,
      format: s.format ?? null,
      received_at: d.receivedAt,
      state_since: s.stateSince ?? d.receivedAt,
    });
    for (const a of rows.applications)
      apps.push({
        id: a.id,
        delivery_id: a.deliveryId,
        tenant_id: a.tenantId,
        format: a.format,
        leika_key: a.leikaKey ?? null,
        body: a.body,
        created_at: d.receivedAt,
      });
    for (const o of rows.outbox) {
      payloads.push(JSON.stringify(o.payload));
      outbox.push({
        message_id: o.messageId,
        delivery_id: o.deliveryId,
        application_id: o.applicationId,
        tenant_id: o.tenantId,
        subscriber_id: o.subscriberId,
        kind: o.kind,
        routing_key: o.routingKey,
        headers: o.headers,
        created_at: o.createdAt,
        next_attempt_at: o.nextAttemptAt,
      });
    }
    for (const e of events) evs.push({ delivery_id: e.deliveryId, at: e.at, type: e.type, detail: e.detail ?? null });
  }
  // Deliveries first in the statement's text, and in the order given: events keep their order.
  await sql`
    with d as (
      insert into deliveries (id, reference, channel, portal_id, source_message_id, content_type, document, sha256, size,
                              metadata, recipient, state, park_reason, tenant_id, format, received_at, state_since)
      select r.id, r.reference, r.channel, r.portal_id, r.source_message_id, r.content_type, decode(doc.hex, 'hex'), r.sha256, r.size,
             coalesce(r.metadata, '{}'::jsonb), r.recipient, r.state, r.park_reason, r.tenant_id, r.format, r.received_at, r.state_since
      from jsonb_populate_recordset(null::deliveries, ${JSON.stringify(deliveries)}::jsonb) with ordinality r
      join unnest(${documents}::text[]) with ordinality doc(hex, n) on doc.n = r.ordinality
    ), a as (
      insert into applications (id, delivery_id, tenant_id, format, leika_key, body, created_at)
      select id, delivery_id, tenant_id, format, leika_key, body, created_at
      from jsonb_populate_recordset(null::applications, ${JSON.stringify(apps)}::jsonb)
    ), o as (
      insert into outbox (message_id, delivery_id, application_id, tenant_id, subscriber_id, kind, routing_key, headers, payload, created_at, next_attempt_at)
      select r.message_id, r.delivery_id, r.application_id, r.tenant_id, r.subscriber_id, r.kind, r.routing_key, r.headers, p.text::json,
             r.created_at, r.next_attempt_at
      from jsonb_populate_recordset(null::outbox, ${JSON.stringify(outbox)}::jsonb) with ordinality r
      join unnest(${payloads}::text[]) with ordinality p(text, n) on p.n = r.ordinality
    )
    insert into events (delivery_id, at, type, detail)
    select delivery_id, at, type, detail from jsonb_populate_recordset(null::events, ${JSON.stringify(evs)}::jsonb)`;
}
