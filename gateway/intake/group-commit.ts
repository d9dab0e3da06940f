import type { Sql, TransactionSql } from "postgres";

export interface GroupCommitSettings {
  /** Most writes in one transaction. */
  maxBatch: number;
  /** How long a write may wait for others to join while earlier groups are still committing. */
  windowMs: number;
  /** Groups committing at the same time (each holds one connection). */
  maxGroups: number;
}

/** Writes the given items; for more than one, in one statement (so that it is its own transaction). */
export type WriteMany<T> = (sql: Sql | TransactionSql, items: T[]) => Promise<unknown>;

interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Lets concurrent writes share one statement: a write that arrives while the database is idle
 * runs at once on its own (no extra latency when there is no load); writes that arrive while
 * earlier groups are committing gather for at most `windowMs` or `maxBatch` writes, then are
 * written together by one `write` call, one round trip and one commit for the group. If that
 * statement fails (a duplicate among them, say), nothing of it is stored and the group is
 * written again one by one, each in a savepoint of one transaction, so that the failing write
 * is rolled back alone and rejects only its own caller; the others commit. Every caller's
 * promise settles only after the transaction that holds its rows committed.
 */
export class GroupCommit<T> {
  private queue: Pending<T>[] = [];
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private windowOver = false;

  constructor(
    private readonly sql: Sql,
    private readonly settings: () => GroupCommitSettings,
    private readonly write: WriteMany<T>,
    private readonly onGroup: (size: number) => void = () => {},
  ) {}

  /** Writes `item` with the next group; resolves once it is committed. */
  run(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
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

  private async commit(group: Pending<T>[]): Promise<void> {
    this.onGroup(group.length);
    try {
      // One statement without a transaction around it: one round trip, committed on success.
      await this.write(
        this.sql,
        group.map((p) => p.item),
      );
    } catch (err) {
      if (group.length === 1) group[0]!.reject(err);
      else await this.oneByOne(group);
      return;
    }
    for (const p of group) p.resolve();
  }

  /** The group's statement failed: each write in a savepoint of its own, so only the failing ones fail. */
  private async oneByOne(group: Pending<T>[]): Promise<void> {
    const outcomes: unknown[] = [];
    try {
      await this.sql.begin(async (tx) => {
        // One after another: savepoints on one connection must not interleave.
        for (const p of group) {
          try {
            await tx.savepoint((sp) => this.write(sp, [p.item]));
            outcomes.push(undefined);
          } catch (err) {
            outcomes.push(err ?? new Error("write failed"));
          }
        }
      });
    } catch (err) {
      for (const p of group) p.reject(err); // the commit failed: nobody's rows are stored
      return;
    }
    group.forEach((p, i) => {
      const err = outcomes[i];
      if (err === undefined) p.resolve();
      else p.reject(err);
    });
  }
}
