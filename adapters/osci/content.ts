import { createHash, X509Certificate } from "node:crypto";
import type { Element } from "@xmldom/xmldom";
import type { InboundAttachment, TenantConfig, TransportRecipient } from "../../gateway/index.ts";
import { FEEDBACK, type Feedback } from "./feedback.ts";
import type { OsciSettings } from "./settings.ts";
import type { MimePart } from "./mime.ts";
import { NS } from "./ns.ts";
import { canonical } from "./signature.ts";
import { nextTurn, verifySignatureOffThread } from "./signature-pool.ts";
import { child, children, parseXmlPart, path, text } from "./xml.ts";
import { decryptData } from "./xmlenc.ts";

export interface Contents {
  document: { bytes: Buffer; contentType: string } | undefined;
  attachments: InboundAttachment[];
  tenant: TenantConfig | undefined;
  /** Author signatures verified on content containers; `pinned` false: any signer, judged apart (author-trust.ts). */
  authors: { signer: X509Certificate; pinned: boolean }[];
  /** Content containers without an Author signature. */
  unsigned: number;
}

export type ContentRead = { ok: true; contents: Contents } | { ok: false; feedback: Feedback };

const fail = (f: Feedback, detail: string): ContentRead => ({ ok: false, feedback: { ...f, detail } });

/**
 * The ContentPackage of a delivery: content containers in the clear or encrypted for a tenant's
 * Reader key, each optionally signed by its Author (verified against the portals' pinned
 * certificates). The first XML content is the document; `href="cid:..."` contents are
 * attachments. Only parts the transport signature covered (`signedCids`) are taken.
 */
