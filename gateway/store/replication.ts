import type { Sql } from "postgres";
import { messageOf } from "../errors.ts";
import type { Logger } from "../logger.ts";

/**
 * Whether a delivery that ozg-hub acknowledged survives a failover of the database. Only a
 * synchronous standby holds every committed transaction before the commit returns; with an
 * asynchronous standby (or none), the deliveries of the last moments before a primary crash
 * are gone from the promoted standby, although their senders got a receipt and subscribers may
 * already have consumed their events.
 */
export interface ReplicationStatus {
  checkedAt: string;
  /** `synchronous_standby_names` of the server connected to ('' = no synchronous replication). */
  synchronousStandbyNames: string;
  /** `synchronous_commit` of ozg-hub's sessions (off / local: commits do not wait for a standby). */
  synchronousCommit: string;
  /** Standbys streaming from this server, and those of them in sync (or quorum) state. */
  standbys: number;
  syncStandbys: number;
  /** Every commit waits for a synchronous standby: nothing acknowledged is lost on failover. */
  lossless: boolean;
  /** The operator accepted the risk in config (`database.acceptAsyncReplication`). */
  acknowledged: boolean;
  /** Why acknowledged deliveries could be lost on failover; absent when lossless or acknowledged. */
  warning?: string;
  /** The check could not run (database unreachable); the previous result is kept beside it. */
  error?: string;
}

/** Reads the replication state of the server that `sql` connects to. */
export async function replicationStatus(sql: Sql, acknowledged: boolean, now: Date = new Date()): Promise<ReplicationStatus> {
  // pg_stat_replication hides sync_state from roles without pg_read_all_stats: then it is null
  // and the standby counts as not in sync, which errs on the side of the warning.
  const [r] = await sql<{ names: string; commit: string; standbys: number; sync: number }[]>`
    select current_setting('synchronous_standby_names') as names,
           current_setting('synchronous_commit') as commit,
           (select count(*)::int from pg_stat_replication) as standbys,
           (select count(*)::int from pg_stat_replication where sync_state in ('sync', 'quorum')) as sync`;
  const waits = ["on", "remote_write", "remote_apply"].includes(r!.commit);
  const lossless = r!.names.trim() !== "" && r!.sync > 0 && waits;
  const why = lossless
    ? undefined
    : r!.standbys === 0
      ? "no standby streams from the database: a failover would lose what it had not yet shipped elsewhere"
      : r!.names.trim() === "" || r!.sync === 0
        ? `${r!.standbys} standby(s), none synchronous: deliveries acknowledged in the last moments before a primary crash can be lost on failover`
        : `synchronous_commit is ${r!.commit}: commits do not wait for the synchronous standby`;
  return {
    checkedAt: now.toISOString(),
    synchronousStandbyNames: r!.names,
    synchronousCommit: r!.commit,
    standbys: r!.standbys,
    syncStandbys: r!.sync,
    lossless,
    acknowledged,
    ...(why && !acknowledged ? { warning: why } : {}),
  };
}

/** Gauges that the monitor keeps (prom-client's). */
export interface ReplicationMetrics {
  replicationLossless: { set(v: number): void };
  replicationSyncStandbys: { set(v: number): void };
}

/**
 * Checks the replication at start and every `intervalMs`: the result is in `current()` (for the
 * console and /admin/replication), in the metrics, and a warning in the log whenever the
 * state changes to one that can lose acknowledged deliveries (not on every check: quiet when
 * nothing changes).
 */
export class ReplicationMonitor {
  private status: ReplicationStatus | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastWarning: string | undefined;

  constructor(
    private readonly sql: Sql,
    private readonly acknowledged: () => boolean,
    private readonly metrics: ReplicationMetrics,
    private readonly log: Logger,
    private readonly intervalMs = 60_000,
  ) {}

  current(): ReplicationStatus | undefined {
    return this.status;
  }

  async check(): Promise<ReplicationStatus | undefined> {
    try {
      const s = await replicationStatus(this.sql, this.acknowledged());
      this.status = s;
      this.metrics.replicationLossless.set(s.lossless ? 1 : 0);
      this.metrics.replicationSyncStandbys.set(s.syncStandbys);
      if (s.warning && s.warning !== this.lastWarning) {
        this.log.warn({ replication: s }, `acknowledged deliveries could be lost on a database failover: ${s.warning}`);
      }
      this.lastWarning = s.warning;
    } catch (err) {
      if (this.status) this.status = { ...this.status, error: messageOf(err) };
    }
    return this.status;
  }

  start(): void {
    void this.check();
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
