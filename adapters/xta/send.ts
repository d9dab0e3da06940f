import type { Element } from "@xmldom/xmldom";
import { isZip, openXdomeaContainer, type InboundAttachment, type IntakeResult } from "../../gateway/index.ts";
import { faults } from "./faults.ts";
import { readMessageMetaData } from "./metadata.ts";
import { partFor } from "./mtom.ts";
import { NS } from "./ns.ts";
import { refuse, type OperationContext, type OperationHandler, type OperationResult } from "./operation.ts";
import { base64Slices } from "./base64.ts";
import { child, children } from "./xml.ts";

const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

/**
 * The bytes of a Message or Attachment: an MTOM part, or inline base64 (validated here, decoded
 * as it is read).
 */
function content(o: OperationContext, el: Element): Uint8Array | Iterable<Uint8Array> | string {
  const include = child(el, NS.xop, "Include");
  if (include) return partFor(o.req.multipart, include.getAttribute("href") ?? "") ?? `xop:Include ${include.getAttribute("href")} names no MIME part`;
  const b64 = el.textContent ?? "";
  if (!BASE64.test(b64)) return `${el.localName} is not base64`;
  return base64Slices(b64);
}

/** The document is parsed whole anyway (and bounded by the document limit). */
function whole(content: Uint8Array | Iterable<Uint8Array>): Buffer {
  return content instanceof Uint8Array ? Buffer.from(content.buffer, content.byteOffset, content.byteLength) : Buffer.concat([...content]);
}

/**
 * Some senders label every XTA Message `application/octet-stream`; an XÖV message is XML, so a
 * generic label on bytes that begin like XML is read as application/xml. Specific labels stand.
 */
function sniffed(contentType: string, bytes: Buffer): string {
  if (!/^(application|binary)\/octet-stream\b/i.test(contentType.trim())) return contentType;
  const start = bytes
    .subarray(0, 64)
    .toString("utf8")
    .replace(/^\uFEFF/, "")
    .trimStart();
  return start.startsWith("<") ? "application/xml" : contentType;
}

function refusal(r: Exclude<IntakeResult, { kind: "accepted" }>): OperationResult {
  switch (r.kind) {
    case "duplicate":
      return refuse(faults.duplicateMessageId(r.receipt.sourceMessageId ?? ""));
    case "malformed":
      return refuse(faults.schemaViolation(r.detail));
    case "invalid":
      return refuse(faults.schemaViolation(r.problems.map((p) => `${p.path || "(root)"}: ${p.message}`).join("; ")));
    case "too_large":
      return refuse(faults.tooLarge(r.limit));
    case "busy":
      return refuse(faults.busy(r.retryAfterSeconds));
    default: {
      const never: never = r;
      throw new Error(`unhandled intake result ${JSON.stringify(never)}`);
    }
  }
}

/**
 * sendMessage: MessageMetaData + ContentContainer become one delivery. The Message is the
 * document (bytes as sent), Attachments are stored as attachments, the metadata is offered to
 * mappings as `$meta.xta`, and the Reader addresses the tenant. The empty reply is sent only
 * after intake has committed.
 */
export const sendMessage: OperationHandler = async (o) => {
  const { account, req } = o;
  if (account.kind !== "portal") return refuse(faults.notBooked("the send port"));
  const parsed = readMessageMetaData(child(req.header, NS.oscimeta, "MessageMetaData"));
  if (!parsed.ok) return refuse(faults.missingParameter(parsed.missing));
  const meta = parsed.meta;
  if (!account.authors.includes(meta.author)) return refuse(faults.authorMismatch(meta.author));

  const container = child(req.body, NS.xta, "GenericContentContainer");
  if (!container) return refuse(faults.missingParameter("xta:GenericContentContainer"));
  if (children(container, "http://www.w3.org/2001/04/xmlenc#", "EncryptedData").length > 0) {
    return refuse(faults.invalidParameter("encrypted content containers are not accepted; ozg-hub needs to read the message"));
  }
  const cc = child(container, NS.xta, "ContentContainer");
  const message = child(cc, NS.xta, "Message");
  if (!cc || !message) return refuse(faults.missingParameter("ContentContainer/Message"));
  const contentType = message.getAttribute("contentType");
  if (!contentType) return refuse(faults.schemaViolation("Message has no contentType"));
  const body = content(o, message);
  if (typeof body === "string") return refuse(faults.schemaViolation(body));
  const bytes = whole(body);
  const documentType = sniffed(contentType, bytes);

  const attachments: InboundAttachment[] = [];
  for (const [i, a] of children(cc, NS.xta, "Attachment").entries()) {
    const body = content(o, a);
    if (typeof body === "string") return refuse(faults.schemaViolation(body));
    attachments.push({
      name: a.getAttribute("filename") || `attachment-${i + 1}`,
      contentType: a.getAttribute("contentType") || "application/octet-stream",
      ...(a.getAttribute("contentDescription") ? { group: a.getAttribute("contentDescription")! } : {}),
      content: body,
    });
  }

  const filename = message.getAttribute("filename") || undefined;
  const xta = { xta: { ...meta, ...(filename ? { filename } : {}) } };
  // An xdomea message sent as its ZIP container: the message XML is the document, the primary
  // documents and the container itself are stored beside the XTA Attachments.
  let document = { contentType: documentType, bytes, metadata: xta as Record<string, unknown> };
  if (isZip(bytes) || /^application\/(x-)?zip(-compressed)?\b/i.test(contentType.trim())) {
    const opened = await openXdomeaContainer(bytes, filename, o.ctx.lookups.limits());
    if (!opened.ok) return refusal(opened.refusal);
    const c = opened.container;
    document = { contentType: "application/xml", bytes: c.document, metadata: { ...xta, ...c.metadata } };
    attachments.unshift(...c.attachments);
  }

  const result = await o.ctx.gateway.intake({
    channel: "xta",
    portalId: account.portal.id,
    sourceMessageId: meta.messageId,
    attachments,
    document: async () => ({ ...document, sourceMessageId: meta.messageId, recipient: { xtaReader: meta.reader } }),
  });
  return result.kind === "accepted" ? { ok: true } : refusal(result);
};

/** sendMessageSync: ozg-hub hands applications on asynchronously; there is no answer to wait for. */
export const sendMessageSync: OperationHandler = async (o) => {
  if (o.account.kind !== "portal") return refuse(faults.notBooked("the send port"));
  return refuse(faults.syncNotOffered());
};
