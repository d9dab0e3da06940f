import type { Document, Element } from "@xmldom/xmldom";
import { hasDoctype } from "../../gateway/index.ts";
import { FEEDBACK, type Feedback } from "./feedback.ts";
import { parseMime, type MimePart } from "./mime.ts";
import { ENC_CID, NS, ROOT_CID } from "./ns.ts";
import { child, children, parseXmlPart } from "./xml.ts";
import { decryptData, type KeyPair } from "./xmlenc.ts";

export const OPERATIONS = ["storeDelivery", "acceptDelivery", "processDelivery", "initDialog", "exitDialog", "getMessageId", "fetchProcessCard"] as const;
export type Operation = (typeof OPERATIONS)[number];

/** One OSCI request, transport layer removed, as far as it can be read before checking signatures. */
export interface OsciMessage {
  operation: Operation;
  /** The request came transport-encrypted: the answer goes back encrypted. */
  encrypted: boolean;
  doc: Document;
  /** The root part's text exactly as received (or decrypted): signatures are checked on it. */
  text: string;
  parts: Map<string, MimePart>;
  header: Element;
  body: Element;
  controlBlock: Element | undefined;
  /** The element named after the operation (a header block or, for dialog orders, a body block). */
  order: Element;
  signature: Element | undefined;
}

export type Opened = { ok: true; message: OsciMessage } | { ok: false; feedback: Feedback };

const refuse = (f: Feedback, detail: string): Opened => ({ ok: false, feedback: { ...f, detail } });

/**
 * Reads an OSCI message from the HTTP body: MIME parts, DTD check on every part before any
 * parsing, the transport layer decrypted with ozg-hub's key, and the order it carries.
 */
export function openMessage(body: Buffer, contentType: string | undefined, transportKeys: KeyPair[], depth = 0): Opened {
  const mime = parseMime(body, contentType);
  if (!mime.ok) return refuse(FEEDBACK.structure, mime.detail);
  const parts = new Map<string, MimePart>();
  for (const p of mime.parts) {
    if (parts.has(p.contentId)) return refuse(FEEDBACK.structure, `Content-ID <${p.contentId}> occurs twice`);
    // Every part that is not ciphertext might be XML for someone downstream: no DTDs anywhere.
    if (p.contentId !== ENC_CID && hasDoctype(p.body.toString("latin1")))
      return refuse(FEEDBACK.structure, `part <${p.contentId}> contains a DOCTYPE or ENTITY declaration`);
    parts.set(p.contentId, p);
  }
  const root = parts.get(ROOT_CID);
  if (!root) return refuse(FEEDBACK.structure, `no root part <${ROOT_CID}>`);
  const xml = parseXmlPart(root.body);
  if (!xml.ok) return refuse(FEEDBACK.structure, xml.detail);
  const env = xml.doc.documentElement!;
  if (env.namespaceURI !== NS.soap || env.localName !== "Envelope") return refuse(FEEDBACK.structure, "root element is not a SOAP 1.1 Envelope");
  const header = child(env, NS.soap, "Header");
  const soapBody = child(env, NS.soap, "Body");
  if (!soapBody) return refuse(FEEDBACK.structure, "SOAP Body missing");
  const encrypted = child(soapBody, NS.xenc, "EncryptedData");
  if (encrypted && !header) {
    if (depth > 0) return refuse(FEEDBACK.structure, "transport encryption inside transport encryption");
    const d = decryptData(encrypted, transportKeys, (cid) => parts.get(cid)?.body);
    if (!d.ok)
      return refuse(d.reason === "no_key" ? FEEDBACK.noTransportKey : d.reason === "missing_part" ? FEEDBACK.structure : FEEDBACK.cannotDecrypt, d.detail);
    const inner = openMessage(d.plaintext, undefined, transportKeys, depth + 1);
    return inner.ok ? { ok: true, message: { ...inner.message, encrypted: true } } : inner;
  }
  if (!header) return refuse(FEEDBACK.structure, "SOAP Header missing");
  const found = OPERATIONS.flatMap((op) => [...children(header, NS.osci, op), ...children(soapBody, NS.osci, op)].map((el) => ({ op, el })));
  if (found.length !== 1)
    return refuse(
      FEEDBACK.structure,
      found.length
        ? "more than one order in the message"
        : "no OSCI order ozg-hub serves (storeDelivery, acceptDelivery, processDelivery, initDialog, exitDialog, getMessageId, fetchProcessCard)",
    );
  const controlBlocks = children(header, NS.osci, "ControlBlock");
  if (controlBlocks.length > 1) return refuse(FEEDBACK.controlBlock, "more than one ControlBlock");
  const sigBlocks = children(header, NS.osci, "ClientSignature");
  if (sigBlocks.length > 1) return refuse(FEEDBACK.structure, "more than one ClientSignature");
  return {
    ok: true,
    message: {
      operation: found[0]!.op,
      encrypted: false,
      doc: xml.doc,
      text: xml.text,
      parts,
      header,
      body: soapBody,
      controlBlock: controlBlocks[0],
      order: found[0]!.el,
      signature: child(sigBlocks[0], NS.ds, "Signature"),
    },
  };
}
