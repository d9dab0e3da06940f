import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { postAntrag } from "../../support/forms.ts";
import { startTestHub } from "../../support/hub.ts";
import { startedForSuite } from "../../support/suite.ts";

describe("several relay workers on the rows of one delivery", () => {
  // One row per round and four workers: the two rows of a delivery are marked by different
  // workers at the same time, which is where a delivery's final state can be missed.
  const hub = startedForSuite(() =>
    startTestHub({ gateway: { relay: { batchSize: 1, workers: 4, pollIntervalMs: 100, backoffInitialMs: 100, backoffMaxMs: 1000 } } }),
  );

  it("publishes every row once and settles every delivery as published", async () => {
    const n = 30;
    const sends = Array.from({ length: n }, (_, i) => postAntrag(hub, { transactionId: `w-${i}` }));
    expect((await Promise.all(sends)).map((r) => r.status)).toEqual(Array(n).fill(202));
    const dms = await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: n, waitMs: 30_000 });
    const gewerbe = await hub.broker.drain(hub.queue("kiel", "gewerbe"), { atLeast: n, waitMs: 30_000 });
    expect(new Set(dms.map((m) => m.messageId)).size).toBe(n);
    expect(new Set(gewerbe.map((m) => m.messageId)).size).toBe(n);
    const sql = postgres(hub.databaseUrl, { max: 1 });
    try {
      for (let i = 0; i < 50; i++) {
        const [row] = await sql<{ open: number }[]>`select count(*)::int as open from deliveries where state <> 'published'`;
        if (row!.open === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await sql`select state, count(*)::int as n from deliveries group by state`).toEqual([{ state: "published", n }]);
      // the relay's lag (commit to confirm) is in /metrics, one observation per confirmed message
      const lag = await hub.services.metrics.registry.getSingleMetricAsString("ozg_hub_publish_latency_seconds");
      expect(Number(/ozg_hub_publish_latency_seconds_count (\d+)/.exec(lag)![1])).toBe(2 * n);
      expect((await hub.services.metrics.relayInFlight.get()).values[0]!.value).toBe(0);
    } finally {
      await sql.end();
    }
  });

  it("settles, after a restart, a delivery whose rows were marked but whose settle step never ran", async () => {
    const res = await postAntrag(hub, { transactionId: "w-unsettled" });
    const { vorgang } = await res.json();
    await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1, waitMs: 10_000 });
    await hub.broker.drain(hub.queue("kiel", "gewerbe"), { atLeast: 1, waitMs: 10_000 });
    const sql = postgres(hub.databaseUrl, { max: 1 });
    try {
      const state = async () => (await sql<{ state: string }[]>`select state from deliveries where id = ${vorgang.vorgangId}`)[0]!.state;
      for (let i = 0; i < 50 && (await state()) !== "published"; i++) await new Promise((r) => setTimeout(r, 100));
      await hub.restart({ relay: false });
      // what a crash between the marking commit and the settle step leaves behind
      await sql`update deliveries set state = 'routed', state_since = now() - interval '2 minutes' where id = ${vorgang.vorgangId}`;
      await hub.restart();
      for (let i = 0; i < 50 && (await state()) !== "published"; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await state()).toBe("published");
      expect(await hub.broker.count(hub.queue("kiel", "dms"))).toBe(0); // settled, not published again
    } finally {
      await sql.end();
    }
  });

  it("idles between polls when there is nothing to publish (no round after an empty round)", async () => {
    const sql = postgres(hub.databaseUrl, { max: 1 });
    try {
      const commits = async () => Number((await sql<{ n: string }[]>`select xact_commit as n from pg_stat_database where datname = current_database()`)[0]!.n);
      await new Promise((r) => setTimeout(r, 500));
      const before = await commits();
      await new Promise((r) => setTimeout(r, 2000));
      // polling every 100 ms: about 20 empty rounds, plus this test's own statistics reads
      expect((await commits()) - before).toBeLessThan(60);
    } finally {
      await sql.end();
    }
  });
});

describe("a relay at capacity", () => {
  // One round at a time, one row per round: commits keep arriving while the only slot is taken.
  const hub = startedForSuite(() =>
    startTestHub({ gateway: { relay: { batchSize: 1, workers: 1, pollIntervalMs: 5000, backoffInitialMs: 100, backoffMaxMs: 1000 } } }),
  );

  it("waits for its slot instead of spinning on wake-ups, and publishes everything without polling", async () => {
    const n = 20;
    // one after another, so that commits (and their wake-ups) land while the slot is taken
    for (let i = 0; i < n; i++) {
      const res = await postAntrag(hub, { transactionId: `cap-${i}` });
      expect(res.status).toBe(202);
    }
    // 2n rows one by one: a relay that spun on wake-ups would block the process, and drain nothing
    const dms = await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: n, waitMs: 20_000 });
    expect(new Set(dms.map((m) => m.messageId)).size).toBe(n);
  });
});
