import type { Sql, TransactionSql } from "postgres";

export interface GroupCommitSettings {
  /** Most writes in one transaction. */
  maxBatch: number;
  /** How long a write may wait for others to join while earlier groups are still committing. */
  windowMs: number;
  /** Groups committing at the same time (each holds one connection). */
  maxGroups: number;
}

interface Pending {
  work: (sql: Sql | TransactionSql) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Lets concurrent writes share one transaction: a write that arrives while the database is idle
 * runs at once on its own (no extra latency when there is no load); writes that arrive while
 * earlier groups are committing gather for at most `windowMs` or `maxBatch` writes, then commit
 * together. Each write runs in a savepoint of the shared transaction, so one that fails (a
 * duplicate, say) is rolled back alone and rejects only its own caller; the others commit.
 * Every caller's promise settles only after the transaction that holds its rows committed.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private windowOver = false;

  constructor(
    private readonly sql: Sql,
    private readonly settings: () => GroupCommitSettings,
    private readonly onGroup: (size: number) => void = () => {},
  ) {}

  /** Runs `work` (which must issue its statements on the given connection) in the next group. */
  run<T>(work: (sql: Sql | TransactionSql) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  private pump(): void {
    const s = this.settings();
    while (this.queue.length > 0 && this.running < s.maxGroups) {
      // Idle database: go now. Busy: wait for company, up to the window or a full batch.
      if (this.running > 0 && this.queue.length < s.maxBatch && !this.windowOver) {
        this.timer ??= setTimeout(() => {
          this.timer = undefined;
          this.windowOver = true;
          this.pump();
        }, s.windowMs);
        return;
      }
      clearTimeout(this.timer);
      this.timer = undefined;
      this.windowOver = false;
      const group = this.queue.splice(0, s.maxBatch);
      this.running++;
      void this.commit(group).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async commit(group: Pending[]): Promise<void> {
    this.onGroup(group.length);
    if (group.length === 1) {
      // Alone: the statement is its own transaction, one round trip.
      const only = group[0]!;
      await only.work(this.sql).then(only.resolve, only.reject);
      return;
    }
    const outcomes: ({ ok: true; value: unknown } | { ok: false; err: unknown })[] = [];
    try {
      await this.sql.begin(async (tx) => {
        // One after another: savepoints on one connection must not interleave.
        for (const p of group) {
          try {
            outcomes.push({ ok: true, value: await tx.savepoint((sp) => p.work(sp)) });
          } catch (err) {
            outcomes.push({ ok: false, err });
          }
        }
      });
    } catch (err) {
      for (const p of group) p.reject(err); // the commit failed: nobody's rows are stored
      return;
    }
    group.forEach((p, i) => {
      const o = outcomes[i]!;
      if (o.ok) p.resolve(o.value);
      else p.reject(o.err);
    });
  }
}
