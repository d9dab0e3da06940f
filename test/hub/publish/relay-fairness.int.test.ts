import { readFileSync } from "node:fs";
import path from "node:path";
import amqp from "amqplib";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { postAntrag } from "../../support/forms.ts";
import { REPO, startTestHub, type TestHub } from "../../support/hub.ts";

/** Augsburg's Ordnungsamt: routes the sample form to tenant B (augsburg); the sample's own unit routes to kiel (A). */
const AUGSBURG_UNIT = "276519";
const FLOOD = 20_000;
const SAMPLES = 9;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

describe("relay fairness across tenants", () => {
  let hub: TestHub;
  let conn: amqp.ChannelModel;
  let ch: amqp.Channel;
  /** When each of B's applications (by transactionId) was consumed from B's queue. */
  const consumedAt = new Map<string, number>();
  const waiters = new Map<string, () => void>();

  beforeAll(async () => {
    // Smaller rounds than the default (200): a round of A's rows in flight is what B's next row
    // waits for, and on a shared test machine a round of 200 takes long enough to blur 2x.
    const relay = parse(readFileSync(path.join(REPO, "config/gateway.yaml"), "utf8")).relay;
    hub = await startTestHub({ gateway: { relay: { ...relay, batchSize: 50 } } });
    conn = await amqp.connect(inject("amqpUrl"));
    ch = await conn.createChannel();
    await ch.consume(
      hub.queue("augsburg", "dms"),
      (msg) => {
        if (!msg) return;
        const id = (JSON.parse(msg.content.toString()) as { data: { sourceId: string } }).data.sourceId;
        consumedAt.set(id, performance.now());
        waiters.get(id)?.();
      },
      { noAck: true },
    );
  });
  afterAll(async () => {
    await conn?.close();
    await hub?.stop();
  });

  /** Sends B's applications one after another; returns each one's intake -> consume latency in ms. */
  async function tenantBLatencies(tag: string): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const id = `b-${tag}-${i}`;
      const consumed = new Promise<void>((resolve) => waiters.set(id, resolve));
      const start = performance.now();
      const res = await postAntrag(hub, { transactionId: id, zustaendigeStelle: AUGSBURG_UNIT });
      expect(res.status).toBe(202);
      let timer: NodeJS.Timeout | undefined;
      const starved = new Promise<never>(
        (_, fail) => (timer = setTimeout(() => fail(new Error(`${id} not consumed within 30 s: starved behind another tenant`)), 30_000)),
      );
      await Promise.race([consumed, starved]).finally(() => clearTimeout(timer));
      out.push(consumedAt.get(id)! - start);
      await new Promise((r) => setTimeout(r, 100));
    }
    return out;
  }

  it("publishes tenant B's applications within 2x of B alone while tenant A floods the outbox", async () => {
    const alone = await tenantBLatencies("alone");

    // Tenant A floods: one real delivery to kiel, its outbox rows multiplied into a backlog that
    // stands in front of everything B sends next (older next_attempt_at, lower ids).
    const res = await postAntrag(hub, { transactionId: "a-seed" });
    expect(res.status).toBe(202);
    await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1, waitMs: 10_000 });
    await hub.services.relay.stop(); // the backlog is written whole before the relay sees it
    const sql = hub.services.store.sql;
    /** Multiplies A's seed rows: `copies` new due rows per seed row, older than anything B sends next. */
    const flood = (tag: string, copies: number) => sql`
      insert into outbox (message_id, delivery_id, application_id, tenant_id, subscriber_id, kind, routing_key, headers, payload, created_at, next_attempt_at)
      select o.message_id || '-flood-' || ${tag} || '-' || g, o.delivery_id, o.application_id, o.tenant_id, o.subscriber_id, o.kind, o.routing_key, o.headers, o.payload,
             now() - interval '1 minute', now() - interval '1 minute'
      from outbox o, generate_series(1, ${copies}::int) g
      where o.tenant_id = 'kiel' and o.kind = 'amqp' and o.message_id not like '%-flood-%'`;
    await flood("start", FLOOD / 2);
    const backlog = (await sql<{ n: number }[]>`select count(*)::int as n from outbox where published_at is null and tenant_id = 'kiel'`)[0]!.n;
    expect(backlog).toBe(FLOOD);
    hub.services.relay.start();
    // ... and keeps flooding while B sends: whenever A's backlog falls under half the start, 10000
    // more rows (so the relay has A's rows to move all the time).
    let flooding = true;
    const refill = (async () => {
      for (let round = 0; flooding; round++) {
        const due = (await sql<{ n: number }[]>`select count(*)::int as n from outbox where published_at is null and tenant_id = 'kiel'`)[0]!.n;
        if (due < FLOOD / 2) await flood(`r${round}`, FLOOD / 4);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    const flooded = await tenantBLatencies("flooded").finally(() => (flooding = false));
    await refill;
    // A's flood was still draining while B was served: B did not wait for it.
    const left = (await sql<{ n: number }[]>`select count(*)::int as n from outbox where published_at is null and tenant_id = 'kiel'`)[0]!.n;
    console.log(
      `tenant B median intake->consume: alone ${median(alone).toFixed(1)} ms, during A's flood ${median(flooded).toFixed(1)} ms (max ${Math.max(...flooded).toFixed(1)}); A's rows still unpublished after B's last: ${left}`,
    );
    expect(left).toBeGreaterThan(0);
    expect(median(flooded)).toBeLessThanOrEqual(2 * median(alone));

    // Everything of A arrives in the end (nothing skipped by the round-robin claim).
    await expect
      .poll(async () => (await sql<{ n: number }[]>`select count(*)::int as n from outbox where published_at is null`)[0]!.n, {
        timeout: 120_000,
        interval: 500,
      })
      .toBe(0);
  }, 240_000);
});
