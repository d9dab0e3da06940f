import path from "node:path";
import { fileURLToPath } from "node:url";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres, { type Sql } from "postgres";
import { isOutage } from "../errors.ts";
import * as schema from "./schema.ts";

export type Db = PostgresJsDatabase<typeof schema>;

export interface Store {
  url: string;
  sql: Sql;
  db: Db;
  close(): Promise<void>;
}

const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");

/** Opens the connection pool; `max` bounds concurrent transactions (intake holds one per upload). */
export function openStore(url: string, opts: { max?: number } = {}): Store {
  const sql = postgres(url, {
    max: opts.max ?? 20,
    onnotice: () => {},
    connection: { application_name: "ozg-hub" },
  });
  return { url, sql, db: drizzle(sql, { schema }), close: () => sql.end({ timeout: 5 }) };
}

/**
 * Applies the committed SQL migrations; safe to run from several instances at once. While the
 * database is unreachable or the connection reaches a standby (read-only, 25006: the standby
 * listed first in a multi-host URL, or a failover in progress) it waits and tries again, with
 * a new connection each time, for up to `waitMs`; then it gives up with the last error.
 */
export async function migrateStore(store: Store, opts: { waitMs?: number; retryMs?: number; onRetry?: (err: unknown) => void } = {}): Promise<void> {
  const deadline = Date.now() + (opts.waitMs ?? 0);
  for (;;) {
    try {
      return await migrateOnce(store.url);
    } catch (err) {
      if (!isOutage(err) || Date.now() >= deadline) throw err;
      opts.onRetry?.(err);
      await new Promise((r) => setTimeout(r, opts.retryMs ?? 2000));
    }
  }
}

async function migrateOnce(url: string): Promise<void> {
  // Serialise concurrent migrators (several instances starting together) on one advisory lock.
  // One connection, so that the session lock and the migration share it.
  const conn = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await conn`select pg_advisory_lock(hashtext('ozg-hub:migrate'))`;
    await migrate(drizzle(conn, { schema }), { migrationsFolder });
  } finally {
    await conn.end({ timeout: 5 });
  }
}
