/**
 * The two requests ozg-hub sends as OSCI Originator, shaped as the Governikus library writes
 * them: GetMessageId, and StoreDelivery with one content container (the status as
 * Base64Content, the Bescheid as an attachment part) signed by ozg-hub as Author and encrypted
 * for the addressee. Both are signed (ClientSignature) and transport-encrypted for the
 * Intermediär; the answers are read by `readAnswer`.
 */
import { createHash, randomBytes } from "node:crypto";
import { FEEDBACK } from "./feedback.ts";
import { buildMime, parseMime, type MimePart } from "./mime.ts";
import { ACTOR, ALG, NS, ROOT_CID } from "./ns.ts";
import { SIG_SLOT, signDocument, verifySignature } from "./signature.ts";
import { encryptMessage } from "./responses.ts";
import { child, children, esc, parseXmlPart, path, pemBase64, text } from "./xml.ts";
import { aesGcmEncrypt, decryptData, encryptData, type KeyPair } from "./xmlenc.ts";
import type { X509Certificate } from "node:crypto";

const ROOT_NS = `xmlns:soap="${NS.soap}" xmlns:osci="${NS.osci}" xmlns:ds="${NS.ds}" xmlns:xenc="${NS.xenc}"`;
const block = `soap:actor="${ACTOR}" soap:mustUnderstand="1"`;
const ACTOR_NONE = "http://www.w3.org/2001/12/soap-envelope/actor/none";

/** ozg-hub as Originator: its signature key and the cipher key the Intermediär encrypts answers for. */
export interface Originator {
  signer: KeyPair & { pem: string };
  cipher: KeyPair & { pem: string };
}

export interface OutgoingRequest {
  /** The HTTP body (MIME, transport-encrypted). */
  body: Buffer;
  contentType: string;
  /** The ControlBlock's Challenge: the answer must carry it as Response. */
  challenge: string;
}

const fp = (pem: string) =>
  createHash("sha256")
    .update(Buffer.from(pemBase64(pem), "base64"))
    .digest("hex");
const certEl = (name: string, id: string, pem: string) =>
  `<osci:${name} Id="${id}"><ds:X509Data><ds:X509Certificate>${pemBase64(pem)}</ds:X509Certificate></ds:X509Data></osci:${name}>`;

function envelopeStart(xsd: string): string {
  return `<soap:Envelope ${ROOT_NS} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="${NS.soap} ${xsd} ${NS.ds} oscisig.xsd ${NS.xenc} oscienc.xsd">`;
}

/** A request signed by ozg-hub (ClientSignature over every header block, the body and the parts), then transport-encrypted. */
function signedRequest(
  o: Originator,
  intermediaryCipherCert: string,
  xsd: string,
  headerBlocks: { xml: string; id: string }[],
  body: string,
  parts: { contentId: string; bytes: Buffer; headers?: Record<string, string> }[],
  addresseeCipherCert?: string,
): OutgoingRequest {
  const challenge = randomBytes(10).toString("base64");
  const signatureId = `originator_signature_${fp(o.signer.pem)}`;
  const certs =
    `<osci:NonIntermediaryCertificates Id="nonintermediarycertificates" soap:actor="${ACTOR_NONE}" soap:mustUnderstand="1">` +
    certEl("CipherCertificateOriginator", `originator_cipher_${fp(o.cipher.pem)}`, o.cipher.pem) +
    (addresseeCipherCert
      ? certEl("CipherCertificateAddressee", `addressee_cipher_${fp(addresseeCipherCert)}`, addresseeCipherCert) +
        certEl("CipherCertificateOtherReader", `reader0_cipher_${fp(addresseeCipherCert)}`, addresseeCipherCert)
      : "") +
    certEl("SignatureCertificateOriginator", signatureId, o.signer.pem) +
    `</osci:NonIntermediaryCertificates>`;
  const control = `<osci:ControlBlock Id="controlblock" SequenceNumber="0" ${block}><osci:Challenge>${challenge}</osci:Challenge></osci:ControlBlock>`;
  const signature = `<osci:ClientSignature Id="clientsignature" ${block}>${SIG_SLOT}</osci:ClientSignature>`;
  const languages = `<osci:DesiredLanguages Id="desiredlanguages" LanguagesList="de" ${block}></osci:DesiredLanguages>`;
  const header = control + signature + languages + headerBlocks.map((b) => b.xml).join("") + certs;
  const envelope = `<?xml version="1.0" encoding="UTF-8"?>\n\n${envelopeStart(xsd)}<soap:Header>${header}</soap:Header><soap:Body Id="body">${body}</soap:Body></soap:Envelope>`;
  const ids = ["controlblock", "desiredlanguages", ...headerBlocks.map((b) => b.id), "nonintermediarycertificates", "body"];
  const signed = signDocument(
    envelope,
    { ids, retrieval: signatureId, cids: parts.map((p) => ({ cid: p.contentId, bytes: p.bytes })) },
    o.signer.key,
    o.signer.pem,
  );
  const plain = buildMime([
    { contentId: ROOT_CID, contentType: "text/xml; charset=UTF-8", body: signed },
    ...parts.map((p) => ({ contentId: p.contentId, contentType: "application/octet-stream", body: p.bytes, headers: p.headers ?? {} })),
  ]);
  const body2 = encryptMessage(plain, intermediaryCipherCert);
  return { body: body2, contentType: mimeType(body2), challenge };
}