export async function readContents(
  pkg: Element | undefined,
  settings: OsciSettings,
  parts: Map<string, MimePart>,
  signedCids: Set<string>,
  messageText: string,
): Promise<ContentRead> {
  if (!pkg) return fail(FEEDBACK.invalidRequest, "ContentPackage missing");
  const authorsPinned = settings.portals.flatMap((p) => p.certs);
  const out: Contents = { document: undefined, attachments: [], tenant: undefined, authors: [], unsigned: 0 };
  const containers: { el: Element; text: string }[] = [];
  const readers = settings.readers.flatMap((r) => r.keys.map((k) => ({ ...k, tenant: r.tenant })));
  // Attachments encrypted for the Reader: EncryptedData whose CipherReference names the part.
  const plainParts = new Map<string, Buffer>();
  const plainTypes = new Map<string, string>();
  const signedPart = (cid: string) => (signedCids.has(cid) ? parts.get(cid)?.body : undefined);
  for (const el of children(pkg, NS.xenc, "EncryptedData")) {
    const ref = path(el, [NS.xenc, "CipherData"], [NS.xenc, "CipherReference"])?.getAttribute("URI");
    if (!ref) continue;
    const d = decryptData(el, readers, signedPart);
    if (!d.ok) return fail(FEEDBACK.cannotDecrypt, `attachment ${ref}: ${d.detail}`);
    plainParts.set(ref.replace(/^cid:/, ""), d.plaintext);
    if (el.getAttribute("MimeType")) plainTypes.set(ref.replace(/^cid:/, ""), el.getAttribute("MimeType")!);
    await nextTurn();
  }
  const partBytes = (cid: string) => plainParts.get(cid) ?? parts.get(cid)?.body;
  for (const el of children(pkg)) {
    if (el.namespaceURI === NS.xenc && el.localName === "EncryptedData") {
      if (path(el, [NS.xenc, "CipherData"], [NS.xenc, "CipherReference"])) continue;
      const d = decryptData(el, readers, signedPart);
      if (!d.ok) return fail(FEEDBACK.cannotDecrypt, `content container: ${d.detail}`);
      await nextTurn();
      // The Reader key that opened it names the tenant.
      out.tenant ??= d.by?.tenant;
      const xml = parseXmlPart(d.plaintext);
      if (!xml.ok) return fail(FEEDBACK.invalidRequest, `decrypted content container: ${xml.detail}`);
      const root = xml.doc.documentElement!;
      if (root.namespaceURI !== NS.osci || root.localName !== "ContentContainer")
        return fail(FEEDBACK.invalidRequest, "encrypted data is not a ContentContainer");
      containers.push({ el: root, text: xml.text });
    } else if (el.namespaceURI === NS.osci && el.localName === "ContentContainer") {
      containers.push({ el, text: "" });
    }
  }
  for (const { el, text: own } of containers) {
    await nextTurn();
    // Attachments encrypted inside the container (the library's default): the AES key is in
    // ds:MgmtData, readable only because the container itself was encrypted for a Reader key.
    // What cannot be decrypted is refused; ciphertext is never taken for an attachment.
    for (const ed of children(el, NS.xenc, "EncryptedData")) {
      const ref = path(ed, [NS.xenc, "CipherData"], [NS.xenc, "CipherReference"])?.getAttribute("URI");
      if (!ref?.startsWith("cid:")) return fail(FEEDBACK.invalidRequest, "an EncryptedData in a content container must reference an attachment part (cid:)");
      const d = decryptData(ed, readers, signedPart, { mgmtData: own !== "" });
      if (!d.ok) return fail(d.reason === "missing_part" ? FEEDBACK.invalidRequest : FEEDBACK.cannotDecrypt, `attachment ${ref}: ${d.detail}`);
      plainParts.set(ref.slice(4), d.plaintext);
      await nextTurn(); // other requests (health probes) get their turn between attachments
    }
    const sig = child(el, NS.ds, "Signature");
    let signedIds: Set<string> | undefined;
    if (sig) {
      // A container in the clear is checked in the message's text, a decrypted one in its own.
      // Authors sign attachments as they wrote them, before encryption.
      const v = await verifySignatureOffThread(
        own || messageText,
        sig,
        authorsPinned,
        partBytes,
        el.ownerDocument === pkg.ownerDocument ? undefined : (pkg.ownerDocument ?? undefined),
        true,
      );
      if (!v.ok) return fail(v.code === "unknown_signer" ? FEEDBACK.signerUnknown : FEEDBACK.signatureInvalid, `Author signature: ${v.detail}`);
      out.authors.push({ signer: v.signer, pinned: v.pinned });
      signedIds = v.ids;
    } else out.unsigned++;
    for (const content of children(el, NS.osci, "Content")) {
      const id = content.getAttribute("Id") ?? "";
      // The library signs the Base64Content (by its own Id) rather than the Content around it.
      const b64Id = child(content, NS.osci, "Base64Content")?.getAttribute("Id") ?? "";
      if (signedIds && !signedIds.has(id) && !signedIds.has(b64Id))
        return fail(FEEDBACK.notAllSigned, `Content ${id || "(without Id)"} is not covered by the Author signature`);
      const href = content.getAttribute("href");
      if (href) {
        const cid = href.replace(/^cid:/, "");
        const part = parts.get(cid);
        if (!part) return fail(FEEDBACK.invalidRequest, `attachment part <${cid}> is missing`);
        if (!signedCids.has(cid)) return fail(FEEDBACK.notAllSigned, `attachment part <${cid}> is not signed`);
        out.attachments.push({
          name: part.headers["content-description"] ?? cid,
          contentType: plainTypes.get(cid) ?? part.contentType,
          content: partBytes(cid)!,
        });
        continue;
      }
      const b64 = child(content, NS.osci, "Base64Content");
      if (b64) {
        const bytes = Buffer.from(text(b64) ?? "", "base64");
        const type = documentType(bytes);
        if (!out.document && type) out.document = { bytes, contentType: type };
        else out.attachments.push({ name: b64.getAttribute("Id") ?? "content", contentType: "application/octet-stream", content: bytes });
        continue;
      }
      const inline = children(content)[0];
      if (inline && !out.document) out.document = { bytes: Buffer.from(canonical(inline), "utf8"), contentType: "application/xml" };
    }
  }
  return { ok: true, contents: out };
}

/** The first XML or JSON content is the delivery's document (portal formats come as either). */
function documentType(b: Buffer): string | undefined {
  const head = b
    .subarray(0, 64)
    .toString("latin1")
    .replace(/^\uFEFF|^\xEF\xBB\xBF/, "");
  if (/^\s*(<\?xml|<[A-Za-z])/.test(head)) return "application/xml";
  if (/^\s*[{[]/.test(head)) return "application/json";
  return undefined;
}

/** The tenant a certificate (CipherCertificateAddressee) belongs to, by the Reader keys in config. */
export function tenantOfCertificate(settings: OsciSettings, certB64: string | undefined): TenantConfig | undefined {
  if (!certB64) return undefined;
  const clean = certB64.replace(/\s+/g, "");
  return settings.readers.find((r) => r.keys.some((k) => k.cert.raw.toString("base64") === clean))?.tenant;
}

export function recipientOf(t: TenantConfig | undefined, xtaReader: string | undefined): TransportRecipient | undefined {
  if (xtaReader) return { xtaReader, ...(t?.ags ? { ags: t.ags } : {}) };
  if (!t) return undefined;
  return { ...(t.ags ? { ags: t.ags } : {}), ...(t.xtaReaders[0] ? { xtaReader: t.xtaReaders[0] } : {}) };
}

export const fingerprint = (c: X509Certificate) => createHash("sha256").update(c.raw).digest("hex");
