import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AdapterContext, PortalConfig } from "../../gateway/index.ts";
import { clientFingerprint, problem } from "../../gateway/index.ts";

export type RestEnv = { Variables: { portal: PortalConfig } };

type Credential = { portal: PortalConfig } | { refused: 401 | 403; detail: string; bearer: boolean };

/**
 * Who is calling. A bearer token, when one is sent, decides; without an Authorization header
 * the TLS client certificate does (on the REST HTTPS listener, or from a trusted proxy's header
 * when `rest.trustedProxy` is configured), pinned per portal in `rest.certificateSha256`. A
 * certificate that names another portal than the token is refused: one request, one sender.
 */
function identify(ctx: AdapterContext, c: Context): Credential {
  const header = c.req.header("authorization");
  const fingerprint = clientFingerprint(c, ctx.lookups.section("rest")?.trustedProxy);
  const byCertificate = fingerprint ? ctx.lookups.portalByCertificate(fingerprint) : undefined;
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const portal = m ? ctx.lookups.portalByToken(m[1]!) : undefined;
    if (!portal) return { refused: 401, detail: m ? "unknown token" : "a bearer token is required", bearer: true };
    if (byCertificate && byCertificate.id !== portal.id)
      return { refused: 403, detail: "the client certificate belongs to another portal than the token", bearer: false };
    return { portal };
  }
  if (byCertificate) return { portal: byCertificate };
  if (fingerprint) return { refused: 401, detail: "unknown client certificate", bearer: false };
  return { refused: 401, detail: "a bearer token or a pinned TLS client certificate is required", bearer: true };
}

/**
 * Authentication of portals by bearer token or TLS client certificate: 401 without a known
 * credential, 403 when the portal may not use the REST intake. Neither the token nor the
 * certificate is logged or echoed.
 */
export function portalAuth(ctx: AdapterContext) {
  return createMiddleware<RestEnv>(async (c, next) => {
    const who = identify(ctx, c);
    if (!("portal" in who)) {
      ctx.metrics.deliveries.inc({ channel: "rest", portal: "", outcome: "unauthorized" });
      if (who.bearer) c.header("WWW-Authenticate", 'Bearer realm="ozg-hub"');
      return who.refused === 401
        ? problem(c, { type: "unauthorized", title: "Unauthorized", status: 401, detail: who.detail })
        : problem(c, { type: "forbidden", title: "Forbidden", status: 403, detail: who.detail });
    }
    const { portal } = who;
    if (!portal.channels.includes("rest")) {
      ctx.metrics.deliveries.inc({ channel: "rest", portal: portal.id, outcome: "forbidden" });
      return problem(c, { type: "forbidden", title: "Forbidden", status: 403, detail: `portal ${portal.id} may not use the REST intake` });
    }
    const rate = ctx.rateLimit?.(portal) ?? { ok: true };
    if (!rate.ok) {
      ctx.metrics.deliveries.inc({ channel: "rest", portal: portal.id, outcome: "rate_limited" });
      c.header("Retry-After", String(rate.retryAfterSeconds));
      return problem(c, {
        type: "rate-limited",
        title: "Too Many Requests",
        status: 429,
        detail: `portal ${portal.id} exceeds its rate limit; retry after ${rate.retryAfterSeconds} s`,
      });
    }
    c.set("portal", portal);
    await next();
  });
}
