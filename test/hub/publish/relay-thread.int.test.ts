import type { Worker } from "node:worker_threads";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postAntrag } from "../../support/forms.ts";
import { startTestHub, type TestHub } from "../../support/hub.ts";

describe("the relay in a worker thread", () => {
  let hub: TestHub;
  let sql: postgres.Sql;
  beforeAll(async () => {
    // Polling every 10 s: anything published sooner was woken by intake's commit, across threads.
    hub = await startTestHub({
      relayThread: true,
      gateway: { relay: { batchSize: 5, workers: 2, pollIntervalMs: 10_000, backoffInitialMs: 100, backoffMaxMs: 1000 } },
    });
    sql = postgres(hub.databaseUrl, { max: 1 });
  });
  afterAll(async () => {
    await sql?.end();
    await hub?.stop();
  });

  const post = (id: string) => postAntrag(hub, { transactionId: id });
  const states = () => sql<{ state: string; n: number }[]>`select state, count(*)::int as n from deliveries group by state order by state`;
  const metric = (name: string) => hub.services.metrics.registry.getSingleMetricAsString(name);

  it("publishes every row once on a commit's wake-up, settles the deliveries and reports its metrics to the process's registry", async () => {
    const n = 20;
    const started = Date.now();
    expect((await Promise.all(Array.from({ length: n }, (_, i) => post(`thread-${i}`)))).map((r) => r.status)).toEqual(Array(n).fill(202));
    const dms = await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: n, waitMs: 20_000 });
    const gewerbe = await hub.broker.drain(hub.queue("kiel", "gewerbe"), { atLeast: n, waitMs: 20_000 });
    expect(Date.now() - started).toBeLessThan(10_000); // not by the poll
    expect(new Set(dms.map((m) => m.messageId)).size).toBe(n);
    expect(new Set(gewerbe.map((m) => m.messageId)).size).toBe(n);
    for (let i = 0; i < 50 && (await states()).some((s) => s.state !== "published"); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await states()).toEqual([{ state: "published", n }]);
    // The thread reports every 100 ms at most.
    for (let i = 0; i < 20 && !/_count 40\b/.test(await metric("ozg_hub_publish_latency_seconds")); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await metric("ozg_hub_publish_latency_seconds")).toMatch(/ozg_hub_publish_latency_seconds_count 40\b/);
    expect(await metric("ozg_hub_published_total")).toMatch(/ozg_hub_published_total\{tenant="kiel",subscriber="dms"\} 20\b/);
    expect((await hub.services.metrics.relayInFlight.get()).values[0]!.value).toBe(0);
  });

  it("starts a new thread when its thread ends unexpectedly, and that one publishes", async () => {
    const control = hub.services.relay as unknown as { worker?: Worker };
    const first = control.worker!;
    await first.terminate(); // as if the thread had died
    expect((await post("thread-after-crash")).status).toBe(202);
    const dms = await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1, waitMs: 20_000 });
    expect(dms.map((m) => (m.body as { data: { sourceId: string } }).data.sourceId)).toContain("thread-after-crash");
    expect(control.worker).toBeDefined();
    expect(control.worker).not.toBe(first);
    expect(hub.logs.join("")).toContain("relay thread ended unexpectedly");
  });

  it("stops with the process, leaving new rows to the next start, which publishes them", async () => {
    await hub.restart({ relay: false }); // the thread stopped: stop() returned
    expect((await post("thread-after-stop")).status).toBe(202);
    await new Promise((r) => setTimeout(r, 500));
    expect(await hub.broker.count(hub.queue("kiel", "dms"))).toBe(0);
    const [row] = await sql<{ n: number }[]>`select count(*)::int as n from outbox where published_at is null`;
    expect(row!.n).toBe(2);
    await hub.restart();
    const dms = await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1, waitMs: 20_000 });
    expect(dms).toHaveLength(1);
  });
});
