import { Hono } from "hono";
import type { AdapterContext, InboundDocument } from "../../gateway/index.ts";
import { problem } from "../../gateway/index.ts";
import { portalAuth, type RestEnv } from "./auth.ts";
import { idempotencyKey, invalidIdempotencyKey, receiptAnswer, unsupportedType } from "./answers.ts";
import { intakeMultipart, intakeSingle, intakeZip } from "./intake-body.ts";

const ZIP_TYPES = new Set(["application/zip", "application/x-zip-compressed"]);
const DOCUMENT_TYPES = /^(application\/(xml|json)|text\/xml|application\/[\w.+-]+\+(xml|json))$/;

/**
 * `POST /api/v1/deliveries`: a document in any source format ozg-hub has a mapping for
 * (xdomea, XFall, XGewerbeanzeige, FIT-Connect, portal JSON ...), as XML or JSON, or
 * multipart/form-data with the document in the part `document` plus attachment parts, or an
 * xdomea ZIP container (application/zip: the message XML plus its primary documents).
 * The mapping is chosen by its match rules, by the portal's `mapping`, or by `?format=<id>`.
 */
export function deliveryRoutes(ctx: AdapterContext): Hono<RestEnv> {
  const app = new Hono<RestEnv>();
  app.use("/api/v1/deliveries", portalAuth(ctx));

  app.post("/api/v1/deliveries", async (c) => {
    const portal = c.get("portal");
    const format = c.req.query("format");
    if (format !== undefined && !ctx.lookups.hasMapping(format)) {
      return problem(c, { type: "unknown-format", title: "Unknown format", status: 422, detail: `no mapping with id "${format}"` });
    }
    const key = idempotencyKey(c);
    if (key === false) return invalidIdempotencyKey(c);
    const contentType = c.req.header("content-type") ?? "";
    const type = contentType.split(";")[0]!.trim().toLowerCase();
    const doc = (bytes: Buffer, ct: string): InboundDocument => ({ contentType: ct, bytes, sourceMessageId: key, ...(format ? { format } : {}) });

    let result;
    if (DOCUMENT_TYPES.test(type)) {
      result = await intakeSingle(ctx, c, { portalId: portal.id, sourceMessageId: key, toDocument: doc });
    } else if (type === "multipart/form-data") {
      result = await intakeMultipart(ctx, c, {
        portalId: portal.id,
        sourceMessageId: key,
        documentPart: "document",
        attachmentParts: "any",
        toDocument: (bytes, partType) =>
          DOCUMENT_TYPES.test(partType.split(";")[0]!.trim().toLowerCase())
            ? doc(bytes, partType)
            : { kind: "malformed", detail: `part "document" must be XML or JSON, got ${partType || "no content type"}` },
      });
    } else if (ZIP_TYPES.has(type)) {
      result = await intakeZip(ctx, c, { portalId: portal.id, sourceMessageId: key, ...(format ? { format } : {}) });
    } else {
      return unsupportedType(c, contentType, ["application/xml", "application/json", "multipart/form-data", "application/zip (xdomea container)"]);
    }
    return receiptAnswer(c, result);
  });
  return app;
}
