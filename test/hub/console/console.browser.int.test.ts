import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import amqp from "amqplib";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONSOLE_TOKENS, prepareConsoleConfig, routeOfficeToKiel } from "../../support/console.ts";
import { rowCounts } from "../../support/database.ts";
import { antragBody, ozgCloudForm } from "../../support/forms.ts";
import { REPO, startTestHub, TOKENS, type TestHub } from "../../support/hub.ts";

const CHROMIUM = "/usr/bin/chromium";
/** Where `UPDATE_SCREENSHOTS=1` leaves a screenshot of every page (README shows three of them). */
const SCREENSHOTS = path.join(REPO, "docs/screenshots");
/** Screenshots are written only when asked: a test run leaves the work tree as it found it. */
const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === "1";

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
  const shot = async (page: Page, name: string) => {
    // Taken either way, so that a page that cannot be rendered fails the run, not only the update.
    const png = await page.screenshot({ fullPage: true });
    if (UPDATE_SCREENSHOTS) await writeFile(path.join(SCREENSHOTS, `${name}.png`), png);
  };
  const loginAs = async (token: string) => {
    const context = await browser.newContext({ baseURL: base, locale: "de-DE", acceptDownloads: true, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto("/admin");
    expect(new URL(page.url()).pathname).toBe("/admin/login");
    await page.fill('input[name="token"]', token);
    await Promise.all([page.waitForURL(`${base}/admin`), page.click('button[type="submit"]')]);
    return { context, page };
  };

  const screenshotTimes = async () =>
    existsSync(SCREENSHOTS)
      ? Object.fromEntries(await Promise.all((await readdir(SCREENSHOTS)).map(async (f) => [f, (await stat(path.join(SCREENSHOTS, f))).mtimeMs])))
      : {};
  let screenshotsBefore: Record<string, number> = {};

  beforeAll(async () => {
    screenshotsBefore = await screenshotTimes();
    hub = await startTestHub();
    await prepareConsoleConfig(hub.configDir, 10);
    expect(await hub.services.reload()).toEqual({ ok: true });
    await deliver("browser-routed");
    await deliver("browser-parked", "4711");
    await deliver("browser-cancel", "4712");
    if (UPDATE_SCREENSHOTS) await mkdir(SCREENSHOTS, { recursive: true });
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
    const ctx = await browser.newContext({ baseURL: base, locale: "de-DE", viewport: { width: 1280, height: 600 } });
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
    expect(await page.locator("#config-state").textContent()).toContain("ohne Probleme");
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
    await expect.poll(async () => (await page.reload(), await page.locator("#state").textContent()), { timeout: 10_000 }).toContain("veröffentlicht");
    const timeline = (await page.locator("#timeline").textContent()) ?? "";
    for (const step of ["empfangen", "abgebildet", "einem Mandanten zugeordnet", "an Abonnent veröffentlicht"]) expect(timeline).toContain(step);
    // The event once, folded: opened by a click, not shown as a wall of JSON.
    expect(await page.locator("pre.payload").first().isVisible()).toBe(false);
    await page.click("details.event summary");
    expect(await page.locator("pre.payload").first().isVisible()).toBe(true);
    const payload = JSON.parse((await page.locator("pre.payload").first().textContent()) ?? "{}");
    const [row] = await hub.services.store.sql`select payload::text as p from outbox where delivery_id = ${routed.id} order by id limit 1`;
    expect(payload).toEqual(JSON.parse(row!.p));
    await shot(page, "lineage");

    const [download] = await Promise.all([page.waitForEvent("download"), page.click("text=Originaldokument")]);
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
      .toContain("1 von 1 erneut verarbeitet: 1 zugeordnet");
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
    await page.waitForURL(`**/admin/lineage/${doomed.id}/cancel`);
    expect((await hub.services.store.sql`select state from deliveries where id = ${doomed.id}`)[0]!.state).toBe("parked");
    await page.click("#confirm-cancel");
    await page.waitForURL(`**/admin/lineage/${doomed.id}`);
    expect(await page.locator("#state").textContent()).toContain("storniert");
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

  it("draws the traffic charts with data, in German and in English by the switch", async () => {
    const page = await operator.newPage();
    await page.goto("/admin/traffic");
    expect(await page.locator("h1").textContent()).toBe("Verkehr");
    const bars = page.locator("#created-kiel-dms rect.chart-bar");
    expect(await bars.count()).toBe(24);
    const values = await bars.evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-value"))));
    expect(values.at(-1)).toBeGreaterThan(0);
    // As drawn, not only as written: the tallest bar fills the plot, an empty hour has none.
    const heights = await bars.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height));
    expect(heights.at(-1)).toBeCloseTo(86, 0);
    expect(heights[0]).toBe(0);
    expect(await page.locator("#created-kiel-dms svg").boundingBox()).toMatchObject({ width: 520, height: 110 });
    await shot(page, "traffic");
    await page.click('header .lang a[hreflang="en"]');
    expect(await page.locator("h1").textContent()).toBe("Traffic");
    expect(await page.locator("#created-kiel-dms figcaption").textContent()).toBe("messages per hour");
    await page.click('header .lang a[hreflang="de"]');
    await page.close();
  });

  it("shows a subscriber queue's depth and no consumer after its Fachverfahren stops consuming", async () => {
    const queue = hub.queue("kiel", "dms");
    await hub.broker.drain(queue, { atLeast: 0, waitMs: 500 });
    const connection = await amqp.connect(hub.amqpUrl);
    const ch = await connection.createChannel();
    await ch.prefetch(5);
    await ch.consume(queue, () => {}, { noAck: false }); // takes messages, never acknowledges
    const page = await operator.newPage();
    const row = page.locator(`#queues tr[data-queue="${queue}"]`);
    await page.goto("/admin/broker");
    expect(await row.locator("td.consumers").textContent()).toBe("1");
    expect(await page.locator("#broker-source").textContent()).toContain("über AMQP");

    await connection.close(); // the Fachverfahren stops
    await deliver("browser-while-stopped");
    // The broker counts the consumer out a moment after its connection closed.
    await expect
      .poll(
        async () => (
          await page.reload(),
          [
            await row.locator("td.consumers").textContent(),
            Number(await row.locator("td.ready").textContent()) >= 1,
            await row.locator("td.relay-backlog").textContent(),
          ]
        ),
        { timeout: 10_000 },
      )
      .toEqual(["0", true, "0"]); // and ozg-hub did its part: nothing waits in the relay
    expect(await row.locator("td.consumers").getAttribute("class")).toContain("red");
    await shot(page, "broker");
    await page.close();
  });

  it.skipIf(UPDATE_SCREENSHOTS)("leaves docs/screenshots as it found them unless UPDATE_SCREENSHOTS=1", async () => {
    expect(await screenshotTimes()).toEqual(screenshotsBefore);
  });
});
