import postgres from "postgres";
import { describe, expect, inject, it } from "vitest";
import { TestBroker } from "../test/support/broker.ts";
import { createTestDatabase } from "../test/support/database.ts";
import { ClusterLoad, cleanupAfterAll } from "./cluster-load.ts";
import { RabbitNodes, rabbitNodesAvailable } from "./rabbit-nodes.ts";

const available = rabbitNodesAvailable();
if (!available) console.warn("SKIPPED: the RabbitMQ cluster faults need Debian's rabbitmq-server (/usr/lib/rabbitmq/bin)");

/**
 * Three RabbitMQ nodes of their own (quorum queues on all three), two `ozg-hub serve` with the
 * node list in AMQP_URL under steady /antrag load, and two faults in turn: the connected node
 * stopped and returned, then the node connected next killed for good (kill -9). Pass: only 202
 * and 503 answered; every 202 in the database, published and consumed; nothing consumed that
 * the database lacks; the outbox drained.
 */
describe.skipIf(!available)("RabbitMQ cluster node faults under load", () => {
  const cleanup = cleanupAfterAll();

  it("moves to the next node without a restart and loses nothing", async () => {
    const nodes = await RabbitNodes.start(3);
    cleanup(() => nodes.stop());
    const db = await createTestDatabase(inject("databaseUrl"));
    cleanup(() => db.drop());
    const load = await ClusterLoad.start("rqc", { DATABASE_URL: db.url, AMQP_URL: nodes.urls() });
    cleanup(() => load.stop());
    const underLoad = async (fault: () => Promise<void>) => {
      const running = load.run(15_000);
      await new Promise((r) => setTimeout(r, 4000));
      await fault();
      await running;
    };
    const faults: string[] = [];
    // 1. The node both hubs are connected to (the first) stopped, then back 6 s later.
    await underLoad(async () => {
      await nodes.stopNode(0);
      faults.push("node 0 stopped");
      await new Promise((r) => setTimeout(r, 6000));
      await nodes.startNode(0);
      faults.push("node 0 back");
    });
    // 2. The node they moved to killed for good.
    await underLoad(async () => {
      await nodes.kill(1);
      faults.push("node 1 killed");
    });
    const ended = Date.now();

    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    cleanup(() => sql.end());
    await expect.poll(() => ClusterLoad.unpublished(sql), { timeout: 60_000 }).toBe(0);
    const drained = Date.now();
    const stored = await ClusterLoad.stored(sql);
    const accepted = load.accepted();
    const statuses = load.statuses();
    const reader = await TestBroker.connect(nodes.url(2));
    cleanup(() => reader.close());
    const consumed = await reader.drain(`${load.prefix}.kiel.dms`, { atLeast: stored.size, waitMs: 20_000 });
    const consumedIds = ClusterLoad.sourceIds(consumed);
    const lost = accepted.filter((id) => !stored.has(id) || !consumedIds.has(id));
    const unstored = [...consumedIds].filter((id) => !stored.has(id));
    console.log(
      `rabbitmq cluster: faults ${faults.join(", ")}; ${load.answers.length} requests, ${accepted.length} × 202, ` +
        `${load.count(503)} × 503, statuses ${statuses.join(",")}; lost ${lost.length}; ` +
        `consumed ${consumedIds.size} (${consumed.length - consumedIds.size} repeats); outbox drained ${((drained - ended) / 1000).toFixed(1)} s after the load`,
    );
    expect(accepted.length).toBeGreaterThan(100);
    load.expectOnly202Or503();
    expect(lost, "every 202 stored, published and consumed").toEqual([]);
    expect(unstored, "nothing consumed that the database lacks").toEqual([]);
    load.expectHubsRunning();
  }, 300_000);
});
