import type { IntakeResult, TenantConfig } from "../../gateway/index.ts";
import { judgeAuthor, type AuthorSignature } from "./author-trust.ts";
import { readContents, recipientOf, tenantOfCertificate } from "./content.ts";
import { FEEDBACK, isMessageLevel, type Feedback } from "./feedback.ts";
import type { Operation } from "./message.ts";
import { NS } from "./ns.ts";
import type { ControlOut, ProcessCardOut, ResponseOrder } from "./responses.ts";
// OSCI 1.2 messages may carry XTA's MessageMetaData header; one reader for both channels.
import { readMessageMetaData } from "../xta/metadata.ts";
import { fetchProcessCard } from "./process-cards.ts";
import type { OrderContext, OrderHandler } from "./order-context.ts";
import { child, messageIdOf, path, text } from "./xml.ts";

const initDialog: OrderHandler = (o) => o.answer(o.control.out(), { op: "responseToInitDialog", feedback: FEEDBACK.okDialogOpen });

const exitDialog: OrderHandler = (o) => o.answer(o.control.out(), { op: "responseToExitDialog", feedback: FEEDBACK.ok });

const getMessageId: OrderHandler = (o) =>
  o.answer(o.control.out(), { op: "responseToGetMessageId", feedback: o.ok, messageId: o.settings.messageIds.issue(o.sender.portalId) });

/** StoreDelivery (from a portal's client), AcceptDelivery and ProcessDelivery (pushed by an Intermediär): one intake. */
const delivery: OrderHandler = async (o) => {
  const responseOp =
    o.m.operation === "storeDelivery"
      ? "responseToStoreDelivery"
      : o.m.operation === "acceptDelivery"
        ? "responseToAcceptDelivery"
        : "responseToProcessDelivery";
  // Accept/ProcessDelivery run outside dialogs: their answers carry no ConversationId.
  const ctrl = (): ControlOut => (o.m.operation === "storeDelivery" ? o.control.out() : { response: o.control.out().response });
  const orderFail = (f: Feedback) => o.answer(ctrl(), { op: responseOp, feedback: f } as ResponseOrder);
  const messageId =
    o.m.operation === "storeDelivery"
      ? messageIdOf(child(o.m.order, NS.osci, "MessageId"))
      : messageIdOf(path(o.m.order, [NS.osci, "ProcessCardBundle"], [NS.osci, "MessageId"]));
  if (!messageId) return orderFail(FEEDBACK.noMessageId);
  if (o.sender.kind === "originator" && !o.settings.messageIds.valid(messageId, o.sender.portalId))
    return orderFail({ ...FEEDBACK.illegalMessageId, detail: "ask for one with GetMessageId" });
  const contents = await readContents(child(o.m.body, NS.osci, "ContentPackage"), o.settings, o.m.parts, o.signedCids, o.m.text);
  if (!contents.ok) return isMessageLevel(contents.feedback) ? o.refuse(contents.feedback) : orderFail(contents.feedback);
  const cs = contents.contents;
  const metadata = readMessageMetaData(child(o.m.header, NS.oscimeta, "MessageMetaData"));
  const xta = metadata.ok ? metadata.meta : undefined;
  const addressee = text(
    path(o.m.header, [NS.osci, "NonIntermediaryCertificates"], [NS.osci, "CipherCertificateAddressee"], [NS.ds, "X509Data"], [NS.ds, "X509Certificate"]),
  );
  const tenant = cs.tenant ?? (o.signedIds.has("nonintermediarycertificates") ? tenantOfCertificate(o.settings, addressee) : undefined);
  const subject = text(child(o.m.order, NS.osci, "Subject"));
  const receivedAt = o.ctx.clock();
  const authors = cs.authors.map((a) => judgeAuthor(a.signer, a.pinned, o.settings.authorAnchors, receivedAt));
  const weak = untrustedContent(o, tenant, authors, cs.unsigned);
  if (weak) return orderFail({ ...FEEDBACK.signerUnknown, detail: weak });
  // The certificates checked for this delivery, kept with it for the process card.
  const inspected = [o.sender.signer, ...cs.authors.map((a) => a.signer)].map((cert) => ({
    subject: cert.subject,
    issuer: cert.issuer,
    serial: cert.serialNumber,
  }));
  const result: IntakeResult = await o.ctx.gateway.intake({
    channel: "osci",
    portalId: o.sender.portalId,
    sourceMessageId: messageId,
    attachments: cs.attachments,
    document: async () => {
      if (!cs.document) return { kind: "malformed", detail: "the delivery has no XML or JSON content" };
      return {
        contentType: cs.document.contentType,
        bytes: cs.document.bytes,
        sourceMessageId: messageId,
        metadata: {
          osci: {
            operation: o.m.operation,
            messageId,
            subject,
            transportEncrypted: o.m.encrypted,
            signer: o.sender.signer.subject,
            authors: authors.map((a) => a.subject),
            tenant: tenant?.id,
            inspected,
          },
          ...(xta ? { xta } : {}),
        },
        recipient: recipientOf(tenant, xta?.reader),
        ...(authors.length ? { signatures: authors } : {}),
      };
    },
  });
  if (result.kind === "duplicate") return orderFail({ ...FEEDBACK.illegalMessageId, detail: "MessageId already delivered" });
  if (result.kind !== "accepted") {
    const detail =
      result.kind === "malformed"
        ? result.detail
        : result.kind === "invalid"
          ? result.problems.map((p) => `${p.path}: ${p.message}`).join("; ")
          : result.kind === "busy"
            ? `busy, retry in ${result.retryAfterSeconds} s`
            : `${result.what} larger than ${result.limit}`;
    return orderFail({ ...(o.m.operation === "storeDelivery" ? FEEDBACK.invalidRequest : FEEDBACK.notAccepted), detail });
  }
  const card: ProcessCardOut = {
    messageId,
    creation: receivedAt,
    reception: result.receipt.receivedAt,
    subject,
    inspections: inspected.map((i) => ({ at: receivedAt, ...i, ok: true })),
  };
  if (o.m.operation === "storeDelivery") return o.answer(ctrl(), { op: "responseToStoreDelivery", feedback: o.ok, processCard: card });
  if (o.m.operation === "acceptDelivery") return o.answer(ctrl(), { op: "responseToAcceptDelivery", feedback: FEEDBACK.ok });
  // The answer is a message of its own: it carries the id the Intermediär assigned to the response.
  return o.answer(ctrl(), { op: "responseToProcessDelivery", feedback: FEEDBACK.ok, messageId: messageIdOf(child(o.m.order, NS.osci, "MessageIdResponse")) });
};

