import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { TestBroker } from "../test/support/broker.ts";
import { createTestDatabase } from "../test/support/database.ts";
import { antragBody, ozgCloudForm } from "../test/support/forms.ts";
import { TOKENS, writeTestConfig } from "../test/support/hub.ts";
import { spawnHub } from "../test/support/process.ts";

describe("ozg-hub serve as a process", () => {
  const prefix = `t${randomBytes(4).toString("hex")}`;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let configDir: string;
  let broker: TestBroker;
  beforeAll(async () => {
    db = await createTestDatabase(inject("databaseUrl"));
    configDir = await writeTestConfig(prefix);
    broker = await TestBroker.connect(inject("amqpUrl"));
  });
  afterAll(async () => {
    await broker?.deleteAll(
      prefix,
      [`${prefix}.applications`, `${prefix}.dead-letter`],
      ["kiel", "augsburg"].flatMap((t) => ["gewerbe", "dms"].flatMap((s) => [`${prefix}.${t}.${s}`, `${prefix}.${t}.${s}.dlq`])),
    );
    await broker?.close();
    await db?.drop();
    await rm(configDir, { recursive: true, force: true });
  });

  it("publishes once after being killed between commit and publish", async () => {
    // First life: the broker is unreachable (nothing listens on port 1), so nothing can be published.
    const first = await spawnHub({ DATABASE_URL: db.url, AMQP_URL: "amqp://guest:guest@127.0.0.1:1", OZG_HUB_CONFIG: configDir });
    const res = await fetch(`${first.url}/antrag`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKENS.formsolutions}` },
      body: antragBody(ozgCloudForm({ transactionId: "killed-1" }), []),
    });
    expect(res.status).toBe(202);
    first.child.kill("SIGKILL");
    await first.exited;

    const sql = postgres(db.url, { max: 1 });
    const pending = await sql`select count(*)::int as n from outbox where published_at is null`;
    expect(pending[0]!.n).toBe(2); // kiel.gewerbe and kiel.dms, committed, not published

    // Second life: the broker is back.
    const second = await spawnHub({ DATABASE_URL: db.url, AMQP_URL: inject("amqpUrl"), OZG_HUB_CONFIG: configDir });
    const got = await broker.drain(`${prefix}.kiel.dms`, { atLeast: 1, waitMs: 45_000 });
    const gewerbe = await broker.drain(`${prefix}.kiel.gewerbe`, { atLeast: 1, waitMs: 45_000 });
    await new Promise((r) => setTimeout(r, 1000));
    expect([...got, ...(await broker.drain(`${prefix}.kiel.dms`, { waitMs: 0 }))]).toHaveLength(1);
    expect(gewerbe).toHaveLength(1);
    expect((got[0]!.body as any).data.sourceId).toBe("killed-1");
    const left = await sql`select count(*)::int as n from outbox where published_at is null`;
    expect(left[0]!.n).toBe(0);
    await sql.end();

    // A graceful stop finishes cleanly.
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
    // Two process starts and a relay catching up: generous on a loaded machine, where this test meets the rest of the suite.
  }, 180_000);

  it("refuses to start on an invalid config and names the problem", async () => {
    const { writeFile } = await import("node:fs/promises");
    const bad = await writeTestConfig(`${prefix}x`);
    await writeFile(`${bad}/tenants/broken.yaml`, "id: Broken Town\nname: x\nsubscribers: []\n");
    const { spawn } = await import("node:child_process");
    const child = spawn(process.execPath, ["bin/ozg-hub.mjs", "serve"], { env: { ...process.env, OZG_HUB_CONFIG: bad, DATABASE_URL: db.url, PORT: "0" } });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    const code = await new Promise((r) => child.once("exit", r));
    expect(code).toBe(1);
    expect(err).toMatch(/tenants\/broken\.yaml:1 id: lower-case letters/);
    expect(err).toMatch(/tenants\/broken\.yaml:3 subscribers: /);
    await rm(bad, { recursive: true, force: true });
  });
});