/** The Content-Type of a MIME body from buildMime, for the HTTP header. */
function mimeType(body: Buffer): string {
  const boundary = /boundary=([^;\r\n]+)/.exec(body.subarray(0, 300).toString("latin1"))?.[1];
  return `Multipart/Related; boundary=${boundary}; type=text/xml`;
}

export function getMessageIdRequest(o: Originator, intermediaryCipherCert: string): OutgoingRequest {
  return signedRequest(o, intermediaryCipherCert, "soapGetMessageId.xsd", [], "<osci:getMessageId></osci:getMessageId>", []);
}

export interface StoreDeliveryContent {
  messageId: string;
  subject: string;
  /** The Base64Content of the container (the status event as JSON). */
  data: Buffer;
  /** The Bescheid: an attachment part, encrypted with a key that travels inside the encrypted container. */
  attachment?: { name: string; contentType: string; bytes: Buffer };
}

/**
 * StoreDelivery to the addressee: the content container is signed by ozg-hub as Author (the
 * Base64Content, the attachment's Content and the attachment as written) and then encrypted
 * for the addressee's cipher certificate; the attachment part carries AES-256-GCM ciphertext
 * whose key is in the container's ds:MgmtData, as the library does it.
 */
export function storeDeliveryRequest(o: Originator, intermediaryCipherCert: string, addresseeCipherCert: string, c: StoreDeliveryContent): OutgoingRequest {
  const cid = `bescheid-${randomBytes(6).toString("hex")}`;
  const signatureId = `originator_signature_${fp(o.signer.pem)}`;
  const att = c.attachment;
  const attKey = randomBytes(32);
  const attCipher = att ? aesGcmEncrypt(attKey, att.bytes) : undefined;
  const container =
    `<osci:ContentContainer ${ROOT_NS} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" Id="contentcontainer0">${SIG_SLOT}` +
    `<osci:Content><osci:Base64Content Id="content0">${c.data.toString("base64")}</osci:Base64Content></osci:Content>` +
    (att
      ? `<osci:Content Id="content1" href="cid:${cid}"></osci:Content>` +
        `<xenc:EncryptedData Id="Attachment${cid}" MimeType="${esc(att.contentType)}"><xenc:EncryptionMethod Algorithm="${ALG.aes256gcm}"><osci128:IvLength xmlns:osci128="${NS.osci128}" Value="12"></osci128:IvLength></xenc:EncryptionMethod>` +
        `<ds:KeyInfo><ds:MgmtData>${attKey.toString("base64")}</ds:MgmtData></ds:KeyInfo>` +
        `<xenc:CipherData><xenc:CipherReference URI="cid:${cid}"><xenc:Transforms><ds:Transform Algorithm="${ALG.base64}"></ds:Transform></xenc:Transforms></xenc:CipherReference></xenc:CipherData></xenc:EncryptedData>`
      : "") +
    `</osci:ContentContainer>`;
  const signedContainer = signDocument(
    container,
    { ids: att ? ["content1"] : [], base64Ids: ["content0"], retrieval: signatureId, cids: att ? [{ cid, bytes: att.bytes }] : [] },
    o.signer.key,
    o.signer.pem,
  );
  // The Reader's key is named by a RetrievalMethod to its certificate in the header, as the library requires.
  const encrypted = encryptData(Buffer.from(signedContainer, "utf8"), [addresseeCipherCert], {
    mimeType: "text/xml",
    id: "encdata_0",
    keyInfo: (pem) => `<ds:RetrievalMethod Type="http://www.w3.org/2000/09/xmldsig#X509Data" URI="#reader0_cipher_${fp(pem)}"></ds:RetrievalMethod>`,
  });
  const quality = (service: "creation" | "reception") =>
    `<osci:QualityOfTimestamp Id="qualityoftimestamp_${service}" Quality="plain" Service="${service}" ${block}></osci:QualityOfTimestamp>`;
  const order = `<osci:storeDelivery Id="storedelivery" ${block}><osci:MessageId>${esc(c.messageId)}</osci:MessageId><osci:Subject>${esc(c.subject)}</osci:Subject></osci:storeDelivery>`;
  return signedRequest(
    o,
    intermediaryCipherCert,
    "soapStoreDelivery.xsd",
    [
      { xml: quality("creation"), id: "qualityoftimestamp_creation" },
      { xml: quality("reception"), id: "qualityoftimestamp_reception" },
      { xml: order, id: "storedelivery" },
    ],
    `<osci:ContentPackage>${encrypted.xml}</osci:ContentPackage>`,
    att && attCipher
      ? [
          {
            contentId: cid,
            bytes: attCipher,
            headers: { "Content-Transfer-Encoding": "8-bit", "Content-Length": String(attCipher.byteLength), "Content-Description": headerSafe(att.name) },
          },
        ]
      : [],
    addresseeCipherCert,
  );
}

