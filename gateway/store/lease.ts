import type { ReservedSql, Sql } from "postgres";

/**
 * A Postgres advisory lock held on a reserved connection, so that of several instances only one
 * works on a thing (an account or destination an adapter polls). The lock lives as long as that
 * connection: a crashed holder frees it, and `check()` notices a connection that died.
 *
 * @example
 * const lease = new AdvisoryLease(store.sql, `ozg-hub:poller:${id}`);
 * if (await lease.acquire()) await pollOnce();
 */
export class AdvisoryLease {
  private conn: ReservedSql | undefined;

  constructor(
    private readonly sql: Sql,
    private readonly key: string,
  ) {}

  /** Takes the lock; false while another instance holds it. */
  async acquire(): Promise<boolean> {
    if (this.conn) return true;
    const conn = await this.sql.reserve();
    const [row] = await conn<{ locked: boolean }[]>`select pg_try_advisory_lock(hashtext(${this.key})) as locked`;
    if (row?.locked) {
      this.conn = conn;
      return true;
    }
    conn.release();
    return false;
  }

  async release(): Promise<void> {
    const conn = this.conn;
    this.conn = undefined;
    if (!conn) return;
    await conn`select pg_advisory_unlock(hashtext(${this.key}))`.catch(() => {});
    conn.release();
  }

  /** After a failed round: gives the lock up when its connection no longer answers. */
  async check(): Promise<void> {
    if (this.conn) await this.conn`select 1`.catch(() => this.release());
  }
}
