import type { IncomingMessage } from "node:http";
import type { Context, Hono } from "hono";
import type { Services } from "../services.ts";
import { viewOf } from "./i18n.ts";
import { errorPage, loginPage } from "./layout.ts";
import { roleOfToken, sameOrigin, type Session, type SessionStore } from "./session.ts";
import type { ConsoleEnv } from "./routes.ts";

/** Ten failed logins at once from one address, then one every 30 s. */
export const LOGIN_FAILURES = { perSecond: 1 / 30, burst: 10 };

/** The peer address (a proxy's, behind one): in-process requests have none and share one bucket. */
const clientAddress = (c: Context) => (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress ?? "local";

/**
 * Token login (the fallback for installations without an identity provider) and logout.
 * Failed logins are limited per client address; once the limit is reached every login waits,
 * the right token too, since its 303 among 429s would tell a guesser that it won.
 */
export function loginRoutes(
  app: Hono<ConsoleEnv>,
  services: Services,
  sessions: SessionStore,
  audit: (s: Session, action: string, target: string | null) => Promise<unknown>,
  sso: () => string | undefined,
): void {
  const admin = () => services.runtime().config.gateway.admin;
  const configured = () => (admin()?.tokenSha256.length ?? 0) + (admin()?.viewerTokenSha256.length ?? 0) > 0 || sso() !== undefined;
  app.get("/admin/login", (c) => c.html(loginPage(viewOf(c, undefined), { configured: configured(), sso: sso() })));
  app.post("/admin/login", async (c) => {
    const v = viewOf(c, undefined);
    if (!sameOrigin(c)) return c.html(errorPage(v, v.t("problem.refused"), v.t("problem.crossOrigin")), 403);
    const client = { id: `console-login:${clientAddress(c)}`, rateLimit: LOGIN_FAILURES };
    const allowed = services.rateLimiter.check(client);
    if (!allowed.ok) {
      c.header("retry-after", String(allowed.retryAfterSeconds));
      return c.html(loginPage(v, { configured: configured(), sso: sso(), error: v.t("login.tooMany", { seconds: allowed.retryAfterSeconds }) }), 429);
    }
    const form = await c.req.parseBody();
    const token = typeof form.token === "string" ? form.token : "";
    const role = token ? roleOfToken(admin(), token) : undefined;
    if (!role) {
      services.rateLimiter.take(client);
      return c.html(loginPage(v, { configured: configured(), sso: sso(), error: v.t("login.unknown") }), 401);
    }
    const s = await sessions.open(c, role, { token }, admin()?.sessionMinutes ?? 480);
    await audit(s, "login", null);
    return c.redirect("/admin", 303);
  });
  app.post("/admin/logout", async (c) => {
    await sessions.close(c);
    return c.redirect("/admin/login", 303);
  });
}
