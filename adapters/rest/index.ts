import { Hono } from "hono";
import { httpsService, type AdapterFactory } from "../../gateway/index.ts";
import { failure } from "./answers.ts";
import { antragRoutes } from "./antrag.ts";
import { applicationRoutes } from "./applications.ts";
import { attachmentRoutes } from "./attachments.ts";
import { deliveryRoutes } from "./deliveries.ts";
import { openApiRoutes } from "./openapi.ts";
import { portalStatusRoutes } from "./portal-status.ts";
import { originalRoutes } from "./original.ts";
import { restWayBack } from "./way-back.ts";

/**
 * The REST adapter: the canonical intake and the any-format document intake under /api/v1,
 * the OZG-Cloud compatible intake at
 * /antrag, and the OpenAPI document that describes both. With `rest.https` in gateway.yaml the
 * same routes are also served on an HTTPS listener of their own that asks for client
 * certificates, so that portals pinned by certificate deliver without a token.
 */
export const restAdapter: AdapterFactory = (ctx) => {
  const routes = new Hono();
  routes.route("/", applicationRoutes(ctx));
  routes.route("/", portalStatusRoutes(ctx));
  routes.route("/", deliveryRoutes(ctx));
  routes.route("/", antragRoutes(ctx));
  routes.route("/", attachmentRoutes(ctx));
  routes.route("/", originalRoutes(ctx));
  routes.route("/", openApiRoutes());
  routes.onError((err, c) => failure(c, err, ctx.log));
  const listener = httpsService(ctx, routes, (config) => ({
    at: ["rest", "https"],
    https: config.gateway.rest?.https,
    use: "TLS: REST HTTPS listener",
  }));
  return { routes, start: listener.start, stop: listener.stop, wayBack: restWayBack(ctx) };
};
