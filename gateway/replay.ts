import { and, asc, eq } from "drizzle-orm";
import type { TransportRecipient } from "./recipient.ts";
import { interpret } from "./intake/interpret.ts";
import type { Logger } from "./logger.ts";
import { parseDocument, type AttachmentInfo } from "./mapping/engine.ts";
import { writeInterpretation, type Interpretation } from "./outbox/write.ts";
import type { Runtime } from "./runtime.ts";
import type { Store } from "./store/db.ts";
import { attachments, deliveries, events } from "./store/schema.ts";

/**
 * Replay: mapping and routing again for a parked delivery, after its mapping or the routing
 * config was fixed. Each replay is one transaction that locks the delivery row `FOR UPDATE` and
 * acts only while the delivery is still parked, and it ends in `writeInterpretation`, the same
 * path intake takes: so two replays racing each other, or a replay of a delivery that has since
 * been routed, can never write a second application or a second set of outbox rows.
 */
export type ReplayResult =
  /** Mapped and routed now; `outboxRows` messages are on their way. */
  | { kind: "routed"; deliveryId: string; format: string; tenantId: string; outboxRows: number }
  /** Replayed, but still unmappable or unroutable; the park reason is updated. */
  | { kind: "parked"; deliveryId: string; stage: string; message: string }
  /** Not parked (already routed, published, or replayed by someone else): nothing done. */
  | { kind: "not_parked"; deliveryId: string; state: string }
  | { kind: "not_found"; deliveryId: string };

export interface ReplayDeps {
  store: Store;
  runtime: () => Runtime;
  clock: () => Date;
  log?: Logger;
  /** Called after a commit that wrote outbox rows (wakes the relay in a running process). */
  onCommitted?: () => void;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The transport addressing of a stored delivery: what intake stored for every channel. For
 * deliveries stored before the recipient had a column of its own, the adapters read it from the
 * protocol metadata they stored then (`AdapterConfigSpec.storedRecipient`).
 */
function transportRecipient(runtime: Runtime, stored: TransportRecipient | null, metadata: Record<string, unknown>): TransportRecipient | undefined {
  if (stored && Object.keys(stored).length > 0) return stored;
  return runtime.spec.storedRecipient(metadata);
}

/**
 * Replays one parked delivery; see the module comment for why it cannot publish twice.
 * `actor` names who asked for it on the timeline's `replayed` entry (e.g. `"anna (cli)"`).
 */
export async function replayDelivery(deps: ReplayDeps, deliveryId: string, opts: { actor?: string } = {}): Promise<ReplayResult> {
  if (!UUID.test(deliveryId)) return { kind: "not_found", deliveryId };
  const runtime = deps.runtime();
  const now = deps.clock();
  let result: ReplayResult = { kind: "not_found", deliveryId };
  await deps.store.db.transaction(async (tx) => {
    const [d] = await tx.select().from(deliveries).where(eq(deliveries.id, deliveryId)).for("update");
    if (!d) return;
    if (d.state !== "parked") {
      result = { kind: "not_parked", deliveryId, state: d.state };
      return;
    }
    const stored: AttachmentInfo[] = (await tx.select().from(attachments).where(eq(attachments.deliveryId, deliveryId)).orderBy(asc(attachments.position))).map(
      (a) => ({ id: a.id, name: a.name, contentType: a.contentType, ...(a.group ? { group: a.group } : {}), size: a.size, sha256: a.sha256 ?? "" }),
    );

    const contentType = d.contentType ?? "application/octet-stream";
    const parsed = parseDocument(d.document ?? new Uint8Array(), contentType, runtime.config.gateway.limits);
    // The previous mapping is pinned again when it still exists (it was either pinned by the
    // adapter or portal, or chosen by match rules); otherwise the rules choose afresh.
    const format = d.format && runtime.mappings.get(d.format) ? d.format : runtime.portals.byId(d.portalId)?.mapping;
    const interpretation: Interpretation = parsed.ok
      ? await interpret(runtime, {
          channel: d.channel,
          portalId: d.portalId,
          contentType,
          format,
          sourceMessageId: d.sourceMessageId,
          receivedAt: d.receivedAt,
          metadata: d.metadata,
          attachments: stored,
          document: parsed.document,
          xml: parsed.xml,
          documentWarning: parsed.warning,
          recipient: transportRecipient(runtime, d.recipient, d.metadata),
          forms: runtime.portals.byId(d.portalId)?.forms,
        })
      : { kind: "parked", stage: "mapping", message: `document cannot be parsed: ${parsed.detail}` };

    await tx.insert(events).values({
      deliveryId,
      at: now,
      type: "replayed",
      detail: {
        previous: d.parkReason ?? null,
        result: interpretation.kind,
        ...(interpretation.format ? { format: interpretation.format } : {}),
        ...(opts.actor ? { actor: opts.actor } : {}),
      },
    });
    const written = await writeInterpretation(
      tx,
      runtime.config,
      { id: d.id, reference: d.reference, receivedAt: d.receivedAt, contentType: d.contentType, sha256: d.sha256 },
      interpretation,
      now,
    );
    result =
      interpretation.kind === "routed"
        ? {
            kind: "routed",
            deliveryId,
            format: interpretation.format,
            tenantId: [...new Set(interpretation.applications.map((a) => a.tenant.id))].join(","),
            outboxRows: written.outboxRows,
          }
        : { kind: "parked", deliveryId, stage: interpretation.stage, message: interpretation.message };
  });
  const r = result as ReplayResult;
  if (r.kind === "routed" && r.outboxRows > 0) deps.onCommitted?.();
  if (r.kind === "parked") deps.log?.warn({ deliveryId, stage: r.stage, reason: r.message }, "replayed delivery is still parked");
  return r;
}

/** Replays every parked delivery, oldest first, optionally only those of one format. */
export async function replayAllParked(
  deps: ReplayDeps,
  opts: { format?: string; actor?: string; onResult?: (r: ReplayResult, done: number, total: number) => void } = {},
): Promise<ReplayResult[]> {
  const where = opts.format ? and(eq(deliveries.state, "parked"), eq(deliveries.format, opts.format)) : eq(deliveries.state, "parked");
  const parked = await deps.store.db.select({ id: deliveries.id }).from(deliveries).where(where).orderBy(asc(deliveries.receivedAt));
  const results: ReplayResult[] = [];
  // One at a time: a replay is cheap, and sequential replays keep the pool free for intake.
  for (const p of parked) {
    const r = await replayDelivery(deps, p.id, { actor: opts.actor });
    results.push(r);
    opts.onResult?.(r, results.length, parked.length);
  }
  return results;
}
