import type { Store } from "./store/db.ts";

/** The states whose deliveries are finished: nothing more will happen to them. */
const FINISHED = ["published", "cancelled"];

export interface PurgeResult {
  /** Deliveries deleted (or, in a dry run, that would be). */
  deliveries: number;
  /** Their attachment bytes. */
  attachmentBytes: number;
}

/**
 * Deletes finished deliveries (published or cancelled) received and finished before `before`,
 * with everything that hangs on them: application, attachments and their bytes, outbox rows,
 * timeline (foreign keys cascade). Parked and routed deliveries are never touched: they still
 * wait for an operator or a subscriber. Works in batches of `batch` deliveries, one transaction
 * each, so that a large purge holds no long locks and can be stopped at any point.
 */
export async function purgeDeliveries(
  store: Store,
  o: { before: Date; batch?: number; dryRun?: boolean; /** After each committed batch, with the totals so far. */ onBatch?: (soFar: PurgeResult) => void },
): Promise<PurgeResult> {
  const { sql } = store;
  const before = o.before.toISOString();
  const batch = o.batch ?? 500;
  // received_at is implied by state_since (never earlier) and there for its index.
  const finished = sql`received_at < ${before} and state = any(${FINISHED}::text[]) and state_since < ${before}`;
  if (o.dryRun) {
    const [r] = await sql<{ n: number; bytes: string }[]>`
      with doomed as (select id from deliveries where ${finished})
      select (select count(*)::int from doomed) as n,
             (select coalesce(sum(size), 0) from attachments where delivery_id in (select id from doomed)) as bytes`;
    return { deliveries: r!.n, attachmentBytes: Number(r!.bytes) };
  }
  const total: PurgeResult = { deliveries: 0, attachmentBytes: 0 };
  for (;;) {
    const [r] = await sql<{ n: number; bytes: string }[]>`
      with doomed as (
        select id from deliveries where ${finished}
        order by received_at
        limit ${batch}
        for update skip locked
      ), sizes as (
        select coalesce(sum(size), 0) as bytes from attachments where delivery_id in (select id from doomed)
      ), gone as (
        delete from deliveries where id in (select id from doomed) returning 1
      )
      select (select count(*)::int from gone) as n, (select bytes from sizes) as bytes`;
    total.deliveries += r!.n;
    total.attachmentBytes += Number(r!.bytes);
    if (r!.n > 0) o.onBatch?.({ ...total });
    if (r!.n < batch) return total;
  }
}
