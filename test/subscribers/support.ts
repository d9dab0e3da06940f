import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { serve } from "@hono/node-server";
import amqp from "amqplib";
import { Webhook } from "standardwebhooks";
import { parse, stringify } from "yaml";
import { applyAccess, localRabbitmqctl, tenantAccess } from "../../cli/topology.ts";
import { statusNames } from "../../gateway/status/consumer.ts";
import { expect } from "vitest";
import { postAntrag } from "../support/forms.ts";
import type { TestHub } from "../support/hub.ts";
import { startConsumer, type RunningConsumer } from "../../examples/fachverfahren/consumer.ts";
import { addCredentials, TENANT_TOKENS } from "../isolation/credentials.ts";

/** Real broker users per tenant, as `ozg-hub topology --apply` makes them; `drop()` deletes them. */
export async function tenantUsers(hub: TestHub): Promise<{ urlFor(tenant: string): string; drop(): Promise<void> }> {
  const access = tenantAccess(hub.services.runtime().config);
  const env: NodeJS.ProcessEnv = {};
  const passwords: Record<string, string> = {};
  for (const a of access) env[a.passwordEnv] = passwords[a.tenantId] = randomBytes(12).toString("hex");
  const { failed } = await applyAccess(access, "/", localRabbitmqctl, env);
  if (failed > 0) throw new Error("broker users could not be set up");
  return {
    urlFor(tenant) {
      const a = access.find((x) => x.tenantId === tenant)!;
      const u = new URL(hub.amqpUrl);
      u.username = a.user;
      u.password = passwords[tenant]!;
      return u.toString();
    },
    async drop() {
      for (const a of access) await localRabbitmqctl.run(["delete_user", a.user]).catch(() => {});
    },
  };
}

/** The hub's app on a real port (the example consumer fetches attachments over HTTP). */
export async function listen(hub: TestHub): Promise<{ url: string; close(): Promise<void> }> {
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: (req) => hub.app.fetch(req), port: 0, hostname: "127.0.0.1" }, () => resolve(s as Server));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

