import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { postAntrag } from "../../support/forms.ts";
import { startTestHub, type TestHub } from "../../support/hub.ts";
import { TcpProxy } from "../../support/tcp-proxy.ts";

const MAX_BACKLOG = 6;

describe("back-pressure: intake while the broker is away", () => {
  let hub: TestHub;
  let proxy: TcpProxy;
  let sql: postgres.Sql;
  beforeAll(async () => {
    const real = new URL(inject("amqpUrl"));
    proxy = await TcpProxy.start({ host: real.hostname, port: Number(real.port || 5672) });
    hub = await startTestHub({
      amqpUrl: proxy.url(inject("amqpUrl")),
      gateway: {
        relay: { batchSize: 200, workers: 2, pollIntervalMs: 200, backoffInitialMs: 100, backoffMaxMs: 500, maxBacklog: MAX_BACKLOG, retryAfterSeconds: 7 },
      },
    });
    await hub.services.broker.channel(); // topology declared through the proxy
    sql = postgres(hub.databaseUrl, { max: 1 });
  });
  afterAll(async () => {
    await sql?.end();
    await hub?.stop();
    await proxy?.close();
  });

  const post = (id: string) => postAntrag(hub, { transactionId: id });
  const counts = async () =>
    (
      await sql<{ deliveries: number; outbox: number; events: number }[]>`
      select (select count(*)::int from deliveries) as deliveries, (select count(*)::int from outbox) as outbox, (select count(*)::int from events) as events`
    )[0]!;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it("accepts up to relay.maxBacklog, then answers 503 with Retry-After and stores nothing; accepts again once the broker caught up", async () => {
    proxy.cut();
    const accepted: string[] = [];
    let busy: Response | undefined;
    for (let i = 0; i < 60 && !busy; i++) {
      const res = await post(`bp-${i}`);
      if (res.status === 202) accepted.push(`bp-${i}`);
      else if (res.status === 503) busy = res;
      else throw new Error(`unexpected ${res.status}: ${await res.text()}`);
      await sleep(100); // the backlog is a count at most 500 ms old
    }
    expect(busy).toBeDefined();
    expect(busy!.headers.get("retry-after")).toBe("7");
    expect(busy!.headers.get("content-type")).toBe("application/problem+json");
    expect(await busy!.json()).toMatchObject({ type: "urn:ozg-hub:problem:busy", status: 503 });
    // two outbox rows per delivery: the refusals began once the count reached the backlog
    expect(accepted.length * 2).toBeGreaterThanOrEqual(MAX_BACKLOG);
    expect(accepted.length * 2).toBeLessThanOrEqual(MAX_BACKLOG + 2 * 6);

    // while the broker stays away, every further delivery is refused and nothing is stored
    const before = await counts();
    for (let i = 0; i < 5; i++) expect((await post(`bp-refused-${i}`)).status).toBe(503);
    expect(await counts()).toEqual(before);
    expect(before.deliveries).toBe(accepted.length);

    proxy.restore();
    let again: Response | undefined;
    for (let i = 0; i < 100; i++) {
      again = await post("bp-after");
      if (again.status !== 503) break;
      await sleep(200);
    }
    expect(again!.status).toBe(202);
    accepted.push("bp-after");
    const got = await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: accepted.length, waitMs: 20_000 });
    expect(new Set(got.map((m) => (m.body as { data: { sourceId: string } }).data.sourceId))).toEqual(new Set(accepted));
    const metrics = await hub.services.metrics.registry.getSingleMetricAsString("ozg_hub_deliveries_total");
    expect(metrics).toMatch(/outcome="busy"} ([1-9]\d*)/);
  });
});
