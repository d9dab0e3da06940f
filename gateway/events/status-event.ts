import { z } from "zod";

/** The `type` of a status event that a Fachverfahren publishes about one of its applications. */
export const STATUS_EVENT_TYPE = "de.ozghub.application.status.v1";

/** The `type` of the notification that carries a status back to the portal (webhook, or a reply the portal fetches). */
export const PORTAL_STATUS_EVENT_TYPE = "de.ozghub.portal.status.v1";

/** The states a Fachverfahren may report, in the order an application usually passes them. */
export const STATUSES = ["received", "in-progress", "needs-information", "decided", "rejected"] as const;
export type StatusName = (typeof STATUSES)[number];

/** Largest Bescheid accepted inline in a status event (bytes before base64). */
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const document = z
  .object({
    name: z.string().min(1).max(255).describe("file name, e.g. bescheid.pdf"),
    contentType: z.string().min(1).describe("media type, e.g. application/pdf"),
    content: z
      .string()
      .regex(BASE64, "base64")
      .refine((s) => s.length % 4 === 0 && (s.length / 4) * 3 <= MAX_DOCUMENT_BYTES + 2, `base64 of at most ${MAX_DOCUMENT_BYTES} bytes`)
      .describe("the bytes, base64"),
  })
  .strict();

const common = {
  applicationId: z.uuid().describe("the `id` of the application event the status is about"),
  caseReference: z.string().max(200).optional().describe("the Fachverfahren's own case number (Aktenzeichen)"),
  message: z.string().max(4000).optional().describe("a note for the applicant"),
};

/** What a Fachverfahren reports; `status` decides which further fields are required. */
export const statusDataSchema = z.discriminatedUnion("status", [
  z.object({ status: z.literal("received"), ...common }).strict(),
  z.object({ status: z.literal("in-progress"), ...common }).strict(),
  z.object({ status: z.literal("needs-information"), ...common, question: z.string().min(1).max(4000).describe("what the applicant must supply") }).strict(),
  z.object({ status: z.literal("decided"), ...common, document: document.optional().describe("the Bescheid") }).strict(),
  z.object({ status: z.literal("rejected"), ...common, reason: z.string().min(1).max(4000).describe("why the application cannot be processed") }).strict(),
]);

/**
 * A status event as a Fachverfahren publishes it to the status exchange (routing key
 * `<tenant>.<subscriber>`). `source` + `id` identify it: a repeat is dropped.
 */
export const statusEventSchema = z
  .object({
    specversion: z.literal("1.0"),
    id: z.string().min(1).max(200).describe("unique per source; a repeat with the same id is dropped"),
    source: z.string().min(1).max(500).describe("the reporting system, e.g. urn:fachverfahren:kiel:gewerbe"),
    type: z.literal(STATUS_EVENT_TYPE),
    time: z.iso.datetime({ offset: true }).optional(),
    datacontenttype: z.literal("application/json").optional(),
    data: statusDataSchema,
  })
  .describe("A status report from a Fachverfahren about one application (CloudEvents 1.0)");

export type StatusEvent = z.infer<typeof statusEventSchema>;
export type StatusData = z.infer<typeof statusDataSchema>;

/** What the portal receives: the status, tied to the ids the portal knows from its receipt. */
export const portalStatusEventSchema = z
  .object({
    specversion: z.literal("1.0"),
    id: z.string().describe("unique per notification; equals the webhook-id header: receivers drop repeats by it"),
    source: z.string().describe("urn:ozg-hub:<instance>"),
    type: z.literal(PORTAL_STATUS_EVENT_TYPE),
    subject: z.string().describe("the delivery id from the receipt (`id`)"),
    time: z.iso.datetime({ offset: true }).describe("when ozg-hub received the status"),
    datacontenttype: z.literal("application/json"),
    data: z.object({
      deliveryId: z.string().describe("the `id` of the receipt"),
      reference: z.string().describe("the short reference of the receipt"),
      sourceId: z.string().nullable().describe("the portal's own id of the submission (Idempotency-Key, transactionId)"),
      applicationId: z.string(),
      status: z.enum(STATUSES),
      caseReference: z.string().optional(),
      message: z.string().optional(),
      question: z.string().optional().describe("needs-information: what the applicant must supply"),
      reason: z.string().optional().describe("rejected: why"),
      document: z
        .object({ name: z.string(), contentType: z.string(), size: z.number().int().nonnegative(), sha256: z.string(), content: z.string().describe("base64") })
        .optional()
        .describe("decided: the Bescheid"),
    }),
  })
  .describe("A status of an application, sent back to the portal that delivered it");

export type PortalStatusEvent = z.infer<typeof portalStatusEventSchema>;
