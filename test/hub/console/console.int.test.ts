import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { CONSOLE_TOKENS, prepareConsoleConfig, routeOfficeToKiel } from "../../support/console.ts";
import { rowCounts } from "../../support/database.ts";
import { postAntrag } from "../../support/forms.ts";
import { startTestHub, TOKENS, type TestHub } from "../../support/hub.ts";

/** Logs in with a token through the form and returns the session cookie and the page's CSRF token. */
async function login(hub: TestHub, token: string): Promise<{ cookie: string; csrf: string; setCookie: string }> {
  const res = await hub.app.request("/admin/login", { method: "POST", body: new URLSearchParams({ token }) });
  expect(res.status).toBe(303);
  const setCookie = res.headers.get("set-cookie") ?? "";
  const cookie = setCookie.split(";")[0]!;
  const page = await (await hub.app.request("/admin", { headers: { cookie } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";
  return { cookie, csrf, setCookie };
}

describe("console: sessions, roles, CSRF and audit (in process)", () => {
  let hub: TestHub;
  let parkedId: string;
  beforeAll(async () => {
    hub = await startTestHub();
    await prepareConsoleConfig(hub.configDir);
    expect(await hub.services.reload()).toEqual({ ok: true });
    const res = await postAntrag(hub, { transactionId: "console-parked", zustaendigeStelle: "000000" });
    expect(res.status).toBe(202);
    parkedId = (await res.json()).vorgang.vorgangId;
  });
  afterAll(async () => {
    await hub?.stop();
  });

  it("sends pages to the login without a session, and refuses unknown tokens", async () => {
    for (const p of ["/admin", "/admin/search?q=x", "/admin/parked", `/admin/lineage/${parkedId}`]) {
      const res = await hub.app.request(p);
      expect(res.status, p).toBe(303);
      expect(res.headers.get("location")).toBe("/admin/login");
    }
    const before = await rowCounts(hub.databaseUrl);
    for (const token of ["", "nope", TOKENS.formsolutions]) {
      const res = await hub.app.request("/admin/login", { method: "POST", body: new URLSearchParams({ token }) });
      expect(res.status).toBe(401);
      expect(res.headers.get("set-cookie")).toBeNull();
    }
    const [s] = await hub.services.store.sql`select count(*)::int as n from console_sessions`;
    expect(s!.n).toBe(0);
    expect(await rowCounts(hub.databaseUrl)).toEqual(before);
  });

  it("sets an HttpOnly, SameSite=Strict cookie whose id the store keeps only hashed", async () => {
    const { setCookie, cookie } = await login(hub, CONSOLE_TOKENS.operator);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\/admin/);
    const id = cookie.split("=")[1]!;
    const rows = await hub.services.store.sql`select id_sha256, role from console_sessions`;
    expect(rows.some((r) => r.id_sha256 === id)).toBe(false);
    expect(rows.map((r) => r.role)).toContain("operator");
    // The admin token never reaches the browser or the table.
    const res = await hub.app.request("/admin", { headers: { cookie } });
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(await res.text()).not.toContain(CONSOLE_TOKENS.operator);
  });

  it("refuses a POST without, with a wrong, or with a cross-origin CSRF token, and changes nothing", async () => {
    const { cookie, csrf } = await login(hub, CONSOLE_TOKENS.operator);
    expect(csrf.length).toBeGreaterThan(20);
    const before = await rowCounts(hub.databaseUrl);
    const [audits] = await hub.services.store.sql`select count(*)::int as n from audit_log`;
    const attempts: [Record<string, string>, Record<string, string>][] = [
      [{ cookie }, {}],
      [{ cookie }, { _csrf: "wrong" }],
      [{ cookie, origin: "https://evil.example" }, { _csrf: csrf }],
    ];
    for (const [headers, form] of attempts) {
      const res = await hub.app.request(`/admin/lineage/${parkedId}/cancel`, { method: "POST", headers, body: new URLSearchParams(form) });
      expect(res.status).toBe(403);
    }
    expect(await rowCounts(hub.databaseUrl)).toEqual(before);
    const [after] = await hub.services.store.sql`select count(*)::int as n from audit_log`;
    expect(after!.n).toBe(audits!.n);
    const [d] = await hub.services.store.sql`select state from deliveries where id = ${parkedId}`;
    expect(d!.state).toBe("parked");
  });

  it("lets a viewer look but not download or act", async () => {
    const { cookie, csrf } = await login(hub, CONSOLE_TOKENS.viewer);
    // A parked delivery has no application: its applicant is found in the document as received.
    const search = await (await hub.app.request(`/admin/search?q=${encodeURIComponent("Größe-Möl")}`, { headers: { cookie } })).text();
    expect(search).toContain(`/admin/lineage/${parkedId}`);
    const lineage = await hub.app.request(`/admin/lineage/${parkedId}`, { headers: { cookie } });
    expect(lineage.status).toBe(200);
    const html = await lineage.text();
    expect(html).not.toContain(`/admin/lineage/${parkedId}/document`);
    expect(html).not.toContain('id="replay"');
    expect((await hub.app.request(`/admin/lineage/${parkedId}/document`, { headers: { cookie } })).status).toBe(403);
    const before = await rowCounts(hub.databaseUrl);
    for (const action of ["replay", "cancel"]) {
      const res = await hub.app.request(`/admin/lineage/${parkedId}/${action}`, {
        method: "POST",
        headers: { cookie },
        body: new URLSearchParams({ _csrf: csrf }),
      });
      expect(res.status).toBe(403);
    }
    expect(await rowCounts(hub.databaseUrl)).toEqual(before);
  });

  it("records operator downloads and actions in the audit log, shown in the lineage", async () => {
    const { cookie, csrf } = await login(hub, CONSOLE_TOKENS.operator);
    const doc = await hub.app.request(`/admin/lineage/${parkedId}/document`, { headers: { cookie } });
    expect(doc.status).toBe(200);
    expect(doc.headers.get("content-disposition")).toMatch(/^attachment/);
    expect(JSON.parse(await doc.text()).control.transactionId).toBe("console-parked");
    const cancel = await hub.app.request(`/admin/lineage/${parkedId}/cancel`, {
      method: "POST",
      headers: { cookie },
      body: new URLSearchParams({ _csrf: csrf }),
    });
    expect(cancel.status).toBe(303);
    const rows = await hub.services.store.sql`select action, role, actor from audit_log where target = ${parkedId} order by id`;
    expect(rows.map((r) => r.action)).toEqual(["download-document", "cancel"]);
    expect(rows.every((r) => r.role === "operator" && /^token:[0-9a-f]{12}$/.test(r.actor))).toBe(true);
    const page = await (await hub.app.request(`/admin/lineage/${parkedId}`, { headers: { cookie } })).text();
    expect(page).toContain("cancel by token:");
    expect(page).toContain('class="state-cancelled"');
  });

  it("keeps the JSON admin API on its bearer token", async () => {
    const res = await hub.app.request("/admin/deliveries");
    expect(res.status).toBe(401);
    const ok = await hub.app.request("/admin/deliveries", { headers: { authorization: `Bearer ${CONSOLE_TOKENS.operator}` } });
    expect(ok.status).toBe(200);
  });

  it("replays all parked deliveries matching a filter as a job with progress, and only those", async () => {
    const ids: Record<string, string> = {};
    for (const unit of ["5001", "5002"]) {
      const res = await postAntrag(hub, { transactionId: `console-filter-${unit}`, zustaendigeStelle: unit });
      ids[unit] = (await res.json()).vorgang.vorgangId;
    }
    await routeOfficeToKiel(hub.configDir, "5001");
    await routeOfficeToKiel(hub.configDir, "5002"); // fixed too, but outside the filter: must stay parked
    expect(await hub.services.reload()).toEqual({ ok: true });
    const { cookie, csrf } = await login(hub, CONSOLE_TOKENS.operator);
    const reason = 'routing: no tenant for recipient {"organisationUnitId":"5001"}';
    const list = await (await hub.app.request(`/admin/parked?reason=${encodeURIComponent(reason)}`, { headers: { cookie } })).text();
    expect(list).toContain(ids["5001"]);
    expect(list).not.toContain(ids["5002"]);
    const started = await hub.app.request("/admin/parked/act", {
      method: "POST",
      headers: { cookie },
      body: new URLSearchParams({ _csrf: csrf, do: "replay-all", reason, tenant: "" }),
    });
    expect(started.status).toBe(303);
    const job = started.headers.get("location")!;
    expect(job).toMatch(/^\/admin\/jobs\//);
    await expect.poll(async () => (await hub.app.request(job, { headers: { cookie } })).text(), { timeout: 10_000 }).toContain("1 of 1 replayed: 1 routed");
    const rows = await hub.services.store.sql`select id, state from deliveries where id in ${hub.services.store.sql([ids["5001"]!, ids["5002"]!])}`;
    expect(Object.fromEntries(rows.map((r) => [r.id, r.state === "parked"]))).toEqual({ [ids["5001"]!]: false, [ids["5002"]!]: true });
    const audit = await hub.services.store.sql`select action, target from audit_log where action like 'replay%' order by id`;
    expect(audit.map((a) => a.action)).toEqual(["replay-batch", "replay"]);
    expect(audit[1]!.target).toBe(ids["5001"]);
  });

  it("shows a rejected config reload on the overview", async () => {
    const { cookie } = await login(hub, CONSOLE_TOKENS.operator);
    await writeFile(path.join(hub.configDir, "tenants", "broken.yaml"), "id: Not Valid\n");
    expect((await hub.services.reload()).ok).toBe(false);
    const page = await (await hub.app.request("/admin", { headers: { cookie } })).text();
    expect(page).toContain("The last reload was rejected");
    expect(page).toContain("tenants/broken");
    await rm(path.join(hub.configDir, "tenants", "broken.yaml"));
    expect(await hub.services.reload()).toEqual({ ok: true });
  });

  it("keeps sessions in Postgres: another instance knows them, and logout ends them everywhere", async () => {
    const { cookie, csrf } = await login(hub, CONSOLE_TOKENS.viewer);
    await hub.restart(); // new services and app on the same database, as a second instance would be
    expect((await hub.app.request("/admin", { headers: { cookie } })).status).toBe(200);
    const out = await hub.app.request("/admin/logout", { method: "POST", headers: { cookie }, body: new URLSearchParams({ _csrf: csrf }) });
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toMatch(/ozg_console=;/);
    expect((await hub.app.request("/admin", { headers: { cookie } })).status).toBe(303);
  });
});
