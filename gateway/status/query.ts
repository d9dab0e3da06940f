import { and, asc, eq, sql, type SQL } from "drizzle-orm";
import type { Db } from "../store/db.ts";
import { applications, deliveries, events, statusReports } from "../store/schema.ts";

/** A delivery's state and timeline, as its sender may see it. */
export interface DeliveryStatus {
  deliveryId: string;
  reference: string;
  /** The adapter it came through (`Channel`). */
  channel: string;
  sourceMessageId: string | null;
  state: string;
  stateSince: Date;
  receivedAt: Date;
  tenantId: string | null;
  format: string | null;
  parkReason: { stage: string; message: string } | null;
  /** The applications made of the delivery, one per record, each with its own tenant. */
  applications?: { id: string; tenantId: string; leikaKey: string | null }[];
  timeline: { at: Date; type: string; detail: Record<string, unknown> | null }[];
  /** Status reports of the subscribers, oldest first (see the status event contract). */
  statuses: StatusReport[];
}

/** One status reported by a subscriber; the Bescheid only described (its bytes are fetched apart). */
export interface StatusReport {
  id: string;
  at: Date;
  applicationId: string;
  status: string;
  subscriber: string;
  /** caseReference, message, question, reason and the document's name, contentType, size, sha256, as reported. */
  detail: Record<string, unknown>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A delivery with its timeline; `portalId` scopes it to the sender (others get undefined, not an
 * error). `id` is the delivery's id (the receipt's `vorgangId`/`id`) or the id of one of its
 * applications (an event's `id` and `data.id`, a status's `applicationId`): both name the same
 * delivery, and a reader holding either should not get a 404.
 */
export async function deliveryStatus(db: Db, id: string, portalId?: string): Promise<DeliveryStatus | undefined> {
  if (!UUID.test(id)) return undefined;
  const ofPortal = (where: SQL) => (portalId ? and(where, eq(deliveries.portalId, portalId)) : where);
  let [d] = await db
    .select()
    .from(deliveries)
    .where(ofPortal(eq(deliveries.id, id)));
  if (!d) {
    [d] = await db
      .select({ delivery: deliveries })
      .from(applications)
      .innerJoin(deliveries, eq(deliveries.id, applications.deliveryId))
      .where(ofPortal(eq(applications.id, id)))
      .then((rows) => rows.map((r) => r.delivery));
  }
  if (!d) return undefined;
  const deliveryId = d.id;
  const timeline = await db
    .select({ at: events.at, type: events.type, detail: events.detail })
    .from(events)
    .where(eq(events.deliveryId, deliveryId))
    .orderBy(asc(events.id));
  const reports = await db
    .select({
      id: statusReports.id,
      at: statusReports.receivedAt,
      applicationId: statusReports.applicationId,
      status: statusReports.status,
      subscriber: statusReports.subscriberId,
      data: statusReports.data,
    })
    .from(statusReports)
    .where(eq(statusReports.deliveryId, deliveryId))
    .orderBy(asc(statusReports.receivedAt));
  const apps = await applicationsOf(db, deliveryId);
  return {
    deliveryId: d.id,
    reference: d.reference,
    channel: d.channel,
    sourceMessageId: d.sourceMessageId,
    state: d.state,
    stateSince: d.stateSince,
    receivedAt: d.receivedAt,
    tenantId: d.tenantId,
    format: d.format,
    parkReason: d.parkReason ? { stage: d.parkReason.stage, message: d.parkReason.message } : null,
    applications: apps,
    timeline,
    statuses: reports.map(({ data, ...r }) => {
      const { status: _s, applicationId: _a, ...detail } = data;
      return { ...r, detail };
    }),
  };
}

/** A delivery's applications in the order of the records they were made of. */
export async function applicationsOf(db: Db, deliveryId: string): Promise<{ id: string; tenantId: string; leikaKey: string | null }[]> {
  return db
    .select({ id: applications.id, tenantId: applications.tenantId, leikaKey: applications.leikaKey })
    .from(applications)
    .where(eq(applications.deliveryId, deliveryId))
    .orderBy(sql`(${applications.body}->'content'->'record'->>'index')::int nulls first`, asc(applications.id));
}
