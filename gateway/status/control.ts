import type { Store } from "../store/db.ts";
import { deliveryStatus, type DeliveryStatus } from "./query.ts";

/**
 * What a sender may do with a delivery after intake: cancel it while no subscriber has it yet.
 *
 * | kind      | meaning                                                         |
 * |-----------|-----------------------------------------------------------------|
 * | cancelled | nothing was handed out; the delivery is `cancelled`, its open outbox rows removed |
 * | unknown   | no such delivery for this portal                                 |
 * | denied    | at least one subscriber has it, fetched it from its mailbox, or is being handed it right now |
 */
export type CancelResult =
  { kind: "cancelled"; deliveryId: string } | { kind: "unknown" } | { kind: "denied"; deliveryId: string; state: string; reason: string };

/** Ways to find a delivery: ozg-hub's id or the sender's own id (its protocol's message id, an Idempotency-Key). */
export type DeliveryRef = { deliveryId: string } | { sourceMessageId: string };

/**
 * Status and cancellation of deliveries, scoped to the portal that delivered them.
 *
 * @example
 * const control = deliveryControl(store, clock);
 * await control.cancel({ sourceMessageId: "urn:example:message:1" }, "formsolutions");
 */
export function deliveryControl(store: Store, clock: () => Date) {
  const { sql } = store;

  async function resolve(ref: DeliveryRef, portalId: string): Promise<string | undefined> {
    if ("deliveryId" in ref) return ref.deliveryId;
    const [row] = await sql<{ id: string }[]>`
      select id from deliveries where portal_id = ${portalId} and source_message_id = ${ref.sourceMessageId}`;
    return row?.id;
  }

  return {
    /**
     * The delivery's status with the protocol metadata it was received with, and its outbox
     * rows counted: `handedOut` subscribers have it, `waiting` do not yet. The rows are the
     * source of truth for "has everybody got it"; the delivery's state follows them.
     */
    async status(
      ref: DeliveryRef,
      portalId: string,
    ): Promise<(DeliveryStatus & { metadata: Record<string, unknown>; handedOut: number; waiting: number }) | undefined> {
      const id = await resolve(ref, portalId);
      const status = id ? await deliveryStatus(store.db, id, portalId) : undefined;
      if (!status) return undefined;
      // As text: the store's client leaves JSON parsing to drizzle.
      const [row] = await sql<{ metadata: string; handed_out: string; waiting: string }[]>`
        select d.metadata::text as metadata,
               (select count(*) from outbox o where o.delivery_id = d.id and o.published_at is not null) as handed_out,
               (select count(*) from outbox o where o.delivery_id = d.id and o.published_at is null) as waiting
        from deliveries d where d.id = ${status.deliveryId}`;
      return {
        ...status,
        metadata: row ? (JSON.parse(row.metadata) as Record<string, unknown>) : {},
        handedOut: Number(row?.handed_out ?? 0),
        waiting: Number(row?.waiting ?? 0),
      };
    },

    async cancel(ref: DeliveryRef, portalId: string): Promise<CancelResult> {
      const id = await resolve(ref, portalId);
      if (!id) return { kind: "unknown" };
      return sql.begin(async (tx) => {
        const [d] = await tx<{ id: string; state: string }[]>`
          select id, state from deliveries where id = ${id}::uuid and portal_id = ${portalId} for update`.catch(() => []);
        if (!d) return { kind: "unknown" } as const;
        if (d.state === "cancelled") return { kind: "cancelled", deliveryId: d.id } as const;
        if (d.state === "published") return { kind: "denied", deliveryId: d.id, state: d.state, reason: "already handed to its subscribers" } as const;
        // NOWAIT: a row the relay has claimed is being published right now; that is too late.
        const rows = await tx<{ id: string; published_at: Date | null }[]>`
          select id, published_at from outbox where delivery_id = ${d.id} for update nowait`.catch((err: { code?: string }) => {
          if (err.code === "55P03") return "locked" as const;
          throw err;
        });
        if (rows === "locked" || rows.some((r) => r.published_at !== null)) {
          return { kind: "denied", deliveryId: d.id, state: d.state, reason: "handed to at least one subscriber" } as const;
        }
        // A mailbox subscriber that fetched the message holds it, although it counts as
        // delivered only after its `close`; cancelling now would make that close fail.
        const [fetched] = await tx`select 1 from events where delivery_id = ${d.id} and type = 'fetched' limit 1`;
        if (fetched) return { kind: "denied", deliveryId: d.id, state: d.state, reason: "fetched by at least one mailbox subscriber" } as const;
        const at = clock().toISOString();
        // The open rows go: a cancelled delivery must never reach a subscriber later (no relay, no mailbox).
        await tx`delete from outbox where delivery_id = ${d.id}`;
        await tx`update deliveries set state = 'cancelled', state_since = ${at} where id = ${d.id}`;
        await tx`insert into events (delivery_id, at, type, detail) values (${d.id}, ${at}, 'cancelled', ${JSON.stringify({ by: portalId, previousState: d.state, outboxRows: rows.length })}::jsonb)`;
        return { kind: "cancelled", deliveryId: d.id } as const;
      });
    },
  };
}

export type DeliveryControl = ReturnType<typeof deliveryControl>;
