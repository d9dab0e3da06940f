import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { migrateStore, openStore } from "../../gateway/store/db.ts";

/** A database of its own for one test file, migrated; `drop()` removes it. */
export async function createTestDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `ozg_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const store = openStore(url.toString(), { max: 2 });
  await migrateStore(store);
  await store.close();
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/**
 * Row counts of every table, to show that a refusal stored nothing. Waits first until the relay
 * has nothing left to publish or settle (up to 10 s), since its "published" events and state
 * changes for earlier deliveries land asynchronously and would otherwise move the counts.
 */
export async function rowCounts(url: string): Promise<Record<string, number>> {
  const sql = postgres(url, { max: 1 });
  try {
    for (let waited = 0; waited < 10_000; waited += 50) {
      const [busy] = await sql<{ n: string }[]>`
        select (select count(*) from outbox where published_at is null and kind = 'amqp')
             + (select count(*) from deliveries d where state = 'routed'
                  and not exists (select 1 from outbox o where o.delivery_id = d.id and o.published_at is null)) as n`;
      if (Number(busy!.n) === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const [r] = await sql<Record<string, string>[]>`
      select (select count(*) from deliveries) as deliveries,
             (select count(*) from attachments) as attachments,
             (select count(*) from attachment_chunks) as attachment_chunks,
             (select count(*) from applications) as applications,
             (select count(*) from outbox) as outbox,
             (select count(*) from events) as events`;
    return Object.fromEntries(Object.entries(r!).map(([k, v]) => [k, Number(v)]));
  } finally {
    await sql.end();
  }
}
