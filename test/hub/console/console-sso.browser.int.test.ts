import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { prepareConsoleConfig, routeOfficeToKiel } from "../../support/console.ts";
import { rowCounts } from "../../support/database.ts";
import { antragBody, ozgCloudForm } from "../../support/forms.ts";
import { REPO, startTestHub, TOKENS, type TestHub } from "../../support/hub.ts";
import { startOidcProvider } from "../../support/oidc.ts";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOTS = path.join(REPO, "docs/screenshots");
const SECRET_ENV = "OZG_HUB_TEST_CONSOLE_OIDC_SECRET";

/**
 * Single sign-on against a real OpenID Connect provider (oidc-provider on loopback, its own
 * login and consent pages), driven by headless Chromium: the authorization code flow with PKCE
 * end to end, roles from Keycloak's realm_access.roles, and the person named on what they do.
 */
describe.skipIf(!existsSync(CHROMIUM))("console single sign-on in headless Chromium", () => {
  let hub: TestHub;
  let server: ServerType;
  let base: string;
  let browser: Browser;
  let provider: Awaited<ReturnType<typeof startOidcProvider>>;
  let parkedId: string;

  /** Screenshots for docs/screenshots, written only with UPDATE_SCREENSHOTS=1 (see console.browser.int.test.ts). */
  const shot = async (page: Page, name: string) => {
    const png = await page.screenshot({ fullPage: true });
    if (process.env.UPDATE_SCREENSHOTS === "1") await writeFile(path.join(SCREENSHOTS, `${name}.png`), png);
  };

  /** Logs in at the provider as `login`; returns the page where the console left the browser. */
  const signOn = async (login: string, admitted = true): Promise<Page> => {
    const context = await browser.newContext({ baseURL: base, locale: "de-DE", viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto("/admin/login");
    if (login === "erika") await shot(page, "login-sso");
    await page.click("#sso");
    await page.waitForURL(`${provider.issuer}/**`);
    await page.fill('input[name="login"]', login);
    await page.fill('input[name="password"]', "any");
    await page.click('button[type="submit"]');
    await page.waitForSelector("button[type=submit]:has-text('Continue')");
    await page.click('button[type="submit"]');
    // Admitted: the callback's page moves on to the overview; refused: it says why.
    await page.waitForURL(admitted ? `${base}/admin` : `${base}/admin/login/sso/callback?**`);
    return page;
  };

  beforeAll(async () => {
    hub = await startTestHub();
    await prepareConsoleConfig(hub.configDir);
    await new Promise<void>((resolve) => {
      server = serve({ fetch: hub.app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
        base = `http://127.0.0.1:${info.port}`;
        resolve();
      });
    });
    process.env[SECRET_ENV] = "console-test-client-secret";
    provider = await startOidcProvider({
      clientId: "ozg-hub-console",
      clientSecret: process.env[SECRET_ENV]!,
      redirectUri: `${base}/admin/login/sso/callback`,
      people: {
        erika: { name: "Erika Mustermann", roles: ["offline_access", "ozg-hub-operator"] },
        max: { name: "Max Beispiel", roles: ["ozg-hub-viewer"] },
        nora: { name: "Nora Nirgends", roles: ["other-app"] },
      },
    });
    const file = path.join(hub.configDir, "gateway.yaml");
    const doc = parse(await readFile(file, "utf8"));
    doc.admin.oidc = {
      issuer: provider.issuer,
      clientId: "ozg-hub-console",
      clientSecretEnv: SECRET_ENV,
      scopes: ["openid", "profile", "roles"],
      roleClaim: "realm_access.roles",
      operatorRoles: ["ozg-hub-operator"],
      viewerRoles: ["ozg-hub-viewer"],
      label: "Keycloak",
    };
    await writeFile(file, stringify(doc));
    expect(await hub.services.reload()).toEqual({ ok: true });
    const res = await hub.app.request("/antrag", {
      method: "POST",
      headers: { authorization: `Bearer ${TOKENS.formsolutions}` },
      body: antragBody(ozgCloudForm({ transactionId: "sso-parked", zustaendigeStelle: "9901" }), []),
    });
    parkedId = (await res.json()).vorgang.vorgangId;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    await provider?.stop();
    await hub?.stop();
    delete process.env[SECRET_ENV];
  });

  it("signs an operator on by OpenID Connect, and her replay carries her name on the timeline and in the audit log", async () => {
    const page = await signOn("erika");
    expect(new URL(page.url()).pathname).toBe("/admin");
    expect(await page.locator("header .who").textContent()).toBe("Erika Mustermann <erika> (Betrieb)");
    const cookie = (await page.context().cookies()).find((c) => c.name === "ozg_console");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict" });
    // The pending login's cookie is gone once the login is finished.
    expect((await page.context().cookies()).some((c) => c.name === "ozg_console_sso")).toBe(false);

    await routeOfficeToKiel(hub.configDir, "9901");
    expect(await hub.services.reload()).toEqual({ ok: true });
    await page.goto(`/admin/lineage/${parkedId}`);
    await Promise.all([page.waitForURL(`**/admin/lineage/${parkedId}`), page.click("#replay")]);
    expect(await page.locator("#timeline").textContent()).toContain("erneute Verarbeitung durch Erika Mustermann <erika>");
    const audit = await hub.services.store.sql`select action, actor, role, detail::text as d from audit_log order by id`;
    expect(audit.map((a) => [a.action, a.actor, a.role])).toEqual([
      ["login", "Erika Mustermann <erika>", "operator"],
      ["replay", "Erika Mustermann <erika>", "operator"],
    ]);
    expect(JSON.parse(audit[0]!.d)).toEqual({ via: "oidc", issuer: provider.issuer, subject: "erika" });
    await page.click('header a[href="/admin/audit"]');
    await page.selectOption('select[name="actor"]', "Erika Mustermann <erika>");
    await page.selectOption('select[name="action"]', "replay");
    await Promise.all([page.waitForURL("**/admin/audit?**"), page.click('#audit-filter button[type="submit"]')]);
    expect(await page.locator("#audit td.actor").count()).toBe(1);
    expect(await page.locator("#audit td.actor").textContent()).toContain("Erika Mustermann <erika>");
    expect(await page.locator("#audit").textContent()).toContain(parkedId);
    await shot(page, "audit");
    await page.context().close();
  });

  it("signs a viewer on read-only, in English by the switch", async () => {
    const page = await signOn("max");
    expect(await page.locator("header .who").textContent()).toBe("Max Beispiel <max> (Lesezugriff)");
    await page.goto(`/admin/lineage/${parkedId}`);
    expect(await page.locator("#replay").count()).toBe(0);
    await page.click('header .lang a[hreflang="en"]');
    expect(await page.locator("h1").textContent()).toMatch(/^Delivery /);
    expect(await page.locator("header .who").textContent()).toBe("Max Beispiel <max> (viewer)");
    expect(await page.locator("#timeline").textContent()).toContain("replay by Erika Mustermann <erika>");
    await page.context().close();
  });

  it("lets nobody in whose role claim names neither role, and stores no session", async () => {
    const before = await rowCounts(hub.databaseUrl);
    const page = await signOn("nora", false);
    expect(new URL(page.url()).pathname).toBe("/admin/login/sso/callback");
    expect(await page.locator("#error").textContent()).toContain("keine Rolle für die Konsole");
    expect((await page.context().cookies()).some((c) => c.name === "ozg_console")).toBe(false);
    expect(await rowCounts(hub.databaseUrl)).toEqual(before);
    await page.context().close();
  });

  it("refuses a callback that no login in this browser began", async () => {
    const res = await hub.app.request("/admin/login/sso/callback?code=stolen&state=guessed");
    expect(res.status).toBe(401);
    expect(await res.text()).toContain("Die Anmeldung beim Identitätsanbieter ist fehlgeschlagen");
  });
});
