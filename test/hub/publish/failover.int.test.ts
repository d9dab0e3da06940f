import { execFile } from "node:child_process";
import amqp from "amqplib";
import { promisify } from "node:util";
import postgres from "postgres";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import { antragBody, ozgCloudForm } from "../../support/forms.ts";
import { startTestHub, TOKENS, type TestHub } from "../../support/hub.ts";
import { TcpProxy } from "../../support/tcp-proxy.ts";
import { BrokerNodes } from "../../../gateway/publish/nodes.ts";

const auth = { authorization: `Bearer ${TOKENS.formsolutions}` };
const exec = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The same broker behind TCP proxies: each proxy stands for one node of a cluster that a test can take away. */
async function nodes(n: number): Promise<TcpProxy[]> {
  const real = new URL(inject("amqpUrl"));
  return Promise.all(Array.from({ length: n }, () => TcpProxy.start({ host: real.hostname, port: Number(real.port || 5672) })));
}

async function post(hub: TestHub, ids: string[]): Promise<void> {
  for (const id of ids) {
    const res = await hub.app.request("/antrag", { method: "POST", headers: auth, body: antragBody(ozgCloudForm({ transactionId: id }), []) });
    expect(res.status).toBe(202);
  }
}

/** The applications' source ids among the messages (fillers, which have none, left out). */
const sourceIds = (msgs: { body: Record<string, unknown> }[]) =>
  msgs.flatMap((m) => ((m.body as { data?: { sourceId: string } }).data ? [(m.body as { data: { sourceId: string } }).data.sourceId] : [])).sort();

/** Publishes fillers to `queue`, one at a time, until the broker refuses one (its length policy took hold). */
async function fillUntilRefused(queue: string): Promise<void> {
  const conn = await amqp.connect(inject("amqpUrl"));
  try {
    const ch = await conn.createConfirmChannel();
    for (let i = 0; i < 50; i++) {
      const refused = await new Promise<boolean>((resolve) =>
        ch.sendToQueue(queue, Buffer.from('{"filler":true}'), {}, (err: unknown) => resolve(Boolean(err))),
      );
      if (refused) return;
      await sleep(100);
    }
    throw new Error(`${queue} never refused a message`);
  } finally {
    await conn.close();
  }
}

