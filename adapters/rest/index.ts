import { Hono } from "hono";
import type { AdapterFactory } from "../../gateway/index.ts";
import { antragRoutes } from "./antrag.ts";
import { applicationRoutes } from "./applications.ts";
import { attachmentRoutes } from "./attachments.ts";
import { deliveryRoutes } from "./deliveries.ts";
import { openApiRoutes } from "./openapi.ts";
import { originalRoutes } from "./original.ts";

/**
 * The REST adapter: the canonical intake and the any-format document intake under /api/v1,
 * the OZG-Cloud compatible intake at
 * /antrag, and the OpenAPI document that describes both.
 */
export const restAdapter: AdapterFactory = (ctx) => {
  const routes = new Hono();
  routes.route("/", applicationRoutes(ctx));
  routes.route("/", deliveryRoutes(ctx));
  routes.route("/", antragRoutes(ctx));
  routes.route("/", attachmentRoutes(ctx));
  routes.route("/", originalRoutes(ctx));
  routes.route("/", openApiRoutes());
  return { routes };
};
