import { createHash, randomBytes } from "node:crypto";
import { feedbackXml, type Feedback } from "./feedback.ts";
import { buildMime } from "./mime.ts";
import { ACTOR, ENC_CID, NS, ROOT_CID } from "./ns.ts";
import { SIG_SLOT, signDocument } from "./signature.ts";
import { esc, pemBase64 } from "./xml.ts";
import { encryptData } from "./xmlenc.ts";
import type { KeyObject } from "node:crypto";

const ROOT_NS = `xmlns:soap="${NS.soap}" xmlns:osci="${NS.osci}" xmlns:ds="${NS.ds}" xmlns:xenc="${NS.xenc}"`;
const block = `soap:actor="${ACTOR}" soap:mustUnderstand="1"`;
/** Certificate blocks are for the receiver only (as the library writes them). */
const ACTOR_NONE = "http://www.w3.org/2001/12/soap-envelope/actor/none";

export interface ControlOut {
  response: string;
  challenge?: string;
  conversationId?: string;
  sequenceNumber?: number;
}

export interface ProcessCardOut {
  messageId: string;
  creation: Date;
  forwarding?: Date;
  reception?: Date;
  subject?: string;
  inspections: { at: Date; subject: string; issuer: string; serial: string; ok: boolean }[];
}

/** What a response carries; the operation decides where (header or body block). */
export type ResponseOrder =
  | { op: "responseToStoreDelivery"; feedback: Feedback; processCard?: ProcessCardOut }
  | { op: "responseToAcceptDelivery"; feedback: Feedback }
  | { op: "responseToProcessDelivery"; feedback: Feedback; messageId?: string }
  | { op: "responseToInitDialog"; feedback: Feedback }
  | { op: "responseToExitDialog"; feedback: Feedback }
  | { op: "responseToGetMessageId"; feedback: Feedback; messageId?: string }
  | { op: "responseToFetchProcessCard"; feedback: Feedback; selection: string; processCards: ProcessCardOut[] };

const HEADER_ORDERS = new Set(["responseToStoreDelivery", "responseToAcceptDelivery", "responseToProcessDelivery"]);

export function controlBlockXml(c: ControlOut): string {
  const attrs = `${c.conversationId !== undefined ? ` ConversationId="${c.conversationId}"` : ""}${c.sequenceNumber !== undefined ? ` SequenceNumber="${c.sequenceNumber}"` : ""}`;
  return `<osci:ControlBlock Id="controlblock" ${block}${attrs}><osci:Response>${esc(c.response)}</osci:Response>${c.challenge ? `<osci:Challenge>${esc(c.challenge)}</osci:Challenge>` : ""}</osci:ControlBlock>`;
}

const ts = (d: Date) => `<osci:Plain>${d.toISOString()}</osci:Plain>`;

export function processCardBundleXml(p: ProcessCardOut, forwardingAllowed: boolean): string {
  const inspections = p.inspections
    .map(
      (i) =>
        `<osci:Inspection><osci:Timestamp>${ts(i.at)}</osci:Timestamp><osci:X509SubjectName>${esc(i.subject)}</osci:X509SubjectName><osci:X509IssuerName>${esc(i.issuer)}</osci:X509IssuerName><osci:X509SerialNumber>${BigInt(`0x${i.serial}`).toString()}</osci:X509SerialNumber><osci:CertType Type="advanced"/><osci:MathResult Result="${i.ok ? "ok" : "corrupted"}"/><osci:OfflineResult Result="${i.ok ? "valid" : "invalid"}"/></osci:Inspection>`,
    )
    .join("");
  const times = `<osci:Creation>${ts(p.creation)}</osci:Creation>${forwardingAllowed && p.forwarding ? `<osci:Forwarding>${ts(p.forwarding)}</osci:Forwarding>` : ""}${forwardingAllowed && p.reception ? `<osci:Reception>${ts(p.reception)}</osci:Reception>` : ""}`;
  const subject = p.subject ? `<osci:Subject>${esc(p.subject)}</osci:Subject>` : "";
  return `<osci:ProcessCardBundle><osci:MessageId>${esc(p.messageId)}</osci:MessageId><osci:ProcessCard RecentModification="${(p.reception ?? p.creation).toISOString()}">${times}${subject}</osci:ProcessCard><osci:InspectionReport>${inspections}</osci:InspectionReport></osci:ProcessCardBundle>`;
}

function orderXml(o: ResponseOrder): string {
  const inner = (() => {
    switch (o.op) {
      case "responseToStoreDelivery":
        return feedbackXml(o.feedback) + (o.processCard ? processCardBundleXml(o.processCard, false) : "");
      case "responseToProcessDelivery":
      case "responseToGetMessageId":
        return feedbackXml(o.feedback) + (o.messageId ? `<osci:MessageId>${esc(o.messageId)}</osci:MessageId>` : "");
      case "responseToFetchProcessCard":
        return (
          feedbackXml(o.feedback) +
          `<osci:fetchProcessCard>${o.selection}</osci:fetchProcessCard>` +
          o.processCards.map((p) => processCardBundleXml(p, true)).join("")
        );
      case "responseToAcceptDelivery":
      case "responseToInitDialog":
      case "responseToExitDialog":
        return feedbackXml(o.feedback);
      default: {
        const never: never = o;
        throw new Error(`unknown response ${JSON.stringify(never)}`);
      }
    }
  })();
  return HEADER_ORDERS.has(o.op) ? `<osci:${o.op} Id="${o.op.toLowerCase()}" ${block}>${inner}</osci:${o.op}>` : `<osci:${o.op}>${inner}</osci:${o.op}>`;
}