describe("broker failover across a list of nodes", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
  });
  afterAll(async () => {
    for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
  });

  it("connects to the first node that answers", async () => {
    const [up] = await nodes(1);
    cleanup.push(() => up!.close());
    const dead = await TcpProxy.start({ host: "127.0.0.1", port: 1 });
    dead.cut();
    cleanup.push(() => dead.close());
    const list = new BrokerNodes(`${dead.url(inject("amqpUrl"))}, ${up!.url(inject("amqpUrl"))}`);
    const model = await list.connect("failover test");
    expect(list.connectedTo).toContain(`:${up!.port}`);
    await model.close();
    up!.cut();
    await expect(list.connect("failover test")).rejects.toThrow(/broker unreachable at .*; .*/);
  });

  it("publishes and consumes on the next node when the connected one goes for good, without a restart", async () => {
    const [a, b] = await nodes(2);
    cleanup.push(
      () => a!.close(),
      () => b!.close(),
    );
    const hub = await startTestHub({ amqpUrl: `${a!.url(inject("amqpUrl"))},${b!.url(inject("amqpUrl"))}` });
    cleanup.push(() => hub.stop());
    await hub.services.broker.channel();
    expect(hub.services.broker.node).toContain(`:${a!.port}`);
    await post(hub, ["fo-0", "fo-1"]);
    expect(sourceIds(await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 2, waitMs: 10_000 }))).toEqual(["fo-0", "fo-1"]);

    await a!.close(); // the node is gone for good: nothing listens there any more
    const ids = Array.from({ length: 10 }, (_, i) => `fo-after-${i}`);
    await post(hub, ids);
    const got = await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: ids.length, waitMs: 10_000 });
    expect(sourceIds(got)).toEqual([...ids].sort());
    expect(hub.services.broker.node).toContain(`:${b!.port}`);
    // The status consumer moved as well.
    await expect.poll(() => hub.services.statusConsumer.node, { timeout: 10_000 }).toContain(`:${b!.port}`);
  });

  it("notices the broker's return within seconds and retries nacked messages promptly, however long the outage", async () => {
    const [a] = await nodes(1);
    cleanup.push(() => a!.close());
    // The former defaults: a 60 s backoff bound. The relay must not let it decide how soon it reconnects.
    const hub = await startTestHub({
      amqpUrl: a!.url(inject("amqpUrl")),
      gateway: { relay: { batchSize: 200, workers: 2, pollIntervalMs: 200, backoffInitialMs: 500, backoffMaxMs: 60_000, reconnectIntervalMs: 1000 } },
    });
    cleanup.push(() => hub.stop());
    await hub.services.broker.channel();
    const dms = hub.queue("kiel", "dms");
    // A real refusal: the broker nacks publishes to a quorum queue over its length (reject-publish).
    const policy = `${hub.prefix}-nack`;
    await exec("rabbitmqctl", [
      "-q",
      "set_policy",
      "--apply-to",
      "queues",
      policy,
      `^${dms.replace(/\./g, "\\.")}$`,
      '{"max-length":1,"overflow":"reject-publish"}',
    ]);
    cleanup.push(async () => void (await exec("rabbitmqctl", ["-q", "clear_policy", policy])));
    const effective = async () => (await exec("rabbitmqctl", ["-q", "list_queues", "name", "policy"])).stdout;
    await expect.poll(async () => (await effective()).split("\n").find((l) => l.startsWith(`${dms}\t`)), { timeout: 10_000 }).toContain(policy);

    // Quorum queues notice the overflow a little after it happened: full before the relay's burst.
    await fillUntilRefused(dms);

    a!.cut();
    const ids = Array.from({ length: 20 }, (_, i) => `nack-${i}`);
    await post(hub, ids);
    await sleep(15_000); // an outage long enough for a doubling backoff to reach 16 s

    a!.restore();
    const back = Date.now();
    const gewerbe = await hub.broker.drain(hub.queue("kiel", "gewerbe"), { atLeast: ids.length, waitMs: 4000 });
    expect(sourceIds(gewerbe), "published within 4 s of the broker's return").toEqual([...ids].sort());
    expect(Date.now() - back).toBeLessThan(4000);

    const sql = postgres(hub.databaseUrl, { max: 1 });
    cleanup.push(() => sql.end());
    const nacked = () => sql`select count(*)::int as n from outbox where subscriber_id = 'dms' and last_error like '%nacked%'`.then((r) => r[0]!.n);
    await expect.poll(nacked, { timeout: 10_000 }).toBe(ids.length);
    await sleep(2000); // refused again meanwhile
    // The queue accepts again: a limit far above its length (a quorum queue keeps the limit of
    // a cleared policy until the queue is declared anew, so the policy is changed, not cleared).
    await exec("rabbitmqctl", ["-q", "set_policy", "--apply-to", "queues", policy, `^${dms.replace(/\./g, "\\.")}$`, '{"max-length":100000}']);
    const accepting = Date.now();
    const got: Awaited<ReturnType<typeof hub.broker.drain>> = [];
    while (sourceIds(got).length < ids.length && Date.now() - accepting < 10_000) got.push(...(await hub.broker.drain(dms, { waitMs: 200 })));
    expect(sourceIds(got), "the refused ones followed within 10 s of the queue accepting again").toEqual([...ids].sort());
    expect(Date.now() - accepting).toBeLessThan(10_000);
    // Only the refused messages were sent again: every subscriber got each message once.
    await sleep(1000);
    expect(await hub.broker.drain(hub.queue("kiel", "gewerbe"), { waitMs: 0 })).toHaveLength(0);
    expect(await hub.broker.drain(dms, { waitMs: 0 })).toHaveLength(0);
  }, 60_000);
});
