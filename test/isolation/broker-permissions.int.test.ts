import { execFile } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import { promisify } from "node:util";
import amqp, { type ChannelModel } from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyAccess, localRabbitmqctl, tenantAccess, type TenantAccess } from "../../cli/topology.ts";
import { peekRejections } from "../../gateway/status/rejections.ts";
import { REJECTION_HEADER, rejectionQueue, statusNames } from "../../gateway/status/consumer.ts";
import { REPO, startTestHub, type TestHub } from "../support/hub.ts";

/**
 * Real RabbitMQ users, made by the same code as `ozg-hub topology --apply` and removed after:
 * each tenant's user reaches its own queues and nothing else.
 */
describe("tenant isolation on the broker (real users via rabbitmqctl)", () => {
  let hub: TestHub;
  let access: TenantAccess[];
  const passwords: Record<string, string> = {};
  const conns: ChannelModel[] = [];
  const userOf = (tenant: string) => access.find((a) => a.tenantId === tenant)!;

  beforeAll(async () => {
    hub = await startTestHub();
    access = tenantAccess(hub.services.runtime().config);
    const env: NodeJS.ProcessEnv = {};
    for (const a of access) {
      passwords[a.tenantId] = randomBytes(12).toString("hex");
      env[a.passwordEnv] = passwords[a.tenantId];
    }
    const { failed } = await applyAccess(access, "/", localRabbitmqctl, env);
    expect(failed).toBe(0);
  });
  afterAll(async () => {
    for (const c of conns) await c.close().catch(() => {});
    for (const a of access ?? []) await localRabbitmqctl.run(["delete_user", a.user]).catch(() => {});
    await hub?.stop();
  });

  /** A connection as the tenant's user. */
  async function as(tenant: string): Promise<ChannelModel> {
    const u = new URL(hub.amqpUrl);
    u.username = userOf(tenant).user;
    u.password = passwords[tenant]!;
    const c = await amqp.connect(u.toString());
    c.on("error", () => {});
    conns.push(c);
    return c;
  }

  /** Runs one operation on a fresh channel; resolves to "ok" or the broker's refusal code. */
  async function attempt(conn: ChannelModel, op: (ch: amqp.ConfirmChannel) => Promise<unknown>): Promise<string> {
    const ch = await conn.createConfirmChannel();
    const closed = new Promise<string>((resolve) => {
      ch.on("error", (err: { code?: number }) => resolve(`refused ${err.code}`));
    });
    const result = await Promise.race([
      op(ch).then(
        () => "ok",
        (err: { code?: number }) => `refused ${err.code ?? "?"}`,
      ),
      closed,
    ]);
    // A refusal closes the channel; an accepted op leaves it open.
    await ch.close().catch(() => {});
    return result;
  }

  it("lets a tenant consume its own queues", async () => {
    const kiel = await as("kiel");
    expect(await attempt(kiel, (ch) => ch.get(hub.queue("kiel", "dms")))).toBe("ok");
    expect(await attempt(kiel, (ch) => ch.get(`${hub.queue("kiel", "gewerbe")}.dlq`))).toBe("ok");
    expect(await attempt(kiel, (ch) => ch.consume(hub.queue("kiel", "gewerbe"), () => {}))).toBe("ok");
  });

  it("refuses consuming, purging, deleting, declaring on and binding to another tenant's queues", async () => {
    const kiel = await as("kiel");
    const theirs = hub.queue("augsburg", "dms");
    const t = hub.services.runtime().config.gateway.amqp;
    const args = {
      durable: true,
      arguments: { "x-queue-type": "quorum", "x-dead-letter-exchange": t.deadLetterExchange, "x-dead-letter-routing-key": "augsburg.dms" },
    };
    expect(await attempt(kiel, (ch) => ch.get(theirs))).toBe("refused 403");
    expect(await attempt(kiel, (ch) => ch.consume(theirs, () => {}))).toBe("refused 403");
    expect(await attempt(kiel, (ch) => ch.purgeQueue(theirs))).toBe("refused 403");
    expect(await attempt(kiel, (ch) => ch.deleteQueue(theirs))).toBe("refused 403");
    expect(await attempt(kiel, (ch) => ch.assertQueue(theirs, args))).toBe("refused 403");
    expect(await attempt(kiel, (ch) => ch.bindQueue(theirs, t.exchange, "#"))).toBe("refused 403");
    expect(await attempt(kiel, (ch) => ch.get(`${theirs}.dlq`))).toBe("refused 403");
    // nothing was taken from augsburg's queue
    expect(await hub.broker.count(theirs)).toBe(0);
  });

  it("refuses routing another tenant's applications to itself: no binding from the hub's exchange, no new queues", async () => {
    const kiel = await as("kiel");
    const t = hub.services.runtime().config.gateway.amqp;
    expect(await attempt(kiel, (ch) => ch.bindQueue(hub.queue("kiel", "dms"), t.exchange, "augsburg.*"))).toBe("refused 403");
    expect(await attempt(kiel, (ch) => ch.assertQueue(`${hub.prefix}.kiel.sniffer`, { durable: false }))).toBe("refused 403");
    expect(await attempt(kiel, (ch) => ch.assertExchange(t.exchange, "topic", { durable: true }))).toBe("refused 403");
  });

  it("refuses publishing into the hub's exchanges and straight into queues", async () => {
    const augsburg = await as("augsburg");
    const t = hub.services.runtime().config.gateway.amqp;
    const publish = (exchange: string, key: string) => (ch: amqp.ConfirmChannel) =>
      new Promise<void>((resolve, reject) => {
        ch.publish(exchange, key, Buffer.from('{"forged":true}'), { persistent: true }, (err) => (err ? reject(err) : resolve()));
      });
    expect(await attempt(augsburg, publish(t.exchange, "kiel.dms"))).toBe("refused 403");
    expect(await attempt(augsburg, publish(t.deadLetterExchange, "kiel.dms"))).toBe("refused 403");
    expect(await attempt(augsburg, publish("", hub.queue("kiel", "dms")))).toBe("refused 403");
    expect(await attempt(augsburg, publish("", hub.queue("augsburg", "dms")))).toBe("refused 403");
    await new Promise((r) => setTimeout(r, 200));
    for (const q of hub.allQueues()) expect(await hub.broker.count(q), q).toBe(0);
  });

  it("gives a tenant its own rejected status events with the reason, readable by its user only", async () => {
    const names = statusNames(hub.services.runtime().config.gateway);
    const event = {
      specversion: "1.0",
      id: randomUUID(),
      source: "urn:fachverfahren:kiel:gewerbe",
      type: "de.ozghub.application.status.v1",
      data: { status: "received", applicationId: randomUUID() }, // no such application
    };
    const body = Buffer.from(JSON.stringify(event));
    const kiel = await as("kiel");
    const publish = (ch: amqp.ConfirmChannel) =>
      new Promise<void>((resolve, reject) => ch.publish(names.exchange, "kiel.gewerbe", body, { persistent: true }, (err) => (err ? reject(err) : resolve())));
    expect(await attempt(kiel, publish)).toBe("ok");

    // kiel's own user reads the rejection, with the reason, from its own queue.
    const ch = await kiel.createChannel();
    let got: amqp.GetMessage | false = false;
    for (let i = 0; i < 100 && !got; i++) {
      got = await ch.get(rejectionQueue(names, "kiel"), { noAck: true });
      if (!got) await new Promise((r) => setTimeout(r, 100));
    }
    await ch.close();
    expect(got).not.toBe(false);
    const message = got as amqp.GetMessage;
    expect(message.content.equals(body)).toBe(true);
    expect(String(message.properties.headers?.[REJECTION_HEADER])).toMatch(/application/i);
    expect(message.properties.headers?.["x-ozg-routing-key"]).toBe("kiel.gewerbe");

    // Augsburg may not read kiel's rejections and has none of its own; the operator's
    // dead-letter queue keeps the rejection too, and peeking at it leaves it there.
    const augsburg = await as("augsburg");
    expect(await attempt(augsburg, (c) => c.get(rejectionQueue(names, "kiel")))).toBe("refused 403");
    expect(await attempt(augsburg, async (c) => expect(await c.get(rejectionQueue(names, "augsburg"))).toBe(false))).toBe("ok");
    const peeked = await peekRejections(hub.amqpUrl, names.deadLetterQueue, 100);
    expect(peeked.filter((r) => r.eventId === event.id)).toEqual([
      expect.objectContaining({
        tenantId: "kiel",
        routingKey: "kiel.gewerbe",
        applicationId: event.data.applicationId,
        reason: expect.stringMatching(/application/i),
      }),
    ]);
    expect((await peekRejections(hub.amqpUrl, names.deadLetterQueue, 100)).filter((r) => r.eventId === event.id)).toHaveLength(1);

    // The AsyncAPI document this hub serves names the channel and the broker it runs on.
    const doc = (await (await hub.app.request("/api/v1/asyncapi.json")).json()) as Record<string, any>;
    expect(doc.channels.statusRejections.address).toBe(`${names.rejectionQueuePrefix}{tenant}`);
    const broker = new URL(hub.amqpUrl);
    expect(doc.servers.broker.host).toBe(`${broker.hostname}:${broker.port || 5672}`);
  });

  it("`ozg-hub topology` prints each tenant's user and regexes; --apply skips a new user without a password", async () => {
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, [path.join(REPO, "bin/ozg-hub.mjs"), "topology", ...args], {
        cwd: REPO,
        env: { ...process.env, OZG_HUB_CONFIG: hub.configDir, AMQP_URL: hub.amqpUrl },
      }).then(
        (r) => ({ code: 0, out: r.stdout }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
      );
    const printed = await run([]);
    expect(printed.code).toBe(0);
    for (const a of access) {
      expect(printed.out).toContain(`tenant ${a.tenantId}: user ${a.user}`);
      expect(printed.out).toContain(`read       ${a.read}`);
    }
    expect(printed.out).toContain(`read       ^(${hub.prefix}\\.kiel\\.gewerbe|${hub.prefix}\\.kiel\\.gewerbe\\.dlq|`);
    // A user that does not exist yet, and no password for it: reported, nothing created.
    await localRabbitmqctl.run(["delete_user", userOf("augsburg").user]);
    const applied = await run(["--apply"]);
    expect(applied.code).toBe(1);
    expect(applied.out).toContain(`augsburg: user ${userOf("augsburg").user} does not exist and ${userOf("augsburg").passwordEnv} is not set: skipped`);
    expect(applied.out).toContain(`kiel: permissions of ${userOf("kiel").user} on / set`);
    const users = await localRabbitmqctl.run(["list_users", "--formatter", "json", "--quiet"]);
    expect(JSON.parse(users).map((u: { user: string }) => u.user)).not.toContain(userOf("augsburg").user);
  });
});
