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
import { decryptData, type KeyPair } from "./xmlenc.ts";

export interface Contents {
  document: { bytes: Buffer; contentType: string } | undefined;
  attachments: InboundAttachment[];
  tenant: TenantConfig | undefined;
  /** Author signatures verified on content containers; `pinned` false: any signer, judged apart (author-trust.ts). */
  authors: { signer: X509Certificate; pinned: boolean }[];
  /** Content containers without an Author signature of their own or of a container around them. */
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
    await nextTurn(); // other requests (health probes) get their turn between attachments
    if (el.getAttribute("MimeType")) plainTypes.set(ref.replace(/^cid:/, ""), el.getAttribute("MimeType")!);
  }
  for (const el of children(pkg)) {
    if (el.namespaceURI === NS.xenc && el.localName === "EncryptedData") {
      if (path(el, [NS.xenc, "CipherData"], [NS.xenc, "CipherReference"])) continue;
      const d = decryptData(el, readers, signedPart);
      if (!d.ok) return fail(FEEDBACK.cannotDecrypt, `content container: ${d.detail}`);
      await nextTurn();
      // The Reader key that opened it names the tenant; one delivery goes to one tenant only.
      const tenant = d.by?.tenant;
      if (out.tenant && tenant && tenant.id !== out.tenant.id)
        return fail(FEEDBACK.invalidRequest, `content containers for more than one tenant (${out.tenant.id}, ${tenant.id}): send one delivery per tenant`);
      out.tenant ??= tenant;
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
  const read: ContainerReading = { settings, parts, signedCids, messageText, pkg, readers, plainParts, plainTypes, out };
  for (const { el, text: own } of containers) {
    await nextTurn();
    const failed = await readContainer(read, el, own, false, 0);
    if (failed) return failed;
  }
  return { ok: true, contents: out };
}

/** What reading one content container needs and fills (`out`, `plainParts`). */
interface ContainerReading {
  settings: OsciSettings;
  parts: Map<string, MimePart>;
  signedCids: Set<string>;
  messageText: string;
  pkg: Element;
  readers: (KeyPair & { tenant: TenantConfig })[];
  plainParts: Map<string, Buffer>;
  plainTypes: Map<string, string>;
  out: Contents;
}

/** Deeper nesting than any portal needs is refused rather than read by unbounded recursion. */
const MAX_NESTING = 8;

/**
 * One content container and, recursively, the containers nested in its contents (the library's
 * `new Content(containerObject)`): every document and attachment at any depth is taken, never
 * dropped. `covered`: an enclosing container's Author signature already covers this one whole.
 * Returns a refusal, or undefined when everything was read.
 */
async function readContainer(r: ContainerReading, el: Element, own: string, covered: boolean, depth: number): Promise<ContentRead | undefined> {
  if (depth > MAX_NESTING) return fail(FEEDBACK.invalidRequest, `content containers nested deeper than ${MAX_NESTING} levels`);
  const { out, parts, signedCids, plainParts } = r;
  // Attachments encrypted inside the container (the library's default): the AES key is in
  // ds:MgmtData, readable only because the container itself was encrypted for a Reader key.
  // What cannot be decrypted is refused; ciphertext is never taken for an attachment.
  const signedPart = (cid: string) => (signedCids.has(cid) ? parts.get(cid)?.body : undefined);
  for (const ed of children(el, NS.xenc, "EncryptedData")) {
    const ref = path(ed, [NS.xenc, "CipherData"], [NS.xenc, "CipherReference"])?.getAttribute("URI");
    if (!ref?.startsWith("cid:")) return fail(FEEDBACK.invalidRequest, "an EncryptedData in a content container must reference an attachment part (cid:)");
    const d = decryptData(ed, r.readers, signedPart, { mgmtData: own !== "" });
    if (!d.ok) return fail(d.reason === "missing_part" ? FEEDBACK.invalidRequest : FEEDBACK.cannotDecrypt, `attachment ${ref}: ${d.detail}`);
    plainParts.set(ref.slice(4), d.plaintext);
    await nextTurn(); // other requests (health probes) get their turn between attachments
  }
  const partBytes = (cid: string) => plainParts.get(cid) ?? parts.get(cid)?.body;
  const sig = child(el, NS.ds, "Signature");
  let signedIds: Set<string> | undefined;
  if (sig && children(child(sig, NS.ds, "SignedInfo"), NS.ds, "Reference").length === 0) {
    // The library signs an empty container with a SignedInfo of no Reference: it vouches for
    // nothing, so whatever content the container might hold counts as unsigned (refused below).
    signedIds = new Set();
  } else if (sig) {
    // A container in the clear is checked in the message's text, a decrypted one in its own.
    // Authors sign attachments as they wrote them, before encryption.
    const authorsPinned = r.settings.portals.flatMap((p) => p.certs);
    const v = await verifySignatureOffThread(
      own || r.messageText,
      sig,
      authorsPinned,
      partBytes,
      el.ownerDocument === r.pkg.ownerDocument ? undefined : (r.pkg.ownerDocument ?? undefined),
      true,
    );
    if (!v.ok) return fail(v.code === "unknown_signer" ? FEEDBACK.signerUnknown : FEEDBACK.signatureInvalid, `Author signature: ${v.detail}`);
    out.authors.push({ signer: v.signer, pinned: v.pinned });
    signedIds = v.ids;
  } else if (!covered) out.unsigned++;
  for (const content of children(el, NS.osci, "Content")) {
    const id = content.getAttribute("Id") ?? "";
    // The library signs the Base64Content (by its own Id) rather than the Content around it.
    const b64 = child(content, NS.osci, "Base64Content");
    const b64Id = b64?.getAttribute("Id") ?? "";
    const signed = covered || (signedIds !== undefined && (signedIds.has(id) || signedIds.has(b64Id)));
    if (signedIds && !signed) return fail(FEEDBACK.notAllSigned, `Content ${id || "(without Id)"} is not covered by the Author signature`);
    const href = content.getAttribute("href");
    if (href) {
      const cid = href.replace(/^cid:/, "");
      const part = parts.get(cid);
      if (!part) return fail(FEEDBACK.invalidRequest, `attachment part <${cid}> is missing`);
      if (!signedCids.has(cid)) return fail(FEEDBACK.notAllSigned, `attachment part <${cid}> is not signed`);
      out.attachments.push({
        name: part.headers["content-description"] ?? cid,
        contentType: r.plainTypes.get(cid) ?? part.contentType,
        content: partBytes(cid)!,
      });
      continue;
    }
    if (b64) {
      const bytes = Buffer.from(text(b64) ?? "", "base64");
      const type = documentType(bytes);
      if (!out.document && type) out.document = { bytes, contentType: type };
      else out.attachments.push({ name: b64Id || "content", contentType: type ?? "application/octet-stream", content: bytes });
      continue;
    }
    const inline = children(content)[0];
    if (!inline) continue;
    if (inline.namespaceURI === NS.osci && inline.localName === "ContentContainer") {
      const failed = await readContainer(r, inline, own, signed, depth + 1);
      if (failed) return failed;
      continue;
    }
    const bytes = Buffer.from(canonical(inline), "utf8");
    if (!out.document) out.document = { bytes, contentType: "application/xml" };
    else out.attachments.push({ name: id || "content", contentType: "application/xml", content: bytes });
  }
  return undefined;
}

/**
 * The first XML or JSON content is the delivery's document (portal formats come as either). XML
 * is recognised after its prolog, whatever it holds: a byte order mark, whitespace, the
 * declaration (or none), processing instructions and comments, then any root element.
 */
export function documentType(b: Buffer): string | undefined {
  const head = b
    .subarray(0, 64 * 1024)
    .toString("latin1")
    .replace(/^\xEF\xBB\xBF/, "");
  if (/^\s*[{[]/.test(head)) return "application/json";
  // The pattern always matches (possibly empty) at the start, so it never backtracks far.
  const afterProlog = head.replace(/^(?:\s+|<\?[\s\S]*?\?>|<!--[\s\S]*?-->)*/, "");
  if (/^<[^\s<>!?/=]/.test(afterProlog)) return "application/xml";
  return undefined;
}

/** The tenant a certificate (CipherCertificateAddressee) belongs to, by the Reader keys in config. */
export function tenantOfCertificate(settings: OsciSettings, certB64: string | undefined): TenantConfig | undefined {
  if (!certB64) return undefined;
  const clean = certB64.replace(/\s+/g, "");
  return settings.readers.find((r) => r.keys.some((k) => k.cert.raw.toString("base64") === clean))?.tenant;
}

/**
 * The transport recipient of a delivery: the tenant whose Reader key opened the content (or
 * whose certificate the signed addressee names) decides; an XTA Reader from MessageMetaData
 * addresses it when no key does.
 */
export function recipientOf(t: TenantConfig | undefined, xtaReader: string | undefined): TransportRecipient | undefined {
  const tenant = t ? { tenant: t.id } : {};
  if (xtaReader) return { ...tenant, xtaReader, ...(t?.ags ? { ags: t.ags } : {}) };
  if (!t) return undefined;
  return { ...tenant, ...(t.ags ? { ags: t.ags } : {}), ...(t.xtaReaders[0] ? { xtaReader: t.xtaReaders[0] } : {}) };
}

export const fingerprint = (c: X509Certificate) => createHash("sha256").update(c.raw).digest("hex");
