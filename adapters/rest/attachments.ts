import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import type { AdapterContext, TenantConfig } from "../../gateway/index.ts";
import { messageOf, problem, sha256Hex } from "../../gateway/index.ts";

type TenantEnv = { Variables: { tenant: TenantConfig } };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Bearer-token authentication of a tenant's systems (`api.tokenSha256` in the tenant's file).
 * Portal tokens are not accepted here: a portal delivers, only the authority reads.
 */
export function tenantAuth(ctx: AdapterContext) {
  return createMiddleware<TenantEnv>(async (c, next) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
    const hash = m ? sha256Hex(m[1]!) : undefined;
    const tenant = hash ? ctx.lookups.tenants().find((t) => t.api?.tokenSha256.includes(hash)) : undefined;
    if (!tenant) {
      c.header("WWW-Authenticate", 'Bearer realm="ozg-hub tenants"');
      return problem(c, { type: "unauthorized", title: "Unauthorized", status: 401, detail: m ? "unknown token" : "a bearer token of the tenant is required" });
    }
    c.set("tenant", tenant);
    await next();
  });
}

/**
 * `GET /api/v1/attachments/{id}`: an attachment's bytes for the tenant its delivery was routed
 * to, streamed slice by slice from the store (one slice in memory at a time, read when the
 * client is ready for it). Another tenant's attachment is answered like a missing one (404),
 * so that ids of others cannot be probed.
 */
export function attachmentRoutes(ctx: AdapterContext): Hono<TenantEnv> {
  const app = new Hono<TenantEnv>();
  app.use("/api/v1/attachments/*", tenantAuth(ctx));

  app.get("/api/v1/attachments/:id", async (c) => {
    const id = c.req.param("id");
    const notFound = () => problem(c, { type: "not-found", title: "Not Found", status: 404, detail: "no such attachment for this tenant" });
    if (!UUID.test(id)) return notFound();
    const a = await ctx.gateway.attachment(id, c.get("tenant").id);
    if (!a) return notFound();

    const slices = a.slices()[Symbol.asyncIterator]();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const next = await slices.next();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        } catch (err) {
          ctx.log.error({ attachmentId: id, err: messageOf(err) }, "attachment download failed");
          controller.error(err);
        }
      },
    });
    const headers: Record<string, string> = {
      "content-type": a.contentType,
      "content-length": String(a.size),
      "content-disposition": `attachment; filename*=UTF-8''${encodeURIComponent(a.name)}`,
      "x-content-type-options": "nosniff",
      "cache-control": "private, no-store",
    };
    if (a.sha256) headers["repr-digest"] = `sha-256=:${Buffer.from(a.sha256, "hex").toString("base64")}:`;
    return new Response(body, { status: 200, headers });
  });
  return app;
}
