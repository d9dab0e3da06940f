import type { Context } from "hono";
import type { AdapterContext, InboundDocument, IntakeResult } from "../../gateway/index.ts";
import { declaresMore, openXdomeaContainer, readBody } from "../../gateway/index.ts";
import { readMultipart, type MultipartOptions } from "./multipart.ts";

type DocumentOrRefusal = InboundDocument | Extract<IntakeResult, { kind: "malformed" | "invalid" | "too_large" }>;

interface BodyIntake {
  portalId: string;
  /** The Idempotency-Key, when the request has one. */
  sourceMessageId?: string;
  /** Builds the document from the bytes (and the content type) as received. */
  toDocument(bytes: Buffer, contentType: string): DocumentOrRefusal;
}

/** The whole request body is the document (JSON or XML), bounded by `limits.documentBytes`. */
export async function intakeSingle(ctx: AdapterContext, c: Context, o: BodyIntake): Promise<IntakeResult> {
  const limit = ctx.lookups.limits().documentBytes;
  const bytes = await readBody(c.req.raw, limit);
  if (bytes === "too_large") return { kind: "too_large", limit, what: "document" };
  const contentType = c.req.header("content-type") ?? "";
  return ctx.gateway.intake({
    channel: "rest",
    portalId: o.portalId,
    sourceMessageId: o.sourceMessageId,
    attachments: [],
    document: async () => o.toDocument(bytes, contentType),
  });
}

/**
 * A multipart/form-data body: the part `documentPart` is the document, file parts stream into
 * the store as attachments. The parser is disposed whatever the outcome. A body that announces
 * more than `limits.deliveryBytes` is refused before it is read.
 */
export async function intakeMultipart(ctx: AdapterContext, c: Context, o: BodyIntake & Omit<MultipartOptions, "documentBytes">): Promise<IntakeResult> {
  const { documentBytes: limit, deliveryBytes } = ctx.lookups.limits();
  if (declaresMore(c.req.raw, deliveryBytes)) return { kind: "too_large", limit: deliveryBytes, what: "delivery" };
  const mp = readMultipart(c.req.header("content-type") ?? "", c.req.raw.body, {
    documentPart: o.documentPart,
    attachmentParts: o.attachmentParts,
    documentBytes: limit,
  });
  try {
    return await ctx.gateway.intake({
      channel: "rest",
      portalId: o.portalId,
      sourceMessageId: o.sourceMessageId,
      attachments: mp.attachments,
      document: async () => {
        const f = await mp.finished();
        if (f.tooLarge) return { kind: "too_large", limit, what: "document" };
        if (f.problem) return { kind: "malformed", detail: f.problem };
        if (!f.document) return { kind: "malformed", detail: `missing part "${o.documentPart}"` };
        return o.toDocument(f.document, f.documentType ?? "");
      },
    });
  } finally {
    mp.dispose();
  }
}

/**
 * An xdomea ZIP container as the body (application/zip): the message XML is the document, the
 * primary documents and the container itself are attachments. Read whole (bounded by
 * `limits.deliveryBytes`) because a ZIP's directory is at its end; a container that breaks a
 * limit or looks like a zip bomb is refused before intake begins.
 */
export async function intakeZip(ctx: AdapterContext, c: Context, o: Omit<BodyIntake, "toDocument"> & { format?: string }): Promise<IntakeResult> {
  const limits = ctx.lookups.limits();
  const zip = await readBody(c.req.raw, limits.deliveryBytes);
  if (zip === "too_large") return { kind: "too_large", limit: limits.deliveryBytes, what: "delivery" };
  const filename = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(c.req.header("content-disposition") ?? "")?.[1];
  const opened = await openXdomeaContainer(zip, filename ? decodeURIComponent(filename) : undefined, limits);
  if (!opened.ok) return opened.refusal;
  const { container } = opened;
  return ctx.gateway.intake({
    channel: "rest",
    portalId: o.portalId,
    sourceMessageId: o.sourceMessageId,
    attachments: container.attachments,
    document: async () => ({
      contentType: "application/xml",
      bytes: container.document,
      sourceMessageId: o.sourceMessageId,
      metadata: container.metadata,
      ...(o.format ? { format: o.format } : {}),
    }),
  });
}
