import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { sha256Hex } from "../auth/portals.ts";
import { roleOfToken } from "../console/session.ts";
import { replayDelivery } from "../replay.ts";
import type { Services } from "../services.ts";
import { portalEndpoints } from "../notify/endpoints.ts";
import { deliveryStatus } from "../status/query.ts";
import { attachments, auditLog, deliveries, outbox } from "../store/schema.ts";
import { problem } from "./problem.ts";

const STATES = ["parked", "routed", "published", "cancelled"] as const;

/**
 * Admin credentials: a bearer token whose sha256 is in `admin.tokenSha256` (operator: reads and
 * acts) or `admin.viewerTokenSha256` (viewer: reads only) of gateway.yaml. Portal and tenant
 * tokens are not admin tokens. No or an unknown token is 401; a viewer token on an action is 403
 * with the reason, so that a script knows it has the wrong kind of token rather than a wrong one.
 */
function adminAuth(services: Services) {
  return createMiddleware(async (c, next) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
    const role = m ? roleOfToken(services.runtime().config.gateway.admin, m[1]!) : undefined;
    if (!role) {
      c.header("WWW-Authenticate", 'Bearer realm="ozg-hub admin"');
      return problem(c, { type: "unauthorized", title: "Unauthorized", status: 401, detail: m ? "not an admin token" : "an admin bearer token is required" });
    }
    if (role === "viewer" && c.req.method !== "GET" && c.req.method !== "HEAD") {
      return problem(c, {
        type: "forbidden",
        title: "Forbidden",
        status: 403,
        detail: "a viewer token may only read (GET); replaying and enabling need an operator token (admin.tokenSha256)",
      });
    }
    await next();
  });
}

/**
 * The admin API under /admin: deliveries by state (newest first, paged by `before`), one
 * delivery with its timeline, attachments and outbox rows, and the replay of a parked delivery
 * with the config and mappings this process runs (after a fix and a reload).
 *
 * @example
 * curl -H "Authorization: Bearer $ADMIN_TOKEN" 'http://127.0.0.1:8080/admin/deliveries?state=parked&limit=20'
 */
