import postgres from "postgres";
import { describe, expect, inject, it } from "vitest";
import { TestBroker } from "../test/support/broker.ts";
import { createTestDatabase } from "../test/support/database.ts";
import { freePort } from "../test/support/process.ts";
import { ClusterLoad, cleanupAfterAll } from "./cluster-load.ts";
import { PgPair, pgPairAvailable } from "./pg-pair.ts";

const available = pgPairAvailable();
if (!available) console.warn("SKIPPED: Postgres failover under load needs /usr/lib/postgresql/15/bin (Debian package postgresql-15)");

/**
 * A Postgres primary with a synchronous standby of its own (initdb, pg_basebackup -R), two
 * `ozg-hub serve` under steady /antrag load with the standby listed first in DATABASE_URL
 * (target_session_attrs=primary), the primary crashed (immediate stop) and the standby
 * promoted. Pass: only 202 and 503 answered; every 202 is in the promoted database, published
 * and consumed; nothing consumed that the database lacks; the outbox drained.
 */
describe.skipIf(!available)("Postgres primary crash and promotion under load", () => {
  const cleanup = cleanupAfterAll();

  it("loses no acknowledged delivery and answers only 202 or 503", async () => {
    const pair = await PgPair.start({ ports: [await freePort(), await freePort()], synchronous: true });
    cleanup(() => pair.stop());
    const db = await createTestDatabase(pair.url(0));
    const dbName = new URL(db.url).pathname.slice(1);
    // The standby first: a hub must skip it (and must not exit at start because of it).
    const load = await ClusterLoad.start("pgfo", { DATABASE_URL: pair.multiHostUrl([1, 0], dbName), AMQP_URL: inject("amqpUrl") });
    cleanup(() => load.stop());
    const prefix = load.prefix;
    const broker = await TestBroker.connect(inject("amqpUrl"));
    cleanup(async () => {
      await broker.deleteAll(
        prefix,
        [`${prefix}.applications`, `${prefix}.dead-letter`, `${prefix}.status`],
        [
          ...["kiel", "augsburg"].flatMap((t) => ["dms", "gewerbe"].flatMap((s) => [`${prefix}.${t}.${s}`, `${prefix}.${t}.${s}.dlq`])),
          `${prefix}.status`,
          `${prefix}.status.dlq`,
        ],
      );
      await broker.close();
    });

    const running = load.run(25_000);
    await new Promise((r) => setTimeout(r, 6000));
    await pair.ctl(0, "crash");
    const crashed = Date.now();
    await new Promise((r) => setTimeout(r, 2000));
    await pair.ctl(1, "promote");
    // What CloudNativePG or Patroni do on promotion: the promoted node has no standby yet, so
    // it must not wait for one (its copy of synchronous_standby_names names the old standby).
    const promoted = postgres(pair.url(1, dbName), { max: 1, onnotice: () => {} });
    cleanup(() => promoted.end());
    await promoted`alter system set synchronous_standby_names = ''`;
    await promoted`select pg_reload_conf()`;
    const promotedAt = new Date();
    await running;

    const accepted = load.accepted();
    const statuses = load.statuses();
    const stored = await ClusterLoad.stored(promoted);
    const lost = accepted.filter((id) => !stored.has(id));
    await expect.poll(() => ClusterLoad.unpublished(promoted), { timeout: 30_000 }).toBe(0);
    const drainedAt = Date.now();
    const consumed = await broker.drain(`${prefix}.kiel.dms`, { atLeast: stored.size, waitMs: 20_000 });
    const consumedIds = ClusterLoad.sourceIds(consumed);
    const unstoredConsumed = [...consumedIds].filter((id) => !stored.has(id));
    const unconsumed = [...stored].filter((id) => !consumedIds.has(id));
    console.log(
      `postgres failover: ${load.answers.length} requests, ${accepted.length} × 202, ${load.count(503)} × 503, statuses ${statuses.join(",")}; ` +
        `lost ${lost.length}; stored ${stored.size}; consumed ${consumedIds.size} (${consumed.length - consumedIds.size} repeats); ` +
        `outbox drained ${((drainedAt - crashed) / 1000).toFixed(1)} s after the crash`,
    );
    expect(accepted.length).toBeGreaterThan(50);
    // Requests during the outage may wait for the new primary rather than meet a 503; either
    // way the hubs must write to the promoted node afterwards.
    const after = await promoted<{ n: number }[]>`select count(*)::int as n from deliveries where received_at > ${promotedAt.toISOString()}`;
    expect(after[0]!.n, "deliveries stored on the promoted node").toBeGreaterThan(10);
    load.expectOnly202Or503();
    expect(lost, "every 202 is in the promoted database").toEqual([]);
    expect(unconsumed, "everything stored was published and consumed").toEqual([]);
    expect(unstoredConsumed, "nothing consumed that the database lacks").toEqual([]);
    load.expectHubsRunning();
  }, 180_000);
});
