import { randomUUID } from "node:crypto";
import { messageOf } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { replayDelivery, type ReplayDeps, type ReplayResult } from "../replay.ts";

/** A replay of several deliveries started from the console, with its progress so far. */
export interface ReplayJob {
  id: string;
  actor: string;
  total: number;
  results: ReplayResult[];
  finished: boolean;
}

/** Finished jobs kept for their progress page; older ones are forgotten. */
const KEEP = 50;

/**
 * Replays run in the background, one delivery after another (as `replay --all-parked` does), so
 * that the page answers at once and shows progress while they run. Jobs live in the process that
 * started them; each replay itself is in the store (timeline and audit log) like any other.
 */
export function replayJobs(deps: ReplayDeps, log: Logger) {
  const jobs = new Map<string, ReplayJob>();
  return {
    /** Starts replaying `ids` in order; `after` records each result (the audit log). */
    start(actor: string, ids: string[], after: (r: ReplayResult) => Promise<unknown>): ReplayJob {
      const job: ReplayJob = { id: randomUUID(), actor, total: ids.length, results: [], finished: false };
      jobs.set(job.id, job);
      for (const id of [...jobs.keys()].slice(0, Math.max(0, jobs.size - KEEP))) if (jobs.get(id)!.finished) jobs.delete(id);
      void (async () => {
        for (const id of ids) {
          const r = await replayDelivery(deps, id).catch((err: unknown): ReplayResult => {
            log.error({ deliveryId: id, err: messageOf(err) }, "console replay failed");
            return { kind: "parked", deliveryId: id, stage: "replay", message: messageOf(err) };
          });
          await after(r).catch((err: unknown) => log.error({ deliveryId: id, err: messageOf(err) }, "audit of a console replay failed"));
          job.results.push(r);
        }
        job.finished = true;
      })();
      return job;
    },
    get: (id: string) => jobs.get(id),
  };
}

export type ReplayJobs = ReturnType<typeof replayJobs>;