export function adminRoutes(services: Services): Hono {
  const app = new Hono();
  // The rest of /admin is the console (gateway/console), which logs in with a session instead.
  const auth = adminAuth(services);
  for (const base of ["/admin/deliveries", "/admin/webhooks", "/admin/endpoints", "/admin/replication"]) {
    app.use(base, auth);
    app.use(`${base}/*`, auth);
  }

  /** The database's replication as last checked, checked again now: whether a failover can lose acknowledged deliveries. */
  app.get("/admin/replication", async (c) => c.json((await services.replication.check()) ?? { error: "not checked yet" }));

  app.get("/admin/deliveries", async (c) => {
    const state = c.req.query("state");
    if (state !== undefined && !(STATES as readonly string[]).includes(state)) {
      return problem(c, { type: "invalid-query", title: "Bad Request", status: 400, detail: `state must be one of ${STATES.join(", ")}` });
    }
    const limit = Math.min(Math.max(Number(c.req.query("limit") ?? 50) || 50, 1), 500);
    const before = c.req.query("before");
    const beforeDate = before ? new Date(before) : undefined;
    if (beforeDate && Number.isNaN(beforeDate.getTime()))
      return problem(c, { type: "invalid-query", title: "Bad Request", status: 400, detail: "before must be an ISO timestamp" });
    const where: SQL[] = [];
    if (state) where.push(eq(deliveries.state, state));
    if (beforeDate) where.push(lt(deliveries.receivedAt, beforeDate));
    const rows = await services.store.db
      .select({
        id: deliveries.id,
        reference: deliveries.reference,
        channel: deliveries.channel,
        portal: deliveries.portalId,
        sourceId: deliveries.sourceMessageId,
        state: deliveries.state,
        tenant: deliveries.tenantId,
        format: deliveries.format,
        size: deliveries.size,
        receivedAt: deliveries.receivedAt,
        stateSince: deliveries.stateSince,
        parkReason: deliveries.parkReason,
      })
      .from(deliveries)
      .where(where.length > 0 ? and(...where) : undefined)
      .orderBy(desc(deliveries.receivedAt))
      .limit(limit);
    return c.json({ items: rows, ...(rows.length === limit ? { next: rows.at(-1)!.receivedAt.toISOString() } : {}) });
  });

  app.get("/admin/deliveries/:id", async (c) => {
    const status = await deliveryStatus(services.store.db, c.req.param("id"));
    if (!status) return problem(c, { type: "not-found", title: "Not Found", status: 404, detail: "no such delivery" });
    const files = await services.store.db
      .select({
        id: attachments.id,
        name: attachments.name,
        contentType: attachments.contentType,
        group: attachments.group,
        size: attachments.size,
        sha256: attachments.sha256,
      })
      .from(attachments)
      .where(eq(attachments.deliveryId, status.deliveryId))
      .orderBy(attachments.position);
    const rows = await services.store.db
      .select({
        messageId: outbox.messageId,
        tenant: outbox.tenantId,
        subscriber: outbox.subscriberId,
        kind: outbox.kind,
        attempts: outbox.attempts,
        lastError: outbox.lastError,
        publishedAt: outbox.publishedAt,
        nextAttemptAt: outbox.nextAttemptAt,
      })
      .from(outbox)
      .where(eq(outbox.deliveryId, status.deliveryId))
      .orderBy(outbox.id);
    return c.json({ ...status, attachments: files, outbox: rows });
  });

  // Replay cannot publish twice (see gateway/replay.ts); a delivery that is not parked is a 409.
  app.post("/admin/deliveries/:id/replay", async (c) => {
    const result = await replayDelivery(
      { store: services.store, runtime: services.runtime, clock: services.clock, log: services.log, onCommitted: () => services.relay.wake() },
      c.req.param("id"),
    );
    if (result.kind === "not_found") return problem(c, { type: "not-found", title: "Not Found", status: 404, detail: "no such delivery" });
    if (result.kind === "not_parked")
      return problem(c, { type: "not-parked", title: "Conflict", status: 409, detail: `the delivery is ${result.state}, only parked deliveries are replayed` });
    services.log.info({ deliveryId: result.deliveryId, outcome: result.kind }, "delivery replayed by an operator");
    // The same audit entry as a console replay: the lineage and the audit page name the token.
    const token = /^Bearer\s+(\S+)/i.exec(c.req.header("authorization") ?? "")![1]!;
    await services.store.db.insert(auditLog).values({
      at: services.clock(),
      actor: `token:${sha256Hex(token).slice(0, 12)}`,
      role: "operator",
      action: "replay",
      target: result.deliveryId,
      detail: { result: result.kind, via: "api", ...(result.kind === "parked" ? { stage: result.stage, message: result.message } : {}) },
    });
    return c.json(result);
  });

  // Portal webhooks: which are disabled (after a notification exhausted its attempts), and enabling them again.
  app.get("/admin/webhooks", async (c) => {
    const ep = portalEndpoints(services.store, services.clock);
    const portals = services
      .runtime()
      .portals.all()
      .filter((p) => p.webhook);
    return c.json({ webhooks: await Promise.all(portals.map((p) => ep.status(p.id, "webhook", p.webhook?.url))) });
  });
  app.post("/admin/webhooks/:portal/enable", async (c) => {
    const portal = services.runtime().portals.byId(c.req.param("portal"));
    if (!portal?.webhook) return problem(c, { type: "not-found", title: "Not Found", status: 404, detail: "no portal with a webhook of that id" });
    const requeued = await portalEndpoints(services.store, services.clock).enable(portal.id, "webhook");
    services.log.info({ portal: portal.id, requeued }, "webhook enabled by an operator");
    services.notifier.wake();
    return c.json({ portal: portal.id, requeued });
  });
  // Every other push way back (a portal's own server, …) that has been used: disabled ones are enabled the same way.
  app.get("/admin/endpoints", async (c) => {
    const ep = portalEndpoints(services.store, services.clock);
    const rows = await services.store.sql<
      { portal_id: string; channel: string }[]
    >`select portal_id, channel from portal_endpoints order by portal_id, channel`;
    return c.json({ endpoints: await Promise.all(rows.map((r) => ep.status(r.portal_id, r.channel, undefined, true))) });
  });
  app.post("/admin/endpoints/:portal/:channel/enable", async (c) => {
    const { portal, channel } = c.req.param();
    const requeued = await portalEndpoints(services.store, services.clock).enable(portal, channel);
    services.log.info({ portal, channel, requeued }, "portal endpoint enabled by an operator");
    services.notifier.wake();
    return c.json({ portal, channel, requeued });
  });
  return app;
}
