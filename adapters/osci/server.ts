import { X509Certificate } from "node:crypto";
import type { Element } from "@xmldom/xmldom";
import { Hono } from "hono";
import type { AdapterContext } from "../../gateway/index.ts";
import { isOutage, messageOf, outageDetail, readBody } from "../../gateway/index.ts";
import { postgresDialogStore, type DialogStore } from "./dialog-store.ts";
import type { OsciSettings } from "./settings.ts";
import { fingerprint } from "./content.ts";
import { Dialogs, readControlBlock } from "./dialogs.ts";
import { FEEDBACK, type Feedback } from "./feedback.ts";
import { openMessage, type OsciMessage } from "./message.ts";
import { NS } from "./ns.ts";
import { buildResponse, faultResponse, type ControlOut, type ResponseOrder } from "./responses.ts";
import { nextTurn, verifySignatureOffThread } from "./signature-pool.ts";
import type { OrderContext, Sender } from "./order-context.ts";
import { HANDLERS } from "./orders.ts";
import { child, path, text } from "./xml.ts";

const MIME_TYPE = "text/xml; charset=utf-8";

/** The state the OSCI adapter reads and writes besides the intake, behind interfaces a test can fake. */
export interface OsciState {
  dialogs: DialogStore;
  /** A delivery's metadata by its sender and MessageId, for process cards. */
  deliveryMetadata(portalId: string, messageId: string): Promise<{ receivedAt: Date; metadata: Record<string, unknown> } | undefined>;
  /** A sender's OSCI deliveries, oldest first (process cards selected by date or all). */
  deliveriesOf: OrderContext["deliveriesOf"];
}

/** The OSCI state in the store: the dialog tables the adapter owns, delivery metadata through the port. */
export function storedOsciState(ctx: AdapterContext): OsciState {
  return {
    dialogs: postgresDialogStore(ctx.tables),
    deliveryMetadata: ctx.gateway.deliveryMetadata,
    deliveriesOf: (portalId, opts) => ctx.gateway.deliveriesOf(portalId, "osci", opts),
  };
}

/**
 * POST /osci: every OSCI order arrives here. The pipeline is the same for all of them: MIME,
 * transport decryption, ClientSignature against pinned certificates (only signed elements are
 * read), ControlBlock, then the order. Deliveries are answered only after the intake committed.
 */
export function osciRoutes(ctx: AdapterContext, prepared: () => OsciSettings | undefined, state: OsciState): Hono {
  const routes = new Hono();
  const dialogs = new Dialogs(state.dialogs, ctx.clock);
  routes.post("/osci", async (c) => {
    // Read once: a reload during this request does not change the keys it answers with.
    const settings = prepared();
    if (!settings) return reply(faultResponse({ ...FEEDBACK.internal, detail: "OSCI is not configured on this ozg-hub" }, true), 500);
    const body = await readBody(c.req.raw, settings.maxMessageBytes);
    if (body === "too_large") return refuse({ ...FEEDBACK.structure, detail: `message larger than ${settings.maxMessageBytes} bytes` });
    await nextTurn();
    const opened = openMessage(body, c.req.header("content-type"), [settings.decryption]);
    await nextTurn();
    if (!opened.ok) return refuse(opened.feedback);
    const m = opened.message;
    // Every part besides the SOAP envelope is an attachment: too many are refused before any crypto.
    const maxAttachments = ctx.lookups.limits().attachments;
    if (m.parts.size - 1 > maxAttachments)
      return refuse({
        ...FEEDBACK.invalidRequest,
        detail: `more than ${maxAttachments} attachments (${m.parts.size - 1}); limits.attachments is ${maxAttachments}`,
      });
    const who = await authenticate(m, settings, ctx.clock());
    if (!who.ok) return refuse(who.feedback);
    const { sender, signedIds, signedCids } = who;
    await nextTurn();
    const control = await dialogs.check(m.operation, readControlBlock(m.controlBlock), fingerprint(sender.signer), sender.cipherCert);
    if (!control.ok) return refuse(control.feedback);
    const cipherCert = control.cipherCert;
    if (m.encrypted && !cipherCert)
      return refuse({ ...FEEDBACK.noCipherCert, detail: "the signed request names no cipher certificate and none is configured" });
    const answer = (ctrl: ControlOut, order: ResponseOrder, status = 200) =>
      reply(buildResponse(ctrl, order, { key: settings.signing.key, certPem: settings.signing.pem }, m.encrypted ? cipherCert : undefined), status);
    const ok: Feedback = control.inDialog ? FEEDBACK.okDialogOpen : FEEDBACK.ok;

    return HANDLERS[m.operation]({
      ctx,
      settings,
      m,
      sender,
      signedIds,
      signedCids,
      control,
      ok,
      answer,
      refuse,
      deliveryMetadata: state.deliveryMetadata,
      deliveriesOf: state.deliveriesOf,
    });
  });
  // Whatever escapes the pipeline (the store gone during the dialog check or the intake, a bug)
  // is still answered as OSCI: an unsigned 9000 fault, as before the sender is known.
  routes.onError((err, c) => {
    ctx.log.error({ err: messageOf(err), path: c.req.path, outage: isOutage(err) }, "OSCI request failed");
    const detail = isOutage(err) ? outageDetail(err, "message id") : "the request could not be completed";
    return reply(faultResponse({ ...FEEDBACK.internal, detail }, true), 500);
  });
  return routes;

  /** Refusals before the intake: counted like the intake's own outcomes, logged as anomalies. */
  function refuse(f: Feedback): Response {
    const outcome = /^9[67]\d\d$|^9400$/.test(f.code) ? "unauthorized" : "malformed";
    ctx.metrics.deliveries.inc({ channel: "osci", portal: "", outcome });
    ctx.log.warn({ code: f.code, detail: f.detail }, "OSCI request refused");
    return reply(faultResponse(f, f.code === "9000"), 500);
  }
}

