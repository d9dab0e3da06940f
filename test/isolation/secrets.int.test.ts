import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { localRabbitmqctl } from "../../cli/topology.ts";
import { sha256Hex } from "../../gateway/index.ts";
import { REPO, TOKENS, writeTestConfig } from "../support/config.ts";
import { createTestDatabase } from "../support/database.ts";
import { antragBody, ozgCloudForm } from "../support/forms.ts";
import { spawnHub, type HubProcess } from "../support/process.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";

/**
 * Runs representative flows, good and failing, against `ozg-hub serve` processes whose
 * connection strings carry real passwords, and greps everything they wrote (stdout, stderr)
 * and every response body for each secret involved.
 */
describe("secrets never reach logs or error bodies", () => {
  const prefix = `sec${randomBytes(3).toString("hex")}`;
  const amqpUser = `${prefix}-hub`;
  const amqpPassword = `amqp-pw-${randomBytes(8).toString("hex")}`;
  const pgPassword = `pg-pw-${randomBytes(8).toString("hex")}`; // trust auth: sent nowhere, but carried in the URL
  const tenantToken = `tenant-token-${randomBytes(8).toString("hex")}`;
  const adminToken = `admin-token-${randomBytes(8).toString("hex")}`;
  const wrongToken = `wrong-token-${randomBytes(8).toString("hex")}`;
  const SECRETS = [TOKENS.formsolutions, TOKENS.serviceportal, amqpPassword, pgPassword, tenantToken, adminToken, wrongToken];

  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let configDir: string;
  let proxy: TcpProxy;
  const captured: string[] = [];
  const procs: HubProcess[] = [];

  const withPassword = (url: string, user: string | undefined, password: string) => {
    const u = new URL(url);
    if (user) u.username = user;
    u.password = password;
    return u.toString();
  };

  beforeAll(async () => {
    db = await createTestDatabase(inject("databaseUrl"));
    configDir = await writeTestConfig(prefix);
    await writeFile(
      path.join(configDir, "gateway.yaml"),
      `${await import("node:fs/promises").then((f) => f.readFile(path.join(configDir, "gateway.yaml"), "utf8"))}admin:\n  tokenSha256: ["${sha256Hex(adminToken)}"]\n`,
    );
    const kiel = path.join(configDir, "tenants/kiel.yaml");
    await writeFile(kiel, `${await import("node:fs/promises").then((f) => f.readFile(kiel, "utf8"))}api:\n  tokenSha256: ["${sha256Hex(tenantToken)}"]\n`);
    // A broker user of its own with a password worth hiding, confined to this test's names.
    await localRabbitmqctl.run(["add_user", amqpUser], amqpPassword);
    const mine = `^${prefix.replace(/[.]/g, "\\.")}\\.`;
    await localRabbitmqctl.run(["set_permissions", "-p", "/", amqpUser, mine, mine, mine]);
    const amqpTarget = new URL(inject("amqpUrl"));
    proxy = await TcpProxy.start({ host: amqpTarget.hostname, port: Number(amqpTarget.port || 5672) });
  });
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    await proxy?.close();
    await localRabbitmqctl.run(["delete_user", amqpUser]).catch(() => {});
    const amqp = await import("amqplib");
    const conn = await amqp.connect(inject("amqpUrl"));
    const ch = await conn.createChannel();
    for (const t of ["kiel", "augsburg"])
      for (const s of ["gewerbe", "dms"]) for (const q of [`${prefix}.${t}.${s}`, `${prefix}.${t}.${s}.dlq`]) await ch.deleteQueue(q);
    await ch.deleteExchange(`${prefix}.applications`);
    await ch.deleteExchange(`${prefix}.dead-letter`);
    await conn.close();
    await db?.drop();
    await rm(configDir, { recursive: true, force: true });
  });

  async function call(hub: HubProcess, p: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(`${hub.url}${p}`, init);
    captured.push(`${res.status} ${p.split("?")[0]}: ${await res.clone().text()}`); // the query is what the test sent, not what the hub wrote
    return res;
  }

  it("in the flows of a running hub: deliveries, wrong tokens, broker cut, reload of a bad config", async () => {
    const env = {
      DATABASE_URL: withPassword(db.url, "postgres", pgPassword),
      AMQP_URL: withPassword(proxy.url(inject("amqpUrl")), amqpUser, amqpPassword),
      OZG_HUB_CONFIG: configDir,
    };
    const hub = await spawnHub(env, undefined, { ready: true });
    procs.push(hub);
    const good = { authorization: `Bearer ${TOKENS.formsolutions}` };
    const ok = await call(hub, "/antrag", {
      method: "POST",
      headers: good,
      body: antragBody(ozgCloudForm({ transactionId: "sec-1" }), [{ part: "attachment", name: "a.txt", type: "text/plain", content: "hallo" }]),
    });
    expect(ok.status).toBe(202);
    const { vorgang } = await ok.json();
    for (const token of [wrongToken, TOKENS.serviceportal]) {
      await call(hub, "/antrag", {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body: antragBody(ozgCloudForm({ transactionId: "sec-2" }), []),
      });
      await call(hub, `/api/v1/applications/${vorgang.vorgangId}`, { headers: { authorization: `Bearer ${token}` } });
      await call(hub, "/admin/deliveries", { headers: { authorization: `Bearer ${token}` } });
      await call(hub, "/api/v1/attachments/00000000-0000-4000-8000-000000000000", { headers: { authorization: `Bearer ${token}` } });
      await call(hub, "/api/v1/applications", {
        method: "POST",
        headers: { authorization: `Basic ${Buffer.from(`formsolutions:${token}`).toString("base64")}`, "content-type": "application/json" },
        body: "{}",
      });
    }
    await call(hub, `/api/v1/deliveries?token=${wrongToken}`, {
      method: "POST",
      headers: { ...good, "content-type": "application/xml" },
      body: `<a>${wrongToken}`,
    });
    expect((await call(hub, "/admin/deliveries?state=routed", { headers: { authorization: `Bearer ${adminToken}` } })).status).toBe(200);
    expect((await call(hub, `/admin/deliveries/${vorgang.vorgangId}`, { headers: { authorization: `Bearer ${adminToken}` } })).status).toBe(200);

    // Broker away: intake still answers, the relay logs its retries.
    proxy.cut();
    const during = await call(hub, "/antrag", { method: "POST", headers: good, body: antragBody(ozgCloudForm({ transactionId: "sec-3" }), []) });
    expect(during.status).toBe(202);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await call(hub, "/readyz?broker")).status).toBe(503);
    proxy.restore();
    await new Promise((r) => setTimeout(r, 1500));
    await call(hub, "/readyz");
    await call(hub, "/metrics");

    // A reload with a broken config is rejected and logged.
    const broken = path.join(configDir, "tenants/broken.yaml");
    await writeFile(broken, `id: Broken\nname: x\nsubscribers: []\napi:\n  tokenSha256: ["${tenantToken}"]\n`);
    hub.child.kill("SIGHUP");
    await new Promise((r) => setTimeout(r, 1000));
    await call(hub, "/readyz");
    await rm(broken);
    hub.child.kill("SIGTERM");
    expect(await hub.exited).toBe(0);
    const logs = hub.output.join("");
    expect(logs).toContain("config reload rejected"); // the failures above did happen and were logged
    expect(logs).toContain("cannot publish");
    captured.push(logs);
  });

  it("when a hub cannot start: wrong broker password, unreachable database, invalid config", async () => {
    const wrongAmqp = await spawnHub({
      DATABASE_URL: withPassword(db.url, "postgres", pgPassword),
      AMQP_URL: withPassword(inject("amqpUrl"), amqpUser, `${amqpPassword}x`),
      OZG_HUB_CONFIG: configDir,
    });
    procs.push(wrongAmqp);
    expect((await call(wrongAmqp, "/readyz?broker")).status).toBe(503);
    await new Promise((r) => setTimeout(r, 1000));
    wrongAmqp.child.kill("SIGTERM");
    await wrongAmqp.exited;
    captured.push(wrongAmqp.output.join(""));

    const run = async (env: Record<string, string>) => {
      const child = spawn(process.execPath, [path.join(REPO, "bin/ozg-hub.mjs"), "serve"], {
        cwd: REPO,
        env: { ...process.env, PORT: "0", HOST: "127.0.0.1", ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const code = await new Promise((r) => child.once("exit", r));
      clearTimeout(timer);
      captured.push(out);
      return { code, out };
    };
    const noDb = await run({
      DATABASE_URL: `postgres://postgres:${pgPassword}@127.0.0.1:1/nothing`,
      AMQP_URL: withPassword(inject("amqpUrl"), amqpUser, amqpPassword),
      OZG_HUB_CONFIG: configDir,
    });
    expect(noDb.code).not.toBe(0);
    const badConfig = await writeTestConfig(`${prefix}b`);
    await writeFile(path.join(badConfig, "portals/leak.yaml"), `id: leak\nname: x\ntokenSha256: ["${wrongToken}"]\n`);
    const invalid = await run({
      DATABASE_URL: withPassword(db.url, "postgres", pgPassword),
      AMQP_URL: withPassword(inject("amqpUrl"), amqpUser, amqpPassword),
      OZG_HUB_CONFIG: badConfig,
    });
    await rm(badConfig, { recursive: true, force: true });
    expect(invalid.code).toBe(1);
    expect(invalid.out).toContain("portals/leak.yaml");
  });

  it("no secret in anything captured", () => {
    const all = captured.join("\n");
    expect(all.length).toBeGreaterThan(2000);
    const leaks = SECRETS.filter((s) => all.includes(s)).map((s) => {
      const at = all.indexOf(s);
      return `${s.slice(0, 6)}…: ${all.slice(Math.max(0, at - 150), at + 50).replace(s, "<SECRET>")}`;
    });
    expect(leaks).toEqual([]);
  });
});
