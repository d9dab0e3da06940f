import { Hono } from "hono";
import type { AdapterContext, TenantConfig } from "../../gateway/index.ts";
import { problem } from "../../gateway/index.ts";
import { tenantAuth } from "./attachments.ts";

type TenantEnv = { Variables: { tenant: TenantConfig } };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `GET /api/v1/deliveries/{id}/document`: the original bytes of a delivery's document, exactly
 * as received; every event links here in `data.content.original.href`. Served only to the
 * tenant the whole delivery belongs to (a message whose records went to several tenants holds
 * the others' records, so nobody gets it whole); anything else is answered like a missing one.
 */
export function originalRoutes(ctx: AdapterContext): Hono<TenantEnv> {
  const app = new Hono<TenantEnv>();
  app.use("/api/v1/deliveries/:id/document", tenantAuth(ctx));
  app.get("/api/v1/deliveries/:id/document", async (c) => {
    const id = c.req.param("id");
    const notFound = () => problem(c, { type: "not-found", title: "Not Found", status: 404, detail: "no such delivery for this tenant" });
    if (!UUID.test(id)) return notFound();
    const d = await ctx.gateway.originalDocument(id, c.get("tenant").id);
    if (!d) return notFound();
    const headers: Record<string, string> = {
      "content-type": d.contentType ?? "application/octet-stream",
      "x-content-type-options": "nosniff",
      "cache-control": "private, no-store",
    };
    if (d.sha256) headers["repr-digest"] = `sha-256=:${Buffer.from(d.sha256, "hex").toString("base64")}:`;
    return new Response(d.bytes as Uint8Array<ArrayBuffer>, { status: 200, headers });
  });
  return app;
}
