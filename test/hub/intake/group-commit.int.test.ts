import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createTestDatabase, rowCounts } from "../../support/database.ts";
import { postAntrag } from "../../support/forms.ts";
import { startTestHub } from "../../support/hub.ts";
import { GroupCommit } from "../../../gateway/intake/group-commit.ts";
import { startedForSuite } from "../../support/suite.ts";

/** The whole group in one statement. */
const insertIds = (sql: postgres.Sql | postgres.TransactionSql, ids: number[]) => sql`insert into gc (id) select unnest(${ids}::int[])`;

describe("group commit on a plain table", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let sql: postgres.Sql;
  let other: postgres.Sql;
  beforeAll(async () => {
    db = await createTestDatabase(inject("databaseUrl"));
    sql = postgres(db.url, { max: 4, onnotice: () => {} });
    other = postgres(db.url, { max: 1 });
    await sql`create table gc (id int primary key)`;
  });
  afterAll(async () => {
    await sql?.end();
    await other?.end();
    await db?.drop();
  });

  /** A group commit on the test table that notes the size of every group it commits. */
  const groupOf = (settings: { maxBatch: number; windowMs: number; maxGroups: number }) => {
    const sizes: number[] = [];
    return {
      group: new GroupCommit<number>(
        sql,
        () => settings,
        insertIds,
        (n) => sizes.push(n),
      ),
      sizes,
    };
  };

  it("commits concurrent writes in shared transactions; a failing write fails alone; each caller hears after its commit", async () => {
    const { group, sizes } = groupOf({ maxBatch: 8, windowMs: 20, maxGroups: 1 });
    const ids = Array.from({ length: 40 }, (_, i) => i + 1);
    ids.splice(25, 0, 7); // a duplicate in the middle of a group
    const outcomes = await Promise.all(
      ids.map((id) =>
        group
          .run(id)
          // visible from another connection at the moment the caller is answered: committed
          .then(async () => ((await other`select count(*)::int as n from gc where id = ${id}`)[0]!.n === 1 ? "committed" : "not visible"))
          .catch((err: { code?: string }) => `failed ${err.code}`),
      ),
    );
    expect(outcomes.filter((o) => o === "committed")).toHaveLength(40);
    expect(outcomes.filter((o) => o === "failed 23505")).toHaveLength(1);
    expect(Math.max(...sizes)).toBeGreaterThan(1); // writes did share transactions
    expect(sizes.every((n) => n <= 8)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(41);
    expect((await other`select count(*)::int as n from gc`)[0]!.n).toBe(40);
  });

  it("runs a lone write at once, as its own statement", async () => {
    const { group, sizes } = groupOf({ maxBatch: 8, windowMs: 1000, maxGroups: 2 });
    const started = Date.now();
    await group.run(1000);
    expect(sizes).toEqual([1]);
    expect(Date.now() - started).toBeLessThan(1000); // did not wait for the window
  });
});

describe("group commit at intake", () => {
  const hub = startedForSuite(() => startTestHub({ gateway: { groupCommit: { maxBatch: 16, windowMs: 20, maxGroups: 1 } } }));

  it("accepts concurrent deliveries in shared transactions; repeats among them are answered as repeats, the others stored once", async () => {
    const post = (id: string) => postAntrag(hub, { transactionId: id });
    const ids = Array.from({ length: 30 }, (_, i) => `gc-${i}`);
    const sent = [...ids, "gc-3", "gc-17", "gc-3"];
    const answers = await Promise.all(sent.map(async (id) => ({ id, res: await post(id) })));
    expect(answers.every((a) => a.res.status === 202)).toBe(true);
    const replayed = answers.filter((a) => a.res.headers.get("Idempotent-Replayed") === "true").map((a) => a.id);
    expect(replayed.sort()).toEqual(["gc-17", "gc-3", "gc-3"]);
    const ref = new Map<string, string>();
    for (const a of answers) {
      const id = ((await a.res.json()) as { vorgang: { vorgangId: string } }).vorgang.vorgangId;
      expect(ref.get(a.id) ?? id).toBe(id); // a repeat gets the first receipt
      ref.set(a.id, id);
    }
    const metrics = await hub.services.metrics.registry.getSingleMetricAsString("ozg_hub_group_commit_size");
    const count = Number(/ozg_hub_group_commit_size_count (\d+)/.exec(metrics)![1]);
    expect(count).toBeLessThan(sent.length); // fewer transactions than writes
    // Every delivery holds its own document, whatever the group it was written with.
    const check = postgres(hub.databaseUrl, { max: 1 });
    const stored = await check<{ sourceMessageId: string; document: Buffer; matches: boolean }[]>`
      select source_message_id as "sourceMessageId", document, encode(sha256(document), 'hex') = sha256 as matches from deliveries`;
    await check.end();
    expect(stored).toHaveLength(30);
    for (const row of stored) {
      expect(row.matches).toBe(true);
      expect(row.document.toString("utf8")).toContain(row.sourceMessageId);
    }
    const counts = await rowCounts(hub.databaseUrl);
    expect(counts.deliveries).toBe(30);
    expect(counts.applications).toBe(30);
    expect(counts.outbox).toBe(60);
    const dms = await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 30, waitMs: 20_000 });
    expect(new Set(dms.map((m) => (m.body as { data: { sourceId: string } }).data.sourceId))).toEqual(new Set(ids));
  });
});
