import { Hono } from "hono";
import type { AdapterContext } from "../../gateway/index.ts";
import { portalAuth, type RestEnv } from "./auth.ts";
import { refusal, repeatAnswer, unsupportedType } from "./answers.ts";
import { intakeMultipart } from "./intake-body.ts";
import { ozgCloudFormSchema } from "./ozg-cloud-schema.ts";
import { jsonDocument } from "./submission.ts";

/**
 * `POST /antrag`, compatible with the OZG-Cloud intake: multipart with the part `formData`
 * (JSON: control block + nested form items) and repeatable parts `representation` and
 * `attachment`. A portal switches by changing URL and token. The answer is OZG-Cloud's:
 * `{transactionId, vorgang: {vorgangId, vorgangNummer, status, statusSince}}`.
 */
export function antragRoutes(ctx: AdapterContext): Hono<RestEnv> {
  const app = new Hono<RestEnv>();
  app.use("/antrag", portalAuth(ctx));

  app.post("/antrag", async (c) => {
    const portal = c.get("portal");
    const contentType = c.req.header("content-type") ?? "";
    if (contentType.split(";")[0]!.trim().toLowerCase() !== "multipart/form-data") {
      return unsupportedType(c, contentType, ["multipart/form-data"]);
    }
    const result = await intakeMultipart(ctx, c, {
      portalId: portal.id,
      documentPart: "formData",
      attachmentParts: ["representation", "attachment"],
      toDocument: (bytes) =>
        jsonDocument(bytes, ctx.lookups.limits().jsonDepth, ozgCloudFormSchema, (form) => ({
          format: "ozg-cloud",
          sourceMessageId: form.control.transactionId,
          metadata: { formId: form.control.formId, formName: form.control.name },
        })),
    });
    if (result.kind !== "accepted" && result.kind !== "duplicate") return refusal(c, result);
    const r = result.receipt;
    const repeat = result.kind === "duplicate" && repeatAnswer(c, result);
    if (repeat) return repeat;
    return c.json(
      {
        transactionId: r.sourceMessageId,
        vorgang: {
          vorgangId: r.deliveryId,
          vorgangNummer: r.reference,
          status: r.state === "parked" ? "IN_PRUEFUNG" : "NEU",
          statusSince: r.receivedAt.toISOString(),
        },
      },
      202,
    );
  });
  return app;
}
