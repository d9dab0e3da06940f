import { Hono } from "hono";
import type { AdapterContext } from "../../gateway/index.ts";
import { problem } from "../../gateway/index.ts";
import { portalAuth, type RestEnv } from "./auth.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What a REST portal pulls besides the webhook:
 * `GET /api/v1/applications/{id}/statuses/{statusId}/document` (the Bescheid of a `decided`
 * status, only for the delivering portal), `GET /api/v1/webhook` (its endpoint: enabled or
 * disabled after exhausted attempts, pending and failed notifications) and
 * `POST /api/v1/webhook/enable` (enables it again and queues the failed notifications anew).
 */
export function portalStatusRoutes(ctx: AdapterContext): Hono<RestEnv> {
  const app = new Hono<RestEnv>();
  app.use("/api/v1/webhook", portalAuth(ctx));
  app.use("/api/v1/webhook/*", portalAuth(ctx));

  app.get("/api/v1/applications/:id/statuses/:statusId/document", async (c) => {
    const { id, statusId } = c.req.param();
    const notFound = () => problem(c, { type: "not-found", title: "Not Found", status: 404, detail: "no such document for this portal" });
    if (!UUID.test(id) || !UUID.test(statusId)) return notFound();
    const doc = await ctx.gateway.statusDocument(id, statusId, c.get("portal").id);
    if (!doc) return notFound();
    return c.body(doc.bytes as Uint8Array<ArrayBuffer>, 200, {
      "content-type": doc.contentType,
      "content-disposition": `attachment; filename*=UTF-8''${encodeURIComponent(doc.name)}`,
      "x-content-type-options": "nosniff",
      "cache-control": "private, no-store",
    });
  });

  app.get("/api/v1/webhook", async (c) => {
    const portal = c.get("portal");
    return c.json(await ctx.gateway.notificationEndpoint.status(portal.id, "webhook", portal.webhook?.url));
  });

  app.post("/api/v1/webhook/enable", async (c) => {
    const portal = c.get("portal");
    if (!portal.webhook) return problem(c, { type: "not-configured", title: "Conflict", status: 409, detail: "this portal has no webhook configured" });
    const requeued = await ctx.gateway.notificationEndpoint.enable(portal.id, "webhook");
    return c.json({ ...(await ctx.gateway.notificationEndpoint.status(portal.id, "webhook", portal.webhook.url)), requeued });
  });
  return app;
}
