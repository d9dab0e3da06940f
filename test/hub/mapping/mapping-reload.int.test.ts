import { randomBytes } from "node:crypto";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { TestBroker } from "../../support/broker.ts";
import { createTestDatabase } from "../../support/database.ts";
import { REPO, startTestHub, TOKENS, writeTestConfig, type TestHub } from "../../support/hub.ts";
import { spawnHub } from "../../support/process.ts";

const auth = { authorization: `Bearer ${TOKENS.formsolutions}` };
const BROKEN = "  service.formId: $xml.name\n";
const BROKEN_TO = "  service.formId: $xml.name &&& oops\n";
/** The line of the broken field in the shipped mapping file, where the errors must point. */
const brokenLine = (good: string) => good.split("\n").indexOf(BROKEN.trimEnd()) + 1;

async function copyMappings(): Promise<{ dir: string; file: string; good: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), "ozg-hub-reload-mappings-"));
  await cp(path.join(REPO, "mappings"), dir, { recursive: true });
  const file = path.join(dir, "xgewerbeanzeige/xgewerbeanzeige.yaml");
  return { dir, file, good: await readFile(file, "utf8") };
}

const reloadCount = (metrics: string, result: string) =>
  Number(new RegExp(`ozg_hub_config_reloads_total\\{result="${result}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);

describe("hot reload of mappings in a running hub", () => {
  let hub: TestHub;
  let m: Awaited<ReturnType<typeof copyMappings>>;
  beforeAll(async () => {
    m = await copyMappings();
    hub = await startTestHub({ mappings: m.dir });
  });
  afterAll(async () => {
    await hub?.stop();
    await rm(m.dir, { recursive: true, force: true });
  });

  const post = async (key: string) => {
    const body = await readFile(path.join(REPO, "mappings/xgewerbeanzeige/fixtures/anmeldung-kiel-umlauts.input.xml"), "utf8");
    const res = await hub.app.request("/api/v1/deliveries", {
      method: "POST",
      headers: { ...auth, "content-type": "application/xml", "idempotency-key": key },
      body,
    });
    expect(res.status).toBe(202);
    return (await res.json()) as { state: string };
  };

  it("keeps the running mappings on an invalid change and says why: result, log, metric, /readyz", async () => {
    await writeFile(m.file, m.good.replace(BROKEN, BROKEN_TO));
    const r = await hub.services.reload();
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems;
    expect(brokenLine(m.good)).toBeGreaterThan(0);
    expect(problems).toEqual([
      expect.objectContaining({ path: "fields.service.formId", line: brokenLine(m.good), message: expect.stringContaining("(at character") }),
    ]);
    expect(hub.logs.join("")).toContain("config reload rejected, keeping the running config");

    const ready = await (await hub.app.request("/readyz")).json();
    expect(ready.config.status).toBe("reload rejected, running the previous config");
    expect(ready.config.problems).toEqual([expect.stringMatching(new RegExp(`xgewerbeanzeige\\.yaml:${brokenLine(m.good)} fields\\.service\\.formId: `))]);
    expect(reloadCount(await (await hub.app.request("/metrics")).text(), "rejected")).toBe(1);

    // The previous mappings still serve: a delivery maps and is routed.
    expect((await post("reload-1")).state).toBe("routed");
    const [msg] = await hub.broker.drain(hub.queue("kiel", "gewerbe"), { atLeast: 1 });
    expect((msg!.body as any).data.service.formId).toBe("abh.gewerbemeldung.0500");
    await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1 });
  });

  it("applies a valid change and clears the /readyz detail", async () => {
    await writeFile(m.file, m.good.replace(BROKEN, "  service.formId: \"'xgewerbeanzeige-' & $xml.name\"\n"));
    expect(await hub.services.reload()).toEqual({ ok: true });
    const ready = await (await hub.app.request("/readyz")).json();
    expect(ready).not.toHaveProperty("config");
    expect(reloadCount(await (await hub.app.request("/metrics")).text(), "applied")).toBe(1);
    expect((await post("reload-2")).state).toBe("routed");
    const [msg] = await hub.broker.drain(hub.queue("kiel", "gewerbe"), { atLeast: 1 });
    expect((msg!.body as any).data.service.formId).toBe("xgewerbeanzeige-abh.gewerbemeldung.0500");
  });
});

describe("SIGHUP reloads `ozg-hub serve`", () => {
  const prefix = `t${randomBytes(4).toString("hex")}`;
  let m: Awaited<ReturnType<typeof copyMappings>>;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let configDir: string;
  beforeAll(async () => {
    m = await copyMappings();
    db = await createTestDatabase(inject("databaseUrl"));
    configDir = await writeTestConfig(prefix, { mappings: m.dir });
  });
  afterAll(async () => {
    const broker = await TestBroker.connect(inject("amqpUrl"));
    await broker.deleteAll(
      prefix,
      [`${prefix}.applications`, `${prefix}.dead-letter`],
      ["kiel", "augsburg"].flatMap((t) => ["gewerbe", "dms"].flatMap((s) => [`${prefix}.${t}.${s}`, `${prefix}.${t}.${s}.dlq`])),
    );
    await broker.close();
    await db?.drop();
    await rm(configDir, { recursive: true, force: true });
    await rm(m.dir, { recursive: true, force: true });
  });

  async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const v = await f();
      if (ok(v) || Date.now() > deadline) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it("rejects a broken mapping file with file and line, then applies the fix", async () => {
    const hub = await spawnHub({ DATABASE_URL: db.url, AMQP_URL: inject("amqpUrl"), OZG_HUB_CONFIG: configDir }, undefined, { ready: true });
    try {
      const readyz = () => fetch(`${hub.url}/readyz`).then((r) => r.json() as Promise<Record<string, any>>);
      const metrics = () => fetch(`${hub.url}/metrics`).then((r) => r.text());

      await writeFile(m.file, m.good.replace(BROKEN, BROKEN_TO));
      hub.child.kill("SIGHUP");
      const rejected = await until(readyz, (r) => r.config !== undefined);
      expect(rejected.status).toBe("ready");
      expect(rejected.config.problems).toEqual([expect.stringMatching(new RegExp(`xgewerbeanzeige\\.yaml:${brokenLine(m.good)} fields\\.service\\.formId: `))]);
      expect(reloadCount(await metrics(), "rejected")).toBe(1);
      expect(hub.output.join("")).toContain("config reload rejected");

      await writeFile(m.file, m.good);
      hub.child.kill("SIGHUP");
      const applied = await until(readyz, (r) => r.config === undefined);
      expect(applied).toMatchObject({ status: "ready" });
      expect(applied).not.toHaveProperty("config");
      expect(reloadCount(await metrics(), "applied")).toBe(1);
    } finally {
      hub.child.kill("SIGTERM");
      await hub.exited;
    }
  });
});
