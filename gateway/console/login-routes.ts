import type { IncomingMessage } from "node:http";
import type { Context, Hono } from "hono";
import type { Services } from "../services.ts";
import { viewOf } from "./i18n.ts";
import { errorPage, loginPage, redirectPage } from "./layout.ts";
import { roleOfToken, sameOrigin, type ConsoleEnv, type Session, type SessionStore } from "./session.ts";
import type { SingleSignOn } from "./sso.ts";

/** Ten failed logins at once from one address, then one every 30 s. */
export const LOGIN_FAILURES = { perSecond: 1 / 30, burst: 10 };

/** The peer address (a proxy's, behind one): in-process requests have none and share one bucket. */
const clientAddress = (c: Context) => (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress ?? "local";

/**
 * Login by single sign-on (OpenID Connect, see sso.ts) or by token (the fallback for machines
 * and for installations without an identity provider), and logout.
 * Failed logins are limited per client address; once the limit is reached every login waits,
 * the right token too, since its 303 among 429s would tell a guesser that it won.
 */
export function loginRoutes(
  app: Hono<ConsoleEnv>,
  services: Services,
  sessions: SessionStore,
  audit: (s: Session, action: string, target: string | null, detail?: Record<string, unknown>) => Promise<unknown>,
  sso: SingleSignOn,
): void {
  const admin = () => services.runtime().config.gateway.admin;
  const configured = () => (admin()?.tokenSha256.length ?? 0) + (admin()?.viewerTokenSha256.length ?? 0) > 0 || sso.label() !== undefined;
  app.get("/admin/login", (c) => c.html(loginPage(viewOf(c, undefined), { configured: configured(), sso: sso.label() })));
  app.post("/admin/login", async (c) => {
    const v = viewOf(c, undefined);
    if (!sameOrigin(c)) return c.html(errorPage(v, v.t("problem.refused"), v.t("problem.crossOrigin")), 403);
    const client = { id: `console-login:${clientAddress(c)}`, rateLimit: LOGIN_FAILURES };
    const allowed = services.rateLimiter.check(client);
    if (!allowed.ok) {
      c.header("retry-after", String(allowed.retryAfterSeconds));
      return c.html(loginPage(v, { configured: configured(), sso: sso.label(), error: v.t("login.tooMany", { seconds: allowed.retryAfterSeconds }) }), 429);
    }
    const form = await c.req.parseBody();
    const token = typeof form.token === "string" ? form.token : "";
    const role = token ? roleOfToken(admin(), token) : undefined;
    if (!role) {
      services.rateLimiter.take(client);
      return c.html(loginPage(v, { configured: configured(), sso: sso.label(), error: v.t("login.unknown") }), 401);
    }
    const s = await sessions.open(c, role, { token }, admin()?.sessionMinutes ?? 480);
    await audit(s, "login", null);
    return c.redirect("/admin", 303);
  });
  app.get("/admin/login/sso", async (c) => {
    if (!sso.label()) return c.redirect("/admin/login", 303);
    return c.redirect((await sso.begin(c)).toString(), 303);
  });
  app.get("/admin/login/sso/callback", async (c) => {
    const v = viewOf(c, undefined);
    const r = await sso.finish(c);
    if (!r.ok) {
      const settings = admin()?.oidc;
      const error = r.noRole
        ? v.t("login.noRole", { claim: settings?.roleClaim, operator: settings?.operatorRoles.join(", "), viewer: settings?.viewerRoles.join(", ") || "–" })
        : v.t("login.ssoFailed", { reason: r.reason });
      services.log.warn({ reason: r.reason, noRole: r.noRole ?? false }, "console single sign-on refused");
      return c.html(loginPage(v, { configured: configured(), sso: sso.label(), error }), r.noRole ? 403 : 401);
    }
    const s = await sessions.open(c, r.role, { person: r.person }, admin()?.sessionMinutes ?? 480);
    await audit(s, "login", null, { via: "oidc", issuer: r.issuer, subject: r.subject });
    // A page of our own moves on to /admin: after the provider's cross-site redirect a browser
    // would not send the SameSite=Strict session cookie on a redirect, but does on this step.
    return c.html(redirectPage(v, "/admin"));
  });
  app.post("/admin/logout", async (c) => {
    await sessions.close(c);
    return c.redirect("/admin/login", 303);
  });
}