/**
 * Where the tenant or the portal demands a trusted Author (`osci.requireTrustedAuthor`): why this
 * content falls short (an unsigned container, an untrusted signer), else undefined. Without the
 * demand every verified signature is accepted and recorded with its trust.
 */
function untrustedContent(o: OrderContext, tenant: TenantConfig | undefined, authors: AuthorSignature[], unsigned: number): string | undefined {
  const by = tenant?.osci?.requireTrustedAuthor
    ? `tenant ${tenant.id}`
    : o.ctx.lookups.portal(o.sender.portalId)?.osci?.requireTrustedAuthor
      ? `portal ${o.sender.portalId}`
      : undefined;
  if (!by) return undefined;
  const weak = authors.find((a) => a.trust === "untrusted");
  if (weak) return `${by} requires a trusted Author signature; ${weak.subject.replace(/\n/g, ", ")}: ${weak.detail}`;
  if (unsigned > 0) return `${by} requires a trusted Author signature; ${unsigned} content container(s) unsigned`;
  return undefined;
}

/** One handler per OSCI order; the table must name every operation `openMessage` recognises. */
export const HANDLERS = {
  initDialog,
  exitDialog,
  getMessageId,
  fetchProcessCard,
  storeDelivery: delivery,
  acceptDelivery: delivery,
  processDelivery: delivery,
} satisfies Record<Operation, OrderHandler>;
