import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { CONSOLE_TOKENS, prepareConsoleConfig } from "../../support/console.ts";
import { antragBody, ozgCloudForm } from "../../support/forms.ts";
import { startTestHub, TOKENS, type TestHub } from "../../support/hub.ts";

/** The console's pages as an operator reads them: sentences and tables, a start page, a state filter, select all. */
describe("console pages (in process)", () => {
  let hub: TestHub;
  let cookie: string;
  const ids: Record<string, string> = {};
  const get = async (p: string) => {
    const res = await hub.app.request(p, { headers: { cookie } });
    expect(res.status, p).toBe(200);
    return res.text();
  };

  beforeAll(async () => {
    hub = await startTestHub();
    await prepareConsoleConfig(hub.configDir);
    expect(await hub.services.reload()).toEqual({ ok: true });
    for (const [name, unit] of [
      ["pages-routed", undefined],
      ["pages-parked-1", "8801"],
      ["pages-parked-2", "8802"],
    ] as const) {
      const res = await hub.app.request("/antrag", {
        method: "POST",
        headers: { authorization: `Bearer ${TOKENS.formsolutions}` },
        body: antragBody(ozgCloudForm({ transactionId: name, zustaendigeStelle: unit }), []),
      });
      expect(res.status).toBe(202);
      ids[name] = (await res.json()).vorgang.vorgangId;
    }
    const login = await hub.app.request("/admin/login", { method: "POST", body: new URLSearchParams({ token: CONSOLE_TOKENS.operator }) });
    cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
  });
  afterAll(async () => {
    await hub?.stop();
  });

  it("says why a delivery is parked in a sentence with a table, never as JSON in a pre block", async () => {
    const page = await get(`/admin/lineage/${ids["pages-parked-1"]}`);
    expect(page).toMatch(/<p id="park-reason">Geparkt beim Schritt „Zuordnung zum Mandanten“: no tenant for recipient/);
    expect(page).not.toMatch(/<pre>\s*\{/);
    expect(page).not.toContain("{&quot;stage&quot;");
    // The timeline's details are tables of field and value.
    expect(page).toMatch(/<td>geparkt<\/td>|<td>\s*geparkt\s*<\/td>/);
    expect(page).toMatch(/<th>Schritt<\/th>\s*<td>routing<\/td>/);
  });

  it("starts the search with the most recent deliveries, and filters by state", async () => {
    const start = await get("/admin/search");
    expect(start).toContain('id="recent"');
    for (const id of Object.values(ids)) expect(start).toContain(`/admin/lineage/${id}`);
    const parked = await get("/admin/search?state=parked");
    expect(parked).not.toContain('id="recent"');
    expect(parked).toContain(`/admin/lineage/${ids["pages-parked-1"]}`);
    expect(parked).not.toContain(`/admin/lineage/${ids["pages-routed"]}`);
    expect(parked).toContain('<option value="parked" selected>geparkt</option>');
  });

  it("lists parked deliveries with the applicant's name, and selects all of them by a link", async () => {
    const list = await get("/admin/parked");
    const row = (id: string) => new RegExp(`value="${id}"[^>]*>[\\s\\S]*?<td class="applicant">([^<]*)</td>`).exec(list)?.[1];
    expect(row(ids["pages-parked-1"]!)).toBe("Jürgen Größe-Möller");
    expect(list).not.toMatch(/name="id" value="[^"]+" checked/);
    expect(list).toContain('id="select-all"');
    const all = await get("/admin/parked?select=all");
    expect([...all.matchAll(/<input type="checkbox" name="id" value="([^"]+)" checked/g)].map((m) => m[1]).sort()).toEqual(
      [ids["pages-parked-1"], ids["pages-parked-2"]].sort(),
    );
  });

  it("lists the audit log by person and action, and exports it as CSV", async () => {
    const viewer = await hub.app.request("/admin/login", { method: "POST", body: new URLSearchParams({ token: CONSOLE_TOKENS.viewer }) });
    const viewerCookie = (viewer.headers.get("set-cookie") ?? "").split(";")[0]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await get("/admin"))![1]!;
    const replay = await hub.app.request(`/admin/lineage/${ids["pages-parked-2"]}/replay`, {
      method: "POST",
      headers: { cookie },
      body: new URLSearchParams({ _csrf: csrf }),
    });
    expect(replay.status).toBe(303);
    // A name that a spreadsheet would run as a formula, as an identity provider might send it.
    await hub.services.store.sql`insert into audit_log (at, actor, role, action, target) values (now(), '=HYPERLINK("x") <evil>', 'viewer', 'login', null)`;

    const all = await get("/admin/audit");
    expect(all).toMatch(/<td class="action">erneute Verarbeitung<\/td>\s*<td><a href="\/admin\/lineage\/[^"]+">/);
    const operator = /<td class="actor">(token:[0-9a-f]{12}) <span class="muted">\(Betrieb\)/.exec(all)![1]!;
    const replays = await get(`/admin/audit?action=replay&actor=${encodeURIComponent(operator)}`);
    expect([...replays.matchAll(/<td class="action">([^<]+)</g)].map((m) => m[1])).toEqual(["erneute Verarbeitung"]);
    expect(replays).toContain(`/admin/lineage/${ids["pages-parked-2"]}`);
    const logins = await get("/admin/audit?action=login");
    expect([...logins.matchAll(/<td class="action">([^<]+)</g)].every((m) => m[1] === "Anmeldung")).toBe(true);
    // Viewers read it too.
    expect((await hub.app.request("/admin/audit", { headers: { cookie: viewerCookie } })).status).toBe(200);

    const csv = await hub.app.request(`/admin/audit.csv?action=replay`, { headers: { cookie } });
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(csv.headers.get("content-disposition")).toMatch(/^attachment; filename="ozg-hub-audit-\d{4}-\d\d-\d\d\.csv"$/);
    const lines = (await csv.text()).trimEnd().split("\r\n");
    expect(lines[0]).toBe("at,actor,role,action,delivery,detail");
    expect(lines.slice(1)).toHaveLength(1);
    expect(lines[1]).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[^,]+Z,${operator},operator,replay,${ids["pages-parked-2"]},"\\{.*""result"":""parked""`));
    const logins2 = await (await hub.app.request(`/admin/audit.csv?action=login`, { headers: { cookie } })).text();
    expect(logins2).toContain(`"'=HYPERLINK(""x"") <evil>",viewer,login`);
  });

  it("draws messages per hour and backlog per subscriber as SVG, and lists every configured subscriber with totals", async () => {
    const id = ids["pages-routed"]!;
    await expect
      .poll(async () => (await hub.services.store.sql`select count(*)::int as n from outbox where delivery_id = ${id} and published_at is null`)[0]!.n, {
        timeout: 10_000,
      })
      .toBe(0);
    const rows = await hub.services.store.sql`select id, subscriber_id from outbox where delivery_id = ${id} and tenant_id = 'kiel' order by id`;
    expect(rows.length).toBeGreaterThan(0);
    // One message of kiel/dms created three hours ago and confirmed one hour ago: backlog at the end of hours -3 and -2.
    const dms = rows.find((r) => r.subscriber_id === "dms")!;
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    await hub.services.store.sql`update outbox set created_at = ${new Date(hour - 3 * 3_600_000 + 60_000).toISOString()},
      published_at = ${new Date(hour - 1 * 3_600_000 + 60_000).toISOString()} where id = ${dms.id}`;
    const page = await get("/admin/traffic");
    const bars = (chart: string) => {
      const svg = new RegExp(`<figure class="chart" id="${chart}">([\\s\\S]*?)</figure>`).exec(page)?.[1] ?? "";
      return [...svg.matchAll(/<rect\s+class="chart-bar"\s+data-value="([\d.]+)"/g)].map((m) => Number(m[1]));
    };
    const created = bars("created-kiel-dms");
    expect(created).toHaveLength(24);
    expect(created.slice(-4)).toEqual([1, 0, 0, 0]);
    expect(bars("backlog-kiel-dms").slice(-4)).toEqual([1, 1, 0, 0]);
    // Configured, without traffic: listed, all zeros.
    expect(page).toMatch(/<tr data-subscriber="augsburg\/dms">\s*<td>augsburg \/ dms<\/td>\s*<td class="n total">0<\/td>/);
    expect(bars("backlog-augsburg-dms").every((n) => n === 0)).toBe(true);
    // Parked per hour: the two parked deliveries of this file (and a failed replay) in the current hour.
    expect(bars("parked-chart").at(-1)).toBeGreaterThanOrEqual(2);
    expect(page).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    const week = await get("/admin/traffic?range=7d");
    expect(new RegExp(`<figure class="chart" id="created-kiel-dms">([\\s\\S]*?)</figure>`).exec(week)![1]!.match(/<rect\s+class="chart-bar"/g)).toHaveLength(
      168,
    );

    const overview = await get("/admin");
    for (const sub of ["augsburg/dms", "augsburg/gewerbe", "kiel/dms", "kiel/gewerbe"]) {
      const [tenant, subscriber] = sub.split("/");
      expect(overview).toMatch(new RegExp(`<td>${tenant}</td>\\s*<td>${subscriber}</td>`));
    }
    expect(overview).toContain("Summe über 4 Abonnenten");
  });

  it("reads ready, unacknowledged and consumers from the management API where it is configured", async () => {
    // A stand-in for RabbitMQ's management HTTP API: the plugin does not run on the test broker.
    const asked: string[] = [];
    const api = createServer((req, res) => {
      asked.push(`${req.headers.authorization} ${req.url}`);
      if (req.url === `/api/queues/%2F/${encodeURIComponent(hub.queue("kiel", "dms"))}`) {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ messages_ready: 7, messages_unacknowledged: 3, consumers: 2 }));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => api.listen(0, "127.0.0.1", r));
    const file = path.join(hub.configDir, "gateway.yaml");
    const ours = await readFile(file, "utf8");
    process.env.OZG_HUB_TEST_MANAGEMENT = "monitor:secret";
    try {
      const doc = parse(ours);
      doc.admin.rabbitmqManagement = { url: `http://127.0.0.1:${(api.address() as AddressInfo).port}`, credentialsEnv: "OZG_HUB_TEST_MANAGEMENT" };
      await writeFile(file, stringify(doc));
      expect(await hub.services.reload()).toEqual({ ok: true });
      const page = await get("/admin/broker");
      expect(page).toContain("Zahlen der Management-API von RabbitMQ");
      const row = new RegExp(`<tr data-queue="${hub.queue("kiel", "dms")}">([\\s\\S]*?)</tr>`).exec(page)![1]!;
      expect([...row.matchAll(/<td class="n (?:ready|unacked|consumers)[^"]*">([^<]*)</g)].map((m) => m[1])).toEqual(["7", "3", "2"]);
      expect(page).toMatch(new RegExp(`data-queue="${hub.queue("augsburg", "dms")}">[\\s\\S]*?fehlt beim Broker`));
      expect(asked[0]).toMatch(new RegExp(`^Basic ${Buffer.from("monitor:secret").toString("base64")} /api/queues/%2F/`));
    } finally {
      await writeFile(file, ours);
      expect(await hub.services.reload()).toEqual({ ok: true });
      delete process.env.OZG_HUB_TEST_MANAGEMENT;
      await new Promise((r) => api.close(r));
    }
  });

  it("reads depth and consumers over AMQP without the management API", async () => {
    const page = await get("/admin/broker");
    expect(page).toContain("Zahlen über AMQP");
    const row = new RegExp(`<tr data-queue="${hub.queue("kiel", "gewerbe")}">([\\s\\S]*?)</tr>`).exec(page)![1]!;
    expect(row).toMatch(/<td class="n unacked">–</);
    expect(row).toMatch(/<td class="n consumers red">0</);
  });
});