export interface WebhookReceiver {
  url: string;
  secret: string;
  /** Verified notifications by webhook-id, with how often each arrived. */
  byId: Map<string, { body: Record<string, any>; count: number }>;
  /** Requests whose signature the reference library refused. */
  invalid: number;
  /** Requests answered 503 while down. */
  refused: number;
  down: boolean;
  /** Every request as received, for checks on the raw bytes. */
  raw: { headers: Record<string, string>; body: string }[];
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A portal's webhook endpoint. Signatures are checked with the Standard Webhooks reference
 * library (`standardwebhooks`), not with ozg-hub's own code; it also enforces the 5-minute
 * timestamp tolerance.
 */
export async function webhookReceiver(): Promise<WebhookReceiver> {
  const secret = `whsec_${randomBytes(24).toString("base64")}`;
  const verifier = new Webhook(secret);
  const r = { byId: new Map(), invalid: 0, refused: 0, down: false, raw: [] } as unknown as WebhookReceiver;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      r.raw.push({ headers, body });
      if (r.down) {
        r.refused++;
        res.writeHead(503).end();
        return;
      }
      try {
        verifier.verify(body, headers);
      } catch {
        r.invalid++;
        res.writeHead(400).end();
        return;
      }
      const id = headers["webhook-id"]!;
      const seen = r.byId.get(id);
      if (seen) seen.count++;
      else r.byId.set(id, { body: JSON.parse(body), count: 1 });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/ozg`;
  r.secret = secret;
  r.waitFor = async (n, timeoutMs = 20_000) => {
    const end = Date.now() + timeoutMs;
    while (r.byId.size < n) {
      if (Date.now() > end) throw new Error(`webhook receiver got ${r.byId.size} of ${n} notifications`);
      await new Promise((res) => setTimeout(res, 50));
    }
  };
  r.close = () => new Promise((resolve) => server.close(() => resolve()));
  return r;
}

/** Configures `portal`'s webhook in the hub's config directory (secret via environment) and reloads. */
export async function configureWebhook(hub: TestHub, portal: string, receiver: WebhookReceiver): Promise<void> {
  const secretEnv = `OZG_HUB_TEST_WEBHOOK_${hub.prefix.toUpperCase()}`;
  process.env[secretEnv] = receiver.secret;
  const file = path.join(hub.configDir, "portals", `${portal}.yaml`);
  const doc = parse(await readFile(file, "utf8"));
  doc.webhook = { url: receiver.url, secretEnv };
  await writeFile(file, stringify(doc));
  const r = await hub.services.reload();
  if (!r.ok) throw new Error(`test config rejected: ${JSON.stringify(r.problems)}`);
}

/** Publishes a status event to the hub's status exchange as `amqpUrl`'s user; resolves "ok" or the broker's refusal. */
export async function publishStatus(hub: TestHub, amqpUrl: string, routingKey: string, event: unknown): Promise<string> {
  const conn = await amqp.connect(amqpUrl);
  conn.on("error", () => {});
  try {
    const ch = await conn.createConfirmChannel();
    const closed = new Promise<string>((resolve) => ch.on("error", (err: { code?: number }) => resolve(`refused ${err.code}`)));
    const exchange = statusNames(hub.services.runtime().config.gateway).exchange;
    const sent = new Promise<string>((resolve) => {
      ch.publish(exchange, routingKey, Buffer.from(typeof event === "string" ? event : JSON.stringify(event)), { persistent: true }, (err: unknown) =>
        resolve(err ? `refused ${(err as { code?: number }).code ?? "nack"}` : "ok"),
      );
    });
    return await Promise.race([sent, closed]);
  } finally {
    await conn.close().catch(() => {});
  }
}

/** Row counts of the tables of the way back. */
export async function statusCounts(hub: TestHub): Promise<Record<string, number>> {
  const [r] = await hub.services.store.sql<{ reports: number; notifications: number; events: number }[]>`
    select (select count(*)::int from status_reports) as reports, (select count(*)::int from portal_notifications) as notifications,
           (select count(*)::int from events) as events`;
  return r!;
}

/** Polls `check` every 50 ms until it returns a value other than undefined. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The example Fachverfahren on Kiel's `dms` queue with Kiel's broker user and API token, as the
 * way-back tests run it: it publishes `received`, then `decided` with a Bescheid.
 */
/** Kiel's example Fachverfahren consuming `kiel.<subscriber>` with Kiel's own broker user, reading attachments from `apiBase`. */
export async function startKielDms(
  hub: TestHub,
  users: { urlFor(tenant: string): string },
  apiBase: string,
  decisionDelayMs = 200,
  subscriber = "dms",
): Promise<RunningConsumer> {
  return startConsumer({
    amqpUrl: users.urlFor("kiel"),
    queue: hub.queue("kiel", subscriber),
    statusExchange: statusNames(hub.services.runtime().config.gateway).exchange,
    routingKey: `kiel.${subscriber}`,
    source: subscriber === "dms" ? "urn:dms:kiel" : `urn:fachverfahren:kiel:${subscriber}`,
    apiBase,
    apiToken: TENANT_TOKENS.kiel,
    decisionDelayMs,
  });
}

export interface CaseSystem {
  users: Awaited<ReturnType<typeof tenantUsers>>;
  http: Awaited<ReturnType<typeof listen>>;
  consumer: RunningConsumer;
  /** Stops the consumer, closes the API port and drops the broker users. */
  stop(): Promise<void>;
}

/**
 * The way back's far end, as in production: the tenants' API tokens configured, their own broker
 * users, the hub's API on a port, and Kiel's example Fachverfahren on `kiel.<subscriber>`, which
 * answers every application with `received` and `decided` (with a Bescheid).
 */
export async function startCaseSystem(hub: TestHub, o: { subscriber?: string; decisionDelayMs?: number } = {}): Promise<CaseSystem> {
  await addCredentials(hub);
  const users = await tenantUsers(hub);
  const http = await listen(hub);
  const consumer = await startKielDms(hub, users, http.url, o.decisionDelayMs, o.subscriber);
  return {
    users,
    http,
    consumer,
    async stop() {
      await consumer.stop();
      await http.close();
      await users.drop();
    },
  };
}

/** Delivers the OZG-Cloud sample form (with `patch`) at /antrag, expects it accepted, and returns its delivery and its one application. */
export async function submitAntrag(hub: TestHub, patch: Parameters<typeof postAntrag>[1] = {}): Promise<{ deliveryId: string; applicationId: string }> {
  const res = await postAntrag(hub, patch);
  expect(res.status).toBe(202);
  const deliveryId = ((await res.json()) as { vorgang: { vorgangId: string } }).vorgang.vorgangId;
  const [row] = await hub.services.store.sql<{ id: string }[]>`select id from applications where delivery_id = ${deliveryId}`;
  return { deliveryId, applicationId: row!.id };
}

/** A status event as a subscriber publishes it to ozg.status. */
export function statusEvent(id: string, data: Record<string, unknown>, source = "urn:fachverfahren:test") {
  return { specversion: "1.0", id, source, type: "de.ozghub.application.status.v1", data };
}