/**
 * A file name as a MIME header value: printable ASCII only (no line breaks that could start a
 * header of their own); the exact name travels in the status event's document description.
 */
export function headerSafe(name: string): string {
  return name.replace(/[^\x20-\x7e]/g, "_").slice(0, 200);
}

/** An Intermediär's answer as ozg-hub reads it. */
export type Answer = { ok: true; code: string; text: string; messageId?: string } | { ok: false; code: string; detail: string };

/**
 * Reads an answer: SOAP fault, or the (transport-decrypted) response with its ControlBlock
 * Response, SupplierSignature (checked against `pinned` when given) and feedback. `ok` means a
 * 0xxx code.
 */
export function readAnswer(body: Buffer, contentType: string | undefined, challenge: string, cipher: KeyPair, pinned: X509Certificate[]): Answer {
  const fail = (detail: string, code = "local"): Answer => ({ ok: false, code, detail });
  let mime = parseMime(body, contentType);
  if (!mime.ok) return fail(`the answer is not MIME: ${mime.detail}`);
  let parts = new Map<string, MimePart>(mime.parts.map((p) => [p.contentId, p]));
  let root = parts.get(ROOT_CID);
  let xml = root ? parseXmlPart(root.body) : undefined;
  if (!xml?.ok) return fail(`the answer has no readable root part${xml && !xml.ok ? `: ${xml.detail}` : ""}`);
  let soapBody = child(xml.doc.documentElement!, NS.soap, "Body");
  const fault = child(soapBody, NS.soap, "Fault");
  if (fault) {
    const code = text(path(fault, ["", "detail"], [NS.osci, "Code"])) ?? "9000";
    return fail(`SOAP fault: ${text(child(fault, "", "faultstring")) ?? ""}`, code);
  }
  const encrypted = child(soapBody, NS.xenc, "EncryptedData");
  if (encrypted) {
    const d = decryptData(encrypted, [cipher], (cid) => parts.get(cid)?.body);
    if (!d.ok) return fail(`the answer cannot be decrypted: ${d.detail}`);
    mime = parseMime(d.plaintext);
    if (!mime.ok) return fail(`the decrypted answer is not MIME: ${mime.detail}`);
    parts = new Map(mime.parts.map((p) => [p.contentId, p]));
    root = parts.get(ROOT_CID);
    xml = root ? parseXmlPart(root.body) : undefined;
    if (!xml?.ok) return fail("the decrypted answer has no readable root part");
    soapBody = child(xml.doc.documentElement!, NS.soap, "Body");
  }
  const header = child(xml.doc.documentElement!, NS.soap, "Header");
  const response = text(path(header, [NS.osci, "ControlBlock"], [NS.osci, "Response"]));
  if (response !== challenge) return fail("the answer's ControlBlock does not answer our Challenge");
  if (pinned.length > 0) {
    const v = verifySignature(xml.text, child(child(header, NS.osci, "SupplierSignature"), NS.ds, "Signature"), pinned, (cid) => parts.get(cid)?.body);
    if (!v.ok) return fail(`the Intermediär's signature: ${v.detail}`);
  }
  const order = [...children(header), ...children(soapBody)].find((e) => e.namespaceURI === NS.osci && (e.localName ?? "").startsWith("responseTo"));
  if (!order) return fail("the answer carries no response order");
  const entry = path(order, [NS.osci, "Feedback"], [NS.osci, "Entry"]);
  const code = text(child(entry, NS.osci, "Code")) ?? "";
  const info = text(child(entry, NS.osci, "Text")) ?? "";
  const messageId = text(child(order, NS.osci, "MessageId"));
  return /^0\d\d\d$/.test(code)
    ? { ok: true, code, text: info, ...(messageId ? { messageId } : {}) }
    : fail(`${code} ${info}`.trim(), code || FEEDBACK.internal.code);
}
