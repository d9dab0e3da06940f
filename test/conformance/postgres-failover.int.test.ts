import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, describe, expect, inject, it } from "vitest";
import { migrateStore, openStore } from "../../gateway/store/db.ts";
import { rowCounts } from "../support/database.ts";
import { antragBody, ozgCloudForm } from "../support/forms.ts";
import { startTestHub, TOKENS, type TestHub } from "../support/hub.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";

const auth = { authorization: `Bearer ${TOKENS.formsolutions}` };
const antrag = (hub: TestHub, transactionId: string) =>
  hub.app.request("/antrag", { method: "POST", headers: auth, body: antragBody(ozgCloudForm({ transactionId }), []) });

/** Connections opened from now on to `url`'s database are read-only, as on a hot standby (writes fail with 25006). */
async function setReadOnly(url: string, on: boolean): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = postgres(inject("databaseUrl"), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`alter database ${name} set default_transaction_read_only = ${on ? "on" : "off"}`);
  } finally {
    await admin.end();
  }
}

/** The SQLSTATE of an error or of its cause (drizzle wraps the driver's error). */
function codeOf(err: unknown): string {
  const e = err as { code?: string; cause?: { code?: string } };
  return e.code ?? e.cause?.code ?? String(err);
}

describe("Postgres failover as the sender sees it", () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => {});
  });

  it("the connection dies after the COMMIT: 503 says it may have been stored; the retry answers with the original receipt and it is published once", async () => {
    const db = new URL(inject("databaseUrl"));
    const proxy = await TcpProxy.start({ host: db.hostname, port: Number(db.port || 5432) });
    cleanup.push(() => proxy.close());
    const hub = await startTestHub({ databaseVia: (url) => proxy.url(url) });
    cleanup.push(() => hub.stop());

    // The delivery's one statement commits; its "INSERT" reply is swallowed and the connection dropped.
    const sprung = proxy.cutOnReply("INSERT 0 ");
    const first = await antrag(hub, "commit-cut-1");
    await sprung;
    expect(first.status).toBe(503);
    expect(first.headers.get("retry-after")).toBeTruthy();
    const problem = (await first.json()) as { type: string; detail: string };
    expect(problem.type).toMatch(/unavailable$/);
    expect(problem.detail).toContain("may have been stored");
    expect(problem.detail).toContain("same transactionId");
    expect(problem.detail).not.toContain("nothing was stored");

    const sql = postgres(hub.databaseUrl, { max: 1 });
    cleanup.push(() => sql.end());
    const stored = await sql<{ id: string }[]>`select id from deliveries where source_message_id = 'commit-cut-1'`;
    expect(stored, "the commit went through before the connection died").toHaveLength(1);

    const retry = await antrag(hub, "commit-cut-1");
    expect(retry.status).toBe(202);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    const receipt = (await retry.json()) as { vorgang: { vorgangId: string } };
    expect(receipt.vorgang.vorgangId).toBe(stored[0]!.id);

    const got = await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1, waitMs: 10_000 });
    await new Promise((r) => setTimeout(r, 1000));
    got.push(...(await hub.broker.drain(hub.queue("kiel", "dms"), { waitMs: 0 })));
    expect(got.map((m) => (m.body as { data: { sourceId: string } }).data.sourceId)).toEqual(["commit-cut-1"]);
    expect((await sql`select count(*)::int as n from deliveries`)[0]!.n).toBe(1);
  });

  it("a standby refuses the write (25006): 503 with Retry-After, not 500, and nothing stored", async () => {
    const hub = await startTestHub();
    cleanup.push(() => hub.stop());
    expect((await antrag(hub, "before-failover")).status).toBe(202);
    const before = await rowCounts(hub.databaseUrl);
    await setReadOnly(hub.databaseUrl, true);
    await hub.restart(); // a pool whose connections all reach the read-only server
    const res = await antrag(hub, "on-standby");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBeTruthy();
    expect(((await res.json()) as { detail: string }).detail).toContain("nothing was stored");
    expect(await rowCounts(hub.databaseUrl)).toEqual(before);
    await setReadOnly(hub.databaseUrl, false);
  });

  it("migration waits while the database is read-only (a standby listed first) and completes once it is writable", async () => {
    const name = `ozg_test_${randomBytes(6).toString("hex")}`;
    const admin = postgres(inject("databaseUrl"), { max: 1, onnotice: () => {} });
    cleanup.push(async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    });
    await admin.unsafe(`create database ${name}`);
    const url = new URL(inject("databaseUrl"));
    url.pathname = `/${name}`;
    await setReadOnly(url.toString(), true);
    const store = openStore(url.toString(), { max: 1 });
    cleanup.push(() => store.close());
    const retries: string[] = [];
    const migrated = migrateStore(store, { waitMs: 30_000, retryMs: 300, onRetry: (err) => retries.push(codeOf(err)) });
    await expect.poll(() => retries.length, { timeout: 10_000 }).toBeGreaterThan(1);
    expect(retries[0], "read_only_sql_transaction").toBe("25006");
    await setReadOnly(url.toString(), false); // "promoted"
    await migrated;
    const [row] = await store.sql<{ n: number }[]>`select count(*)::int as n from deliveries`;
    expect(row!.n).toBe(0);
  });
});