export interface Signer {
  key: KeyObject;
  certPem: string;
}

/**
 * A complete response: the envelope signed with ozg-hub's key (SupplierSignature over the
 * ControlBlock, the order and the Body), then, when `encryptFor` is given, wrapped in a
 * soapMessageEncrypted envelope for that certificate. Returns the HTTP body (MIME).
 */
export function buildResponse(control: ControlOut, order: ResponseOrder, signer: Signer, encryptFor?: string): Buffer {
  const inHeader = HEADER_ORDERS.has(order.op);
  // The certificate block names the signer in the role the Governikus library reads for this
  // answer (the Addressee answers AcceptDelivery; for ProcessDelivery it is the Originator of the
  // response; the Intermediär answers everything else), with an Id that KeyInfo points to.
  const fp = createHash("sha256")
    .update(Buffer.from(pemBase64(signer.certPem), "base64"))
    .digest("hex");
  const [blockName, role, element] =
    order.op === "responseToAcceptDelivery"
      ? ["NonIntermediaryCertificates", "addressee", "SignatureCertificateAddressee"]
      : order.op === "responseToProcessDelivery"
        ? ["NonIntermediaryCertificates", "originator", "SignatureCertificateOriginator"]
        : ["IntermediaryCertificates", "intermed", "SignatureCertificateIntermediary"];
  const certId = `${role}_signature_${fp}`;
  const certsId = blockName.toLowerCase();
  const certs = `<osci:${blockName} Id="${certsId}" soap:actor="${ACTOR_NONE}" soap:mustUnderstand="1"><osci:${element} Id="${certId}"><ds:X509Data><ds:X509Certificate>${pemBase64(signer.certPem)}</ds:X509Certificate></ds:X509Data></osci:${element}></osci:${blockName}>`;
  const sig = `<osci:SupplierSignature Id="suppliersignature" ${block}>${SIG_SLOT}</osci:SupplierSignature>`;
  // Element order follows each response's schema: the order block sits between signature and certificates in the header, or alone in the body.
  const header = inHeader ? controlBlockXml(control) + sig + orderXml(order) + certs : controlBlockXml(control) + sig + certs;
  const body = inHeader ? "" : orderXml(order);
  const envelope = `<?xml version="1.0" encoding="UTF-8"?>\n\n${envelopeStart(`soap${order.op[0]!.toUpperCase()}${order.op.slice(1)}.xsd`)}<soap:Header>${header}</soap:Header><soap:Body Id="body">${body}</soap:Body></soap:Envelope>`;
  const ids = ["controlblock", ...(inHeader ? [order.op.toLowerCase()] : []), certsId, "body"];
  const signed = signDocument(envelope, { ids, retrieval: certId }, signer.key, signer.certPem);
  const plain = buildMime([{ contentId: ROOT_CID, contentType: "text/xml; charset=UTF-8", body: signed }]);
  return encryptFor ? encryptMessage(plain, encryptFor) : plain;
}

/**
 * The Envelope's start tag. The Governikus library tells message types apart by the
 * `xsi:schemaLocation` of the Envelope (the soap*.xsd file named for the SOAP namespace) and
 * refuses a message without it as "no valid OSCI message".
 */
function envelopeStart(xsd: string): string {
  return `<soap:Envelope ${ROOT_NS} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="${NS.soap} ${xsd} ${NS.ds} oscisig.xsd ${NS.xenc} oscienc.xsd">`;
}

/** The transport layer: the whole MIME message encrypted, the ciphertext raw in part <osci_enc>. */
export function encryptMessage(plainMime: Buffer, certPem: string): Buffer {
  const enc = encryptData(plainMime, [certPem], { mimeType: "Multipart/Related", cipherPart: ENC_CID, id: `enc-${randomBytes(4).toString("hex")}` });
  const envelope = `<?xml version="1.0" encoding="UTF-8"?>\n\n${envelopeStart("soapMessageEncrypted.xsd")}<soap:Body>${enc.xml}</soap:Body></soap:Envelope>`;
  return buildMime([
    { contentId: ROOT_CID, contentType: "text/xml; charset=UTF-8", body: envelope },
    { contentId: ENC_CID, contentType: "application/octet-stream", body: enc.part! },
  ]);
}

/**
 * A message-level refusal (91xx-97xx, 9000): SOAP fault, unsigned, since the order could not be
 * read. The code goes alone into `<detail><osci:Code>`, the only place the Governikus library
 * reads it; the explanation goes into `faultstring`.
 */
export function faultResponse(f: Feedback, server = false): Buffer {
  const text = f.detail ? `${f.text} ${f.detail}` : f.text;
  const envelope = `<?xml version="1.0" encoding="UTF-8"?>\r\n\r\n<soap:Envelope xmlns:soap="${NS.soap}" xmlns:osci="${NS.osci}"><soap:Body><soap:Fault><faultcode>soap:${server ? "Server" : "Client"}</faultcode><faultstring>${esc(f.code)}: ${esc(text)}</faultstring><detail><osci:Code>${esc(f.code)}</osci:Code></detail></soap:Fault></soap:Body></soap:Envelope>`;
  return buildMime([{ contentId: ROOT_CID, contentType: "text/xml; charset=UTF-8", body: envelope }]);
}