function reply(body: Buffer, status: number): Response {
  return new Response(new Uint8Array(body), { status, headers: { "content-type": MIME_TYPE } });
}

type Authenticated = { ok: true; sender: Sender; signedIds: Set<string>; signedCids: Set<string> } | { ok: false; feedback: Feedback };

/** The ClientSignature against the certificates pinned for the role the order implies. */
async function authenticate(m: OsciMessage, s: OsciSettings, now: Date): Promise<Authenticated> {
  const passive = m.operation === "acceptDelivery" || m.operation === "processDelivery";
  const pinned = passive ? s.intermediaries.flatMap((i) => i.certs) : s.portals.flatMap((p) => p.certs);
  // A cid: reference to a part that is not there is a missing part, not a forgery.
  for (const uri of referenceUris(m.signature)) {
    if (uri.startsWith("cid:") && !m.parts.has(uri.slice(4)))
      return { ok: false, feedback: { ...FEEDBACK.invalidRequest, detail: `MIME part <${uri.slice(4)}> is missing` } };
  }
  const v = await verifySignatureOffThread(m.text, m.signature, pinned, (cid) => m.parts.get(cid)?.body);
  if (!v.ok) {
    const f =
      v.code === "unsigned"
        ? FEEDBACK.unsigned
        : v.code === "unknown_signer"
          ? FEEDBACK.signerUnknown
          : v.code === "wrapped"
            ? FEEDBACK.notAllSigned
            : FEEDBACK.signatureInvalid;
    return { ok: false, feedback: { ...f, detail: v.detail } };
  }
  // Pinning does not outlive the certificate.
  if (now < new Date(v.signer.validFrom) || now > new Date(v.signer.validTo))
    return { ok: false, feedback: { ...FEEDBACK.signerUnknown, detail: `the signing certificate is valid from ${v.signer.validFrom} to ${v.signer.validTo}` } };
  // Only signed elements are read: the ControlBlock, the order, the Body, certificates blocks.
  const must: (Element | undefined)[] = [
    m.controlBlock,
    m.order.parentNode === m.header ? m.order : undefined,
    m.body,
    child(m.header, NS.osci, "NonIntermediaryCertificates"),
    child(m.header, NS.osci, "IntermediaryCertificates"),
    child(m.header, NS.oscimeta, "MessageMetaData"),
  ];
  for (const el of must) {
    if (el && !v.ids.has(el.getAttribute("Id") ?? "")) return { ok: false, feedback: { ...FEEDBACK.notAllSigned, detail: `${el.localName} is not signed` } };
  }
  for (const cid of m.parts.keys()) {
    if (cid !== "osci@message" && !v.cids.has(cid)) return { ok: false, feedback: { ...FEEDBACK.notAllSigned, detail: `MIME part <${cid}> is not signed` } };
  }
  const fp = fingerprint(v.signer);
  const certText = (...steps: [string, string][]) => text(path(m.header, ...steps, [NS.ds, "X509Data"], [NS.ds, "X509Certificate"]));
  const pemOf = (b64: string | undefined) => (b64 ? new X509Certificate(Buffer.from(b64.replace(/\s+/g, ""), "base64")).toString() : undefined);
  if (passive) {
    const i = s.intermediaries.find((x) => x.certs.some((c) => fingerprint(c) === fp))!;
    return {
      ok: true,
      signedIds: v.ids,
      signedCids: v.cids,
      sender: {
        portalId: i.portal,
        signer: v.signer,
        kind: "intermediary",
        cipherCert: i.cipherCert ?? pemOf(certText([NS.osci, "IntermediaryCertificates"], [NS.osci, "CipherCertificateIntermediary"])),
      },
    };
  }
  const p = s.portals.find((x) => x.certs.some((c) => fingerprint(c) === fp))!;
  return {
    ok: true,
    signedIds: v.ids,
    signedCids: v.cids,
    sender: {
      portalId: p.portal.id,
      signer: v.signer,
      kind: "originator",
      cipherCert: p.cipherCert ?? pemOf(certText([NS.osci, "NonIntermediaryCertificates"], [NS.osci, "CipherCertificateOriginator"])),
    },
  };
}

function referenceUris(sig: Element | undefined): string[] {
  if (!sig) return [];
  const refs = sig.getElementsByTagNameNS(NS.ds, "Reference");
  return Array.from({ length: refs.length }, (_, i) => refs.item(i)!.getAttribute("URI") ?? "");
}
