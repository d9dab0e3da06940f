import { Hono } from "hono";
import type { AdapterContext } from "../../gateway/index.ts";
import { applicationSchema, problem } from "../../gateway/index.ts";
import { portalAuth, type RestEnv } from "./auth.ts";
import { idempotencyKey, invalidIdempotencyKey, receiptAnswer, unsupportedType } from "./answers.ts";
import { intakeMultipart, intakeSingle } from "./intake-body.ts";
import { jsonDocument } from "./submission.ts";

/** What a portal submits to /api/v1/applications: the canonical application without what ozg-hub adds. */
export const submissionSchema = applicationSchema.omit({ sourceFormat: true, attachments: true });

const JSON_TYPES = ["application/json", "multipart/form-data"];

/**
 * `POST /api/v1/applications`: a canonical submission as JSON, or multipart/form-data with that
 * JSON in the part `application` and any number of file parts as attachments.
 * `GET /api/v1/applications/{id}`: state and timeline, for the delivering portal only.
 */
export function applicationRoutes(ctx: AdapterContext): Hono<RestEnv> {
  const app = new Hono<RestEnv>();
  app.use("/api/v1/applications", portalAuth(ctx));
  app.use("/api/v1/applications/*", portalAuth(ctx));

  app.post("/api/v1/applications", async (c) => {
    const portal = c.get("portal");
    const key = idempotencyKey(c);
    if (key === false) return invalidIdempotencyKey(c);
    const contentType = c.req.header("content-type") ?? "";
    const type = contentType.split(";")[0]!.trim().toLowerCase();
    const asDocument = (bytes: Buffer) =>
      jsonDocument(bytes, ctx.lookups.limits().jsonDepth, submissionSchema, (s) => ({ format: "canonical", sourceMessageId: key ?? s.sourceId }));

    let result;
    if (type === "application/json") {
      result = await intakeSingle(ctx, c, { portalId: portal.id, sourceMessageId: key, toDocument: asDocument });
    } else if (type === "multipart/form-data") {
      result = await intakeMultipart(ctx, c, {
        portalId: portal.id,
        sourceMessageId: key,
        documentPart: "application",
        attachmentParts: "any",
        toDocument: asDocument,
      });
    } else {
      return unsupportedType(c, contentType, JSON_TYPES);
    }
    return receiptAnswer(c, result);
  });

  app.get("/api/v1/applications/:id", async (c) => {
    const status = await ctx.gateway.status(c.req.param("id"), c.get("portal").id);
    if (!status) return problem(c, { type: "not-found", title: "Not Found", status: 404, detail: "no such application for this portal" });
    return c.json({
      id: status.deliveryId,
      reference: status.reference,
      channel: status.channel,
      sourceId: status.sourceMessageId,
      state: status.state,
      stateSince: status.stateSince.toISOString(),
      receivedAt: status.receivedAt.toISOString(),
      tenant: status.tenantId,
      format: status.format,
      ...(status.parkReason ? { parkReason: status.parkReason } : {}),
      ...(status.applications ? { applications: status.applications } : {}),
      timeline: status.timeline.map((e) => ({ at: e.at.toISOString(), type: e.type, ...(e.detail ? { detail: e.detail } : {}) })),
      statuses: status.statuses.map((r) => ({
        ...r.detail,
        id: r.id,
        at: r.at.toISOString(),
        applicationId: r.applicationId,
        status: r.status,
        subscriber: r.subscriber,
        ...(r.detail.document ? { documentUrl: `/api/v1/applications/${status.deliveryId}/statuses/${r.id}/document` } : {}),
      })),
    });
  });
  return app;
}
