import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { postAntrag } from "../../support/forms.ts";
import { startTestHub, type TestHub } from "../../support/hub.ts";
import { TcpProxy } from "../../support/tcp-proxy.ts";

describe("outbox relay when the broker goes away", () => {
  let hub: TestHub;
  let proxy: TcpProxy;
  beforeAll(async () => {
    const real = new URL(inject("amqpUrl"));
    proxy = await TcpProxy.start({ host: real.hostname, port: Number(real.port || 5672) });
    hub = await startTestHub({ amqpUrl: proxy.url(inject("amqpUrl")) });
    await hub.services.broker.channel(); // topology declared through the proxy
  });
  afterAll(async () => {
    await hub?.stop();
    await proxy?.close();
  });

  it("accepts while the broker is unreachable and delivers each message exactly once when it is back", async () => {
    proxy.cut();
    const ids = Array.from({ length: 12 }, (_, i) => `outage-${i}`);
    for (const id of ids) {
      const res = await postAntrag(hub, { transactionId: id });
      expect(res.status).toBe(202);
    }
    await new Promise((r) => setTimeout(r, 1500)); // the relay tries and fails meanwhile
    expect((await hub.services.ready()).broker).toBe(false);
    expect(await hub.broker.count(hub.queue("kiel", "dms"))).toBe(0);
    // Still ready (intake works), the broker's state in the detail, its own query and the metric.
    const ready = await hub.app.request("/readyz");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", checks: { postgres: true, broker: false } });
    expect((await hub.app.request("/readyz?broker")).status).toBe(503);
    expect(await (await hub.app.request("/metrics")).text()).toMatch(/^ozg_hub_broker_connected 0$/m);

    proxy.restore();
    const got = await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: ids.length, waitMs: 20_000 });
    await new Promise((r) => setTimeout(r, 1000));
    const later = await hub.broker.drain(hub.queue("kiel", "dms"), { waitMs: 0 });
    const seen = [...got, ...later].map((m) => (m.body as any).data.sourceId).sort();
    expect(seen).toEqual([...ids].sort());
    const gewerbe = await hub.broker.drain(hub.queue("kiel", "gewerbe"), { atLeast: ids.length, waitMs: 10_000 });
    expect(gewerbe).toHaveLength(ids.length);
    expect((await hub.services.ready()).broker).toBe(true);
    expect((await hub.app.request("/readyz?broker")).status).toBe(200);
    expect(await (await hub.app.request("/metrics")).text()).toMatch(/^ozg_hub_broker_connected 1$/m);
  });

  it("survives a connection cut between publishes and confirms: nothing lost, repeats carry the same message id", async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `flap-${i}`);
    const sends = ids.map((id, i) =>
      (async () => {
        if (i === 10) proxy.cut();
        if (i === 20) proxy.restore();
        const res = await postAntrag(hub, { transactionId: id, leikaIds: ["99123456760000"] });
        expect(res.status).toBe(202);
      })(),
    );
    await Promise.all(sends);
    proxy.restore();
    const got = await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: ids.length, waitMs: 20_000 });
    await new Promise((r) => setTimeout(r, 1000));
    const all = [...got, ...(await hub.broker.drain(hub.queue("kiel", "dms"), { waitMs: 0 }))];
    const unique = new Map(all.map((m) => [m.messageId, (m.body as any).data.sourceId]));
    expect([...unique.values()].sort()).toEqual([...ids].sort());
  });
});
