import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONSOLE_TOKENS, prepareConsoleConfig, routeOfficeToKiel } from "../../support/console.ts";
import { rowCounts } from "../../support/database.ts";
import { antragBody, ozgCloudForm } from "../../support/forms.ts";
import { REPO, startTestHub, TOKENS, type TestHub } from "../../support/hub.ts";

const CHROMIUM = "/usr/bin/chromium";
/** Where the run leaves a screenshot of every page (README shows three of them). */
const SCREENSHOTS = path.join(REPO, "docs/screenshots");

if (!existsSync(CHROMIUM)) {
  console.warn(`\n!!! ${CHROMIUM} is missing: the console's browser tests are SKIPPED (apt-get install chromium) !!!\n`);
}

describe.skipIf(!existsSync(CHROMIUM))("console in headless Chromium", () => {
  let hub: TestHub;
  let server: ServerType;
  let base: string;
  let browser: Browser;
  let operator: BrowserContext;
  const sent = new Map<string, { id: string; reference: string; body: string }>();

  const deliver = async (transactionId: string, zustaendigeStelle?: string) => {
    const form = ozgCloudForm({ transactionId, zustaendigeStelle });
    const res = await hub.app.request("/antrag", {
      method: "POST",
      headers: { authorization: `Bearer ${TOKENS.formsolutions}` },
      body: antragBody(form, [{ part: "representation", name: "antrag.pdf", type: "application/pdf", content: "%PDF-1.7 console" }]),
    });
    expect(res.status).toBe(202);
    const r = await res.json();
    sent.set(transactionId, { id: r.vorgang.vorgangId, reference: r.vorgang.vorgangNummer, body: JSON.stringify(form) });
  };
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const loginAs = async (token: string) => {
    const context = await browser.newContext({ baseURL: base, acceptDownloads: true, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto("/admin");
    expect(new URL(page.url()).pathname).toBe("/admin/login");
    await page.fill('input[name="token"]', token);
    await Promise.all([page.waitForURL(`${base}/admin`), page.click('button[type="submit"]')]);
    return { context, page };
  };

  beforeAll(async () => {
    hub = await startTestHub();
    await prepareConsoleConfig(hub.configDir, 10);
    expect(await hub.services.reload()).toEqual({ ok: true });
    await deliver("browser-routed");
    await deliver("browser-parked", "4711");
    await deliver("browser-cancel", "4712");
    await mkdir(SCREENSHOTS, { recursive: true });
    await new Promise<void>((resolve) => {
      server = serve({ fetch: hub.app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
        base = `http://127.0.0.1:${info.port}`;
        resolve();
      });
    });
    // Playwright gives the browser a fresh --user-data-dir of its own (and refuses one passed in).
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    await hub?.stop();
  });

  it("logs in and shows the overview with the expiring certificate in red", async () => {
    const ctx = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 600 } });
    const login = await ctx.newPage();
    await login.goto("/admin/login");
    await shot(login, "login");
    await ctx.close();

    ({ context: operator } = await loginAs(CONSOLE_TOKENS.operator));
    const page = operator.pages()[0]!;
    const cookies = await operator.cookies();
    expect(cookies.find((c) => c.name === "ozg_console")).toMatchObject({ httpOnly: true, sameSite: "Strict" });
    const expiring = page.locator("#certificates tr", { hasText: "certs/expiring.pem" });
    const fresh = page.locator("#certificates tr", { hasText: "certs/fresh.pem" });
    expect(await expiring.getAttribute("class")).toBe("red");
    expect(Number(await expiring.getAttribute("data-days"))).toBeLessThan(30);
    expect(await fresh.getAttribute("class")).toBe("");
    expect(await expiring.evaluate((el) => getComputedStyle(el).color)).toBe("rgb(179, 38, 30)");
    expect(await page.locator("#config-state").textContent()).toContain("without problems");
    expect(await page.locator("#parked-by-tenant").textContent()).toContain("2");
    await shot(page, "overview");
  });

  it("finds a delivery by reference and by applicant name, opens its lineage and downloads the original", async () => {
    const page = await operator.newPage();
    const routed = sent.get("browser-routed")!;
    await page.goto("/admin/search");
    await page.fill('input[name="q"]', routed.reference.toLowerCase());
    await page.click('#search button[type="submit"]');
    expect(await page.locator("#hits tr").count()).toBe(2); // header + the one hit
    await page.fill('input[name="q"]', "Größe-Möl");
    await page.click('#search button[type="submit"]');
    expect(await page.locator("#hits").textContent()).toContain(routed.reference);
    expect(await page.locator("#hits").textContent()).toContain("Jürgen Größe-Möller");
    await shot(page, "search");

    await page.click(`text=${routed.reference}`);
    await page.waitForURL(`**/admin/lineage/${routed.id}`);
    await expect.poll(async () => (await page.reload(), await page.locator("#state").textContent()), { timeout: 10_000 }).toContain("published");
    const timeline = (await page.locator("#timeline").textContent()) ?? "";
    for (const step of ["received", "mapped", "routed", "published"]) expect(timeline).toContain(step);
    const payload = JSON.parse((await page.locator("pre.payload").first().textContent()) ?? "{}");
    const [row] = await hub.services.store.sql`select payload::text as p from outbox where delivery_id = ${routed.id} order by id limit 1`;
    expect(payload).toEqual(JSON.parse(row!.p));
    await shot(page, "lineage");

    const [download] = await Promise.all([page.waitForEvent("download"), page.click("text=original document")]);
    expect(await readFile((await download.path())!, "utf8")).toBe(routed.body);
    const [pdf] = await Promise.all([page.waitForEvent("download"), page.click("text=antrag.pdf")]);
    expect(await readFile((await pdf.path())!, "utf8")).toBe("%PDF-1.7 console");
    await page.close();
  });

  it("replays a parked delivery after the routing fix and sees it published to its queues", async () => {
    const parked = sent.get("browser-parked")!;
    await routeOfficeToKiel(hub.configDir, "4711");
    expect(await hub.services.reload()).toEqual({ ok: true });
    const page = await operator.newPage();
    await page.goto("/admin/parked");
    expect(await page.locator("#groups").textContent()).toContain("routing: no tenant");
    await shot(page, "parked");
    await page.check(`input[name="id"][value="${parked.id}"]`);
    await page.click("#replay-selected");
    await page.waitForURL("**/admin/jobs/*");
    await expect
      .poll(async () => (await page.reload(), await page.locator("#progress").textContent()), { timeout: 10_000 })
      .toContain("1 of 1 replayed: 1 routed");
    await shot(page, "replay");
    const messages = await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 2, waitMs: 10_000 });
    expect(messages.map((m) => (m.body as any).ozgdelivery)).toContain(parked.id);
    const [audit] = await hub.services.store.sql`select action, detail::text as d from audit_log where target = ${parked.id}`;
    expect(audit!.action).toBe("replay");
    expect(JSON.parse(audit!.d).result).toBe("routed");
    await page.close();
  });

  it("cancels a parked delivery from its lineage", async () => {
    const doomed = sent.get("browser-cancel")!;
    const page = await operator.newPage();
    await page.goto(`/admin/lineage/${doomed.id}`);
    await page.click("#cancel");
    await page.waitForURL(`**/admin/lineage/${doomed.id}`);
    expect(await page.locator("#state").textContent()).toContain("cancelled");
    const [d] = await hub.services.store.sql`select state from deliveries where id = ${doomed.id}`;
    expect(d!.state).toBe("cancelled");
    await page.close();
  });

  it("shows a viewer no downloads or actions and refuses them when forced", async () => {
    const { context, page } = await loginAs(CONSOLE_TOKENS.viewer);
    const routed = sent.get("browser-routed")!;
    await page.goto(`/admin/lineage/${routed.id}`);
    expect(await page.locator("a[download]").count()).toBe(0);
    expect(await page.locator("pre.payload").count()).toBe(0);
    await shot(page, "viewer-lineage");
    expect((await context.request.get(`/admin/lineage/${routed.id}/document`)).status()).toBe(403);
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const before = await rowCounts(hub.databaseUrl);
    const replay = await context.request.post(`/admin/parked/act`, { form: { _csrf: csrf, do: "replay-all" } });
    expect(replay.status()).toBe(403);
    expect(await rowCounts(hub.databaseUrl)).toEqual(before);
    await context.close();
  });

  it("refuses an operator's POST without the CSRF token", async () => {
    const before = await rowCounts(hub.databaseUrl);
    const res = await operator.request.post(`/admin/lineage/${sent.get("browser-routed")!.id}/cancel`, { form: {} });
    expect(res.status()).toBe(403);
    expect(await rowCounts(hub.databaseUrl)).toEqual(before);
  });
});
