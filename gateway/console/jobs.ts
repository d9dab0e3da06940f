import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { messageOf } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { replayDelivery, type ReplayDeps, type ReplayResult } from "../replay.ts";
import { consoleJobs } from "../store/schema.ts";

/** A replay of several deliveries started from the console, with its progress so far. */
export interface ReplayJob {
  id: string;
  actor: string;
  total: number;
  results: ReplayResult[];
  finished: boolean;
}

/**
 * Replays run in the background, one delivery after another (as `replay --all-parked` does), so
 * that the page answers at once. The instance that starts a job works through it and appends
 * each result to `console_jobs`, so that the progress page works on any instance. Should that
 * instance stop midway, the job stays unfinished; what it did is in the timelines, and the rest
 * is still parked and can be replayed again.
 */
export function replayJobs(deps: ReplayDeps, log: Logger) {
  const { db } = deps.store;
  return {
    /** Starts replaying `ids` in order; `after` records each result (the audit log). */
    async start(actor: string, ids: string[], after: (r: ReplayResult) => Promise<unknown>): Promise<string> {
      const id = randomUUID();
      await db.insert(consoleJobs).values({ id, actor, total: ids.length, createdAt: deps.clock() });
      void (async () => {
        for (const deliveryId of ids) {
          const r = await replayDelivery(deps, deliveryId).catch((err: unknown): ReplayResult => {
            log.error({ deliveryId, err: messageOf(err) }, "console replay failed");
            return { kind: "parked", deliveryId, stage: "replay", message: messageOf(err) };
          });
          await after(r).catch((err: unknown) => log.error({ deliveryId, err: messageOf(err) }, "audit of a console replay failed"));
          await db
            .update(consoleJobs)
            .set({ results: sql`${consoleJobs.results} || ${JSON.stringify([r])}::jsonb` })
            .where(eq(consoleJobs.id, id));
        }
        await db.update(consoleJobs).set({ finishedAt: deps.clock() }).where(eq(consoleJobs.id, id));
      })().catch((err: unknown) => log.error({ jobId: id, err: messageOf(err) }, "console replay job stopped"));
      return id;
    },

    async get(id: string): Promise<ReplayJob | undefined> {
      const [row] = await db.select().from(consoleJobs).where(eq(consoleJobs.id, id));
      return row ? { id: row.id, actor: row.actor, total: row.total, results: row.results as ReplayResult[], finished: row.finishedAt !== null } : undefined;
    },
  };
}

export type ReplayJobs = ReturnType<typeof replayJobs>;
