import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { CONSOLE_TOKENS, prepareConsoleConfig, routeOfficeToKiel } from "../../support/console.ts";
import { rowCounts } from "../../support/database.ts";
import { antragBody, ozgCloudForm, postAntrag } from "../../support/forms.ts";
import { REPO, startTestHub, TOKENS, type TestHub } from "../../support/hub.ts";
import { parse, stringify } from "yaml";
import { sha256Hex } from "../../../gateway/auth/portals.ts";
import { view } from "../../../gateway/console/i18n.ts";

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
  /** Delivers an application for office `unit` (none: routable) and returns its delivery id. */
  const deliver = async (transactionId: string, zustaendigeStelle?: string): Promise<string> => {
    const res = await hub.app.request("/antrag", {
      method: "POST",
      headers: { authorization: `Bearer ${TOKENS.formsolutions}` },
      body: antragBody(ozgCloudForm({ transactionId, zustaendigeStelle }), []),
    });
    expect(res.status).toBe(202);
    return (await res.json()).vorgang.vorgangId as string;
  };
  beforeAll(async () => {
    hub = await startTestHub();
    await prepareConsoleConfig(hub.configDir);
    expect(await hub.services.reload()).toEqual({ ok: true });
    parkedId = await deliver("console-parked", "000000");
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

  it("logs in with the sample config's documented tokens, and the login page says how access is configured", async () => {
    const file = path.join(hub.configDir, "gateway.yaml");
    const ours = await readFile(file, "utf8");
    const sample = parse(await readFile(path.join(REPO, "config/gateway.yaml"), "utf8")) as { admin: unknown };
    try {
      await writeFile(file, stringify({ ...parse(ours), admin: undefined }));
      expect(await hub.services.reload()).toEqual({ ok: true });
      const none = await (await hub.app.request("/admin/login")).text();
      expect(none).toContain("Es ist kein Zugang zur Konsole eingerichtet.");
      expect(none).toMatch(/Abschnitt <code>admin<\/code>/);
      await writeFile(file, stringify({ ...parse(ours), admin: sample.admin }));
      expect(await hub.services.reload()).toEqual({ ok: true });
      expect(await (await hub.app.request("/admin/login")).text()).not.toContain("kein Zugang");
      for (const [token, role] of [
        ["admin-dev-token", "Betrieb"],
        ["viewer-dev-token", "Lesezugriff"],
      ] as const) {
        const { cookie } = await login(hub, token);
        expect(await (await hub.app.request("/admin", { headers: { cookie } })).text()).toContain(`(${role})`);
      }
    } finally {
      await writeFile(file, ours);
      expect(await hub.services.reload()).toEqual({ ok: true });
    }
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
    expect(page).toContain("Stornierung durch token:");
    expect(page).toContain('class="state-cancelled"');
  });

  it("keeps the JSON admin API on its bearer token: viewers read, and are told why they may not act", async () => {
    const res = await hub.app.request("/admin/deliveries");
    expect(res.status).toBe(401);
    const ok = await hub.app.request("/admin/deliveries", { headers: { authorization: `Bearer ${CONSOLE_TOKENS.operator}` } });
    expect(ok.status).toBe(200);
    const viewer = { authorization: `Bearer ${CONSOLE_TOKENS.viewer}` };
    const parked = await deliver("console-api-viewer", "7001");
    const list = await hub.app.request("/admin/deliveries?state=parked", { headers: viewer });
    expect(list.status).toBe(200);
    expect((await list.json()).items.map((d: { id: string }) => d.id)).toContain(parked);
    expect((await hub.app.request(`/admin/deliveries/${parked}`, { headers: viewer })).status).toBe(200);
    expect((await hub.app.request("/admin/webhooks", { headers: viewer })).status).toBe(200);
    const before = await rowCounts(hub.databaseUrl);
    const replay = await hub.app.request(`/admin/deliveries/${parked}/replay`, { method: "POST", headers: viewer });
    expect(replay.status).toBe(403);
    expect(replay.headers.get("content-type")).toMatch(/problem\+json/);
    expect((await replay.json()).detail).toMatch(/viewer token may only read/);
    expect(await rowCounts(hub.databaseUrl)).toEqual(before);
    // An operator's replay through the API is in the audit log and on the timeline, named by its token.
    const replayed = await hub.app.request(`/admin/deliveries/${parked}/replay`, {
      method: "POST",
      headers: { authorization: `Bearer ${CONSOLE_TOKENS.operator}` },
    });
    expect(replayed.status).toBe(200);
    const [entry] = await hub.services.store.sql`select actor, role, detail->>'via' as via from audit_log where target = ${parked} and action = 'replay'`;
    expect(entry).toEqual({ actor: `token:${sha256Hex(CONSOLE_TOKENS.operator).slice(0, 12)}`, role: "operator", via: "api" });
    // A portal token is still no admin token at all.
    expect((await hub.app.request("/admin/deliveries", { headers: { authorization: `Bearer ${TOKENS.formsolutions}` } })).status).toBe(401);
  });

  it("shows a delivery whose rows are all confirmed as published, offers no cancel then, and asks before cancelling", async () => {
    const id = await deliver("console-published");
    await expect
      .poll(async () => (await hub.services.store.sql`select state from deliveries where id = ${id}`)[0]!.state, { timeout: 10_000 })
      .toBe("published");
    // The moment between the relay's marking commit and its settling of the delivery row.
    await hub.services.store.sql`update deliveries set state = 'routed' where id = ${id}`;
    const { cookie, csrf } = await login(hub, CONSOLE_TOKENS.operator);
    const page = await (await hub.app.request(`/admin/lineage/${id}`, { headers: { cookie } })).text();
    expect(/<td id="state">([\s\S]*?)<\/td>/.exec(page)![1]).toContain("state-published");
    expect(page).not.toContain('id="cancel"');
    expect((await hub.app.request(`/admin/lineage/${id}/cancel`, { headers: { cookie } })).status).toBe(409);
    // Settled again, as the relay would: rowCounts waits for routed deliveries to settle.
    await hub.services.store.sql`update deliveries set state = 'published' where id = ${id}`;

    // A parked delivery: the cancel link and the parked list's button lead to a question, which changes nothing.
    const parked = await deliver("console-ask", "7002");
    const before = await rowCounts(hub.databaseUrl);
    const parkedPage = await (await hub.app.request(`/admin/lineage/${parked}`, { headers: { cookie } })).text();
    expect(parkedPage).toContain(`href="/admin/lineage/${parked}/cancel"`);
    const ask = await hub.app.request(`/admin/lineage/${parked}/cancel`, { headers: { cookie } });
    expect(ask.status).toBe(200);
    expect(await ask.text()).toContain('id="confirm-cancel"');
    const askMany = await hub.app.request("/admin/parked/act", {
      method: "POST",
      headers: { cookie },
      body: new URLSearchParams({ _csrf: csrf, do: "cancel-selected", id: parked }),
    });
    expect(askMany.status).toBe(200);
    const question = await askMany.text();
    expect(question).toContain('value="cancel-confirmed"');
    expect(question).toContain(`name="id" value="${parked}"`);
    expect(await rowCounts(hub.databaseUrl)).toEqual(before);
    const confirmed = await hub.app.request("/admin/parked/act", {
      method: "POST",
      headers: { cookie },
      body: new URLSearchParams({ _csrf: csrf, do: "cancel-confirmed", id: parked }),
    });
    expect(confirmed.status).toBe(303);
    expect((await hub.services.store.sql`select state from deliveries where id = ${parked}`)[0]!.state).toBe("cancelled");
  });

  it("shows the first parking and the number of attempts after failed replays, to the millisecond", async () => {
    const id = await deliver("console-twice", "6001");
    const [first] = await hub.services.store.sql`select state_since from deliveries where id = ${id}`;
    const { cookie, csrf } = await login(hub, CONSOLE_TOKENS.operator);
    for (let i = 0; i < 2; i++) {
      const r = await hub.app.request(`/admin/lineage/${id}/replay`, { method: "POST", headers: { cookie }, body: new URLSearchParams({ _csrf: csrf }) });
      expect(r.status).toBe(303);
    }
    const [now] = await hub.services.store.sql`select state, state_since from deliveries where id = ${id}`;
    expect(now!.state).toBe("parked");
    expect(new Date(now!.state_since).getTime()).toBeGreaterThan(new Date(first!.state_since).getTime());
    const page = await (await hub.app.request(`/admin/lineage/${id}`, { headers: { cookie } })).text();
    const state = /<td id="state">([\s\S]*?)<\/td>/.exec(page)![1]!;
    expect(state).toContain(`seit ${view("de", undefined, "/").when(new Date(first!.state_since), true)}`);
    expect(state).toMatch(/id="park-attempts">3 Versuche/);
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
    await expect
      .poll(async () => (await hub.app.request(job, { headers: { cookie } })).text(), { timeout: 10_000 })
      .toContain("1 von 1 erneut verarbeitet: 1 zugeordnet");
    const rows = await hub.services.store.sql`select id, state from deliveries where id in ${hub.services.store.sql([ids["5001"]!, ids["5002"]!])}`;
    expect(Object.fromEntries(rows.map((r) => [r.id, r.state === "parked"]))).toEqual({ [ids["5001"]!]: false, [ids["5002"]!]: true });
    const audit = await hub.services.store.sql`select action, target from audit_log
      where action = 'replay-batch' or (action = 'replay' and target in ${hub.services.store.sql([ids["5001"]!, ids["5002"]!])}) order by id`;
    expect(audit.map((a) => a.action)).toEqual(["replay-batch", "replay"]);
    expect(audit[1]!.target).toBe(ids["5001"]);
  });

  it("speaks German by default, English by Accept-Language or by the switch, which a cookie keeps", async () => {
    const { cookie } = await login(hub, CONSOLE_TOKENS.viewer);
    const german = await hub.app.request("/admin", { headers: { cookie } });
    expect(german.headers.get("content-language")).toBe("de");
    const de = await german.text();
    expect(de).toContain('<html lang="de">');
    expect(de).toContain("<h1>Übersicht</h1>");
    expect(de).toContain("Zertifikate und Schlüssel");
    const english = await (await hub.app.request("/admin", { headers: { cookie, "accept-language": "en-US,en;q=0.9,de;q=0.5" } })).text();
    expect(english).toContain("<h1>Overview</h1>");
    expect(await (await hub.app.request("/admin", { headers: { cookie, "accept-language": "fr-FR" } })).text()).toContain("<h1>Übersicht</h1>");
    const switched = await hub.app.request("/admin/search?lang=en", { headers: { cookie } });
    const kept = /ozg_console_lang=en[^,]*/.exec(switched.headers.get("set-cookie") ?? "")?.[0] ?? "";
    expect(kept).toMatch(/HttpOnly/i);
    expect(await switched.text()).toContain("Most recent deliveries");
    const lang = kept.split(";")[0]!;
    expect(await (await hub.app.request("/admin/parked", { headers: { cookie: `${cookie}; ${lang}`, "accept-language": "de" } })).text()).toContain(
      "<h1>Parked</h1>",
    );
    // Problem pages too.
    const missing = await (await hub.app.request("/admin/lineage/00000000-0000-4000-8000-000000000000", { headers: { cookie } })).text();
    expect(missing).toContain("Diese Lieferung gibt es nicht.");
  });

  it("shows a rejected config reload on the overview", async () => {
    const { cookie } = await login(hub, CONSOLE_TOKENS.operator);
    await writeFile(path.join(hub.configDir, "tenants", "broken.yaml"), "id: Not Valid\n");
    expect((await hub.services.reload()).ok).toBe(false);
    const page = await (await hub.app.request("/admin", { headers: { cookie } })).text();
    expect(page).toContain("Das letzte Neuladen wurde abgelehnt");
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

  // Last: it empties the in-process login bucket, which every request here shares.
  it("limits failed logins: after ten, 429 with Retry-After, and nothing stored", async () => {
    const before = await rowCounts(hub.databaseUrl);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 40; i++) {
      const res = await hub.app.request("/admin/login", { method: "POST", body: new URLSearchParams({ token: `guess-${i}` }) });
      statuses.push(res.status);
      retryAfter ??= res.headers.get("retry-after");
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(30).fill(429));
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // Even the right token waits now: otherwise a 303 among the 429s would tell a guesser it won.
    const right = await hub.app.request("/admin/login", { method: "POST", body: new URLSearchParams({ token: CONSOLE_TOKENS.operator }) });
    expect(right.status).toBe(429);
    expect(await rowCounts(hub.databaseUrl)).toEqual(before);
  });
});
