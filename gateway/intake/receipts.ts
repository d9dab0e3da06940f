import { randomBytes } from "node:crypto";
import { and, asc, eq, gt, isNotNull } from "drizzle-orm";
import type { Channel, Receipt } from "../contract.ts";
import type { Db } from "../store/db.ts";
import { applicationsOf } from "../status/query.ts";
import { attachments, deliveries } from "../store/schema.ts";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; // Crockford base32: no I, L, O, U

/** A short reference a citizen can read out on the phone, e.g. `7KQ2-M9XD`. */
export function newReference(): string {
  const bytes = randomBytes(8);
  let s = "";
  for (let i = 0; i < 8; i++) s += ALPHABET[bytes[i]! & 31];
  return `${s.slice(0, 4)}-${s.slice(4)}`;
}

/** The delivery a portal sent under its own id: at most one (unique index). */
const bySource = (portalId: string, sourceMessageId: string) => and(eq(deliveries.portalId, portalId), eq(deliveries.sourceMessageId, sourceMessageId));

export async function findReceipt(db: Db, portalId: string, sourceMessageId: string): Promise<Receipt | undefined> {
  const [row] = await db
    .select({
      deliveryId: deliveries.id,
      reference: deliveries.reference,
      sourceMessageId: deliveries.sourceMessageId,
      receivedAt: deliveries.receivedAt,
      state: deliveries.state,
    })
    .from(deliveries)
    .where(bySource(portalId, sourceMessageId));
  if (!row) return undefined;
  const applications = (await applicationsOf(db, row.deliveryId)).map((a) => ({ id: a.id, tenantId: a.tenantId }));
  // A repeat is answered with the receipt as first given: the state it was accepted in.
  return { ...row, state: row.state === "parked" ? "parked" : "routed", applications };
}

/** When a delivery was received and the protocol metadata stored with it (e.g. for a protocol's receipt of it). */
export async function findDeliveryMetadata(
  db: Db,
  portalId: string,
  sourceMessageId: string,
): Promise<{ receivedAt: Date; metadata: Record<string, unknown> } | undefined> {
  const [row] = await db
    .select({ receivedAt: deliveries.receivedAt, metadata: deliveries.metadata })
    .from(deliveries)
    .where(bySource(portalId, sourceMessageId));
  return row ? { receivedAt: row.receivedAt, metadata: (row.metadata ?? {}) as Record<string, unknown> } : undefined;
}

/** What a delivery's content is, to tell a repeat from a change: the document's and each attachment's sha256, in order. */
export interface ContentHashes {
  document: string;
  attachments: string[];
}

export async function storedHashes(db: Db, deliveryId: string): Promise<ContentHashes> {
  const [d] = await db.select({ sha256: deliveries.sha256 }).from(deliveries).where(eq(deliveries.id, deliveryId));
  const rows = await db.select({ sha256: attachments.sha256 }).from(attachments).where(eq(attachments.deliveryId, deliveryId)).orderBy(attachments.position);
  return { document: d?.sha256 ?? "", attachments: rows.map((r) => r.sha256 ?? "") };
}

export const sameHashes = (a: ContentHashes, b: ContentHashes): boolean =>
  a.document === b.document && a.attachments.length === b.attachments.length && a.attachments.every((h, i) => h === b.attachments[i]);

/**
 * The deliveries a portal sent on a channel under its own ids, oldest first, received after
 * `receivedAfter` when given, at most `limit` (e.g. for OSCI process cards selected by date).
 */
export async function findDeliveriesOf(
  db: Db,
  portalId: string,
  channel: Channel,
  opts: { receivedAfter?: Date; limit: number },
): Promise<{ sourceMessageId: string; receivedAt: Date; metadata: Record<string, unknown> }[]> {
  const rows = await db
    .select({ sourceMessageId: deliveries.sourceMessageId, receivedAt: deliveries.receivedAt, metadata: deliveries.metadata })
    .from(deliveries)
    .where(
      and(
        eq(deliveries.portalId, portalId),
        eq(deliveries.channel, channel),
        isNotNull(deliveries.sourceMessageId),
        opts.receivedAfter ? gt(deliveries.receivedAt, opts.receivedAfter) : undefined,
      ),
    )
    .orderBy(asc(deliveries.receivedAt))
    .limit(opts.limit);
  return rows.map((r) => ({ sourceMessageId: r.sourceMessageId!, receivedAt: r.receivedAt, metadata: (r.metadata ?? {}) as Record<string, unknown> }));
}

/** True for Postgres' unique violation on the (portal, source message id) index. */
export function isDuplicateSource(err: unknown): boolean {
  for (let e = err as { code?: string; constraint_name?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === "23505" && e.constraint_name === "deliveries_portal_source_uq") return true;
  }
  return false;
}
