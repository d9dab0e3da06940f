import { createMiddleware } from "hono/factory";
import type { AdapterContext, PortalConfig } from "../../gateway/index.ts";
import { problem } from "../../gateway/index.ts";

export type RestEnv = { Variables: { portal: PortalConfig } };

/**
 * Bearer-token authentication of portals: 401 without a known token, 403 when the portal may
 * not use the REST intake. The token itself is never logged or echoed.
 */
export function portalAuth(ctx: AdapterContext) {
  return createMiddleware<RestEnv>(async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const portal = m ? ctx.runtime().portals.byToken(m[1]!) : undefined;
    if (!portal) {
      ctx.metrics.deliveries.inc({ channel: "rest", portal: "", outcome: "unauthorized" });
      c.header("WWW-Authenticate", 'Bearer realm="ozg-hub"');
      return problem(c, { type: "unauthorized", title: "Unauthorized", status: 401, detail: m ? "unknown token" : "a bearer token is required" });
    }
    if (!portal.channels.includes("rest")) {
      ctx.metrics.deliveries.inc({ channel: "rest", portal: portal.id, outcome: "forbidden" });
      return problem(c, { type: "forbidden", title: "Forbidden", status: 403, detail: `portal ${portal.id} may not use the REST intake` });
    }
    const rate = ctx.rateLimit?.(portal) ?? { ok: true };
    if (!rate.ok) {
      ctx.metrics.deliveries.inc({ channel: "rest", portal: portal.id, outcome: "rate_limited" });
      c.header("Retry-After", String(rate.retryAfterSeconds));
      return problem(c, { type: "rate-limited", title: "Too Many Requests", status: 429, detail: `portal ${portal.id} exceeds its rate limit; retry after ${rate.retryAfterSeconds} s` });
    }
    c.set("portal", portal);
    await next();
  });
}
