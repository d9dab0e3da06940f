/**
 * XML signatures of OSCI 1.2: inclusive c14n, rsa-sha256, sha256 (or sha384/sha512) digests, references to
 * header blocks and the body by `#Id` and to MIME parts by `cid:`. xml-crypto checks the
 * XML references and the SignatureValue; `cid:` references are digested here over the part's
 * bytes as received. The key is always a pinned certificate from config, never the KeyInfo.
 */
import { createHash, sign as rsaSign, timingSafeEqual, type KeyObject, X509Certificate } from "node:crypto";
import type { Document, Element } from "@xmldom/xmldom";
import { C14nCanonicalization, SignedXml } from "xml-crypto";
import { findAncestorNsForElement } from "xml-crypto/lib/utils.js";
import { messageOf } from "../../gateway/index.ts";
import { ALG, NS } from "./ns.ts";
import { children, elementsById, parseXmlPart, pemBase64 } from "./xml.ts";

export type Verification =
  /** `pinned`: the signer is a pinned certificate (false only where any signer was allowed). */
  | { ok: true; signer: X509Certificate; pinned: boolean; ids: Set<string>; cids: Set<string> }
  | { ok: false; code: "unsigned" | "invalid" | "unknown_signer" | "wrapped"; detail: string };

type PartLookup = (cid: string) => Buffer | undefined;

/** The Id index of a document, built once per document however many references point into it. */
const idIndexes = new WeakMap<Document, Map<string, Element[]>>();
function idIndex(doc: Document): Map<string, Element[]> {
  let index = idIndexes.get(doc);
  if (!index) idIndexes.set(doc, (index = elementsById(doc)));
  return index;
}

/**
 * The reference digests a signature may use (xmldsig-more / xmlenc URIs). The library signs with
 * SHA-256 by default and with SHA-512 when told to; both are checked as xml-crypto's own lookup
 * did, so a sound signature is never refused for its digest.
 */
const DIGESTS: Record<string, string> = {
  [ALG.sha256]: "sha256",
  "http://www.w3.org/2001/04/xmldsig-more#sha384": "sha384",
  "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
};

const digestMatches = (bytes: Buffer | string, ref: { digestAlgorithm?: string; digestValue?: unknown }) => {
  const algorithm = DIGESTS[ref.digestAlgorithm ?? ""];
  if (!algorithm) return false;
  const got = createHash(algorithm).update(bytes).digest();
  const want = Buffer.from(String(ref.digestValue), "base64");
  return got.length === want.length && timingSafeEqual(got, want);
};

/**
 * xml-crypto with its reference lookup replaced: `cid:` references resolved against the MIME
 * parts (its own code resolves only XML), `#Id` references through one Id index per document.
 * xml-crypto's own lookup runs an XPath over the whole document per reference (and another for
 * the ancestors' namespaces): quadratic in the number of attachments, seconds for a hundred.
 */
function osciSignedXml(parts: PartLookup, cert: string): SignedXml {
  const sx = new SignedXml({ publicCert: cert, getCertFromKeyInfo: () => null });
  (sx as any).validateReference = (ref: any, doc: Document) => {
    const uri = typeof ref.uri === "string" ? ref.uri : "";
    if (uri.startsWith("cid:")) {
      const bytes = parts(uri.slice(4));
      return bytes && digestMatches(bytes, ref) ? uri : undefined;
    }
    // OSCI signs elements by Id only; a whole-document or XPointer reference is not followed.
    if (!uri.startsWith("#")) return undefined;
    const els = idIndex(doc).get(uri.slice(1));
    if (!els?.length) return undefined;
    if (els.length > 1) throw new Error(`multiple elements with the same value for the Id attribute ${uri.slice(1)} (signature wrapping)`);
    const el = els[0]!;
    // The library signs Base64Content with the xmldsig base64 transform alone: the digest is
    // over the decoded bytes, i.e. over the content exactly as the Author wrote it.
    if (Array.isArray(ref.transforms) && ref.transforms.length === 1 && ref.transforms[0] === ALG.base64) {
      return digestMatches(Buffer.from(el.textContent ?? "", "base64"), ref) ? uri : undefined;
    }
    const canon: string = (sx as any).canonicalize(
      ref.transforms,
      el,
      {
        inclusiveNamespacesPrefixList: ref.inclusiveNamespacesPrefixList,
        ancestorNamespaces: Array.isArray(ref.transforms) ? findAncestorNsForElement(el as any) : undefined,
      },
      { discardComments: true },
    );
    return digestMatches(canon, ref) ? canon : undefined;
  };
  return sx;
}

/** What the costly part of a check needs, in plain data: it may run on another thread. */
export interface SignatureTask {
  text: string;
  /** Position of the ds:Signature among the document's ds:Signature elements (document order). */
  sigIndex: number;
  /** PEM certificates to try, in order. */
  candidates: string[];
  /** The MIME parts the signature references by `cid:`, as received. */
  parts: [string, Uint8Array][];
}

export type TaskResult = { ok: true; candidate: number; uris: string[] } | { ok: false; code: "invalid" | "wrapped"; detail: string };

type Prepared = { ok: true; task: SignatureTask; certs: X509Certificate[]; pinned: boolean } | Extract<Verification, { ok: false }>;

/**
 * The cheap part of a check, on the caller's thread: algorithms, the certificate KeyInfo names
 * and which certificates to try. KeyInfo may name the signer; it never supplies the key, unless
 * `anySigner` (Author signatures, whose trust is judged apart): then a certificate not pinned is
 * tried too and the result says `pinned: false`.
 */
export function prepareCheck(sig: Element | undefined, pinned: X509Certificate[], parts: PartLookup, certsIn?: Document, anySigner = false): Prepared {
  if (!sig) return { ok: false, code: "unsigned", detail: "the message carries no signature" };
  const method = (name: string) => children(children(sig, NS.ds, "SignedInfo")[0], NS.ds, name)[0]?.getAttribute("Algorithm");
  if (method("SignatureMethod") !== ALG.rsaSha256 || method("CanonicalizationMethod") !== ALG.c14n) {
    return { ok: false, code: "invalid", detail: `signature algorithms must be ${ALG.rsaSha256} with ${ALG.c14n}` };
  }
  const doc = sig.ownerDocument!;
  const named = namedCertificate(sig, doc, certsIn);
  let certs = named ? pinned.filter((c) => c.raw.toString("base64") === named) : pinned;
  let isPinned = true;
  if (certs.length === 0 && named && anySigner) {
    try {
      certs = [new X509Certificate(Buffer.from(named, "base64"))];
      isPinned = false;
    } catch (err) {
      return { ok: false, code: "invalid", detail: `the signing certificate cannot be read: ${messageOf(err)}` };
    }
  }
  if (certs.length === 0) return { ok: false, code: "unknown_signer", detail: "the signing certificate is not one ozg-hub trusts for this sender" };
  const all = doc.getElementsByTagNameNS(NS.ds, "Signature");
  let sigIndex = -1;
  for (let i = 0; i < all.length && sigIndex < 0; i++) if (all.item(i) === sig) sigIndex = i;
  const refs = sig.getElementsByTagNameNS(NS.ds, "Reference");
  const cids = new Set<string>();
  for (let i = 0; i < refs.length; i++) {
    const uri = refs.item(i)!.getAttribute("URI") ?? "";
    if (uri.startsWith("cid:")) cids.add(uri.slice(4));
  }
  const bytes = [...cids].flatMap((cid): [string, Uint8Array][] => {
    const b = parts(cid);
    return b ? [[cid, b]] : [];
  });
  return { ok: true, certs, pinned: isPinned, task: { text: "", sigIndex, candidates: certs.map((c) => c.toString()), parts: bytes } };
}

/** The costly part: parses the text, refuses duplicate Ids, digests every reference, checks the value. */
export function runCheck(task: SignatureTask): TaskResult {
  const parsed = parseXmlPart(Buffer.from(task.text, "utf8"));
  if (!parsed.ok) return { ok: false, code: "invalid", detail: parsed.detail };
  for (const [id, els] of idIndex(parsed.doc)) {
    if (els.length > 1) return { ok: false, code: "wrapped", detail: `Id "${id}" occurs ${els.length} times` };
  }
  const sig = parsed.doc.getElementsByTagNameNS(NS.ds, "Signature").item(task.sigIndex);
  if (!sig) return { ok: false, code: "invalid", detail: "signature not found" };
  const parts = new Map(task.parts);
  const lookup = (cid: string) => {
    const b = parts.get(cid);
    return b ? Buffer.from(b.buffer, b.byteOffset, b.byteLength) : undefined;
  };
  let detail = "signature does not verify";
  for (const [candidate, pem] of task.candidates.entries()) {
    const sx = osciSignedXml(lookup, pem);
    sx.loadSignature(sig as unknown as Node);
    try {
      if (sx.checkSignature(task.text)) return { ok: true, candidate, uris: sx.getReferences().map((r) => r.uri ?? "") };
      detail = "a signed reference does not match its digest";
    } catch (err) {
      detail = messageOf(err).split("\n")[0]!;
      if (/multiple elements with the same value/.test(detail)) return { ok: false, code: "wrapped", detail };
    }
  }
  return { ok: false, code: "invalid", detail };
}

/** The verification a prepared check and its result make. */
export function verificationOf(prepared: Extract<Prepared, { ok: true }>, r: TaskResult): Verification {
  if (!r.ok) return r;
  return {
    ok: true,
    signer: prepared.certs[r.candidate]!,
    pinned: prepared.pinned,
    ids: new Set(r.uris.filter((u) => u.startsWith("#")).map((u) => u.slice(1))),
    cids: new Set(r.uris.filter((u) => u.startsWith("cid:")).map((u) => u.slice(4))),
  };
}

/**
 * Verifies the ds:Signature `sig` (inside `text`) against the pinned certificates, on this
 * thread (see signature-pool.ts for requests). On success the ids and cids it covers are
 * returned; callers read only elements whose Id is among them.
 */
export function verifySignature(text: string, sig: Element | undefined, pinned: X509Certificate[], parts: PartLookup, certsIn?: Document): Verification {
  const prepared = prepareCheck(sig, pinned, parts, certsIn);
  if (!prepared.ok) return prepared;
  return verificationOf(prepared, runCheck({ ...prepared.task, text }));
}

/**
 * The certificate KeyInfo names: inline (ds:X509Data) or, as the library writes it, by a
 * ds:RetrievalMethod to the Id of a certificate element in the message (`certsIn` when the
 * signature sits in a decrypted content container whose certificates are in the message header).
 */
function namedCertificate(sig: Element, doc: Document, certsIn?: Document): string | undefined {
  const keyInfo = children(sig, NS.ds, "KeyInfo")[0];
  const x509 = (el: Element | undefined) =>
    children(children(el, NS.ds, "X509Data")[0], NS.ds, "X509Certificate")[0]?.textContent?.replace(/\s+/g, "") || undefined;
  const inline = x509(keyInfo);
  if (inline) return inline;
  const uri = children(keyInfo, NS.ds, "RetrievalMethod")[0]?.getAttribute("URI");
  if (!uri?.startsWith("#")) return undefined;
  const found = elementsById(doc).get(uri.slice(1)) ?? (certsIn ? elementsById(certsIn).get(uri.slice(1)) : undefined);
  return found?.length === 1 ? x509(found[0]) : undefined;
}

const c14n = new C14nCanonicalization();

/** Inclusive c14n of an element in its document, with the namespaces in scope from its ancestors. */
export function canonical(el: Element): string {
  return c14n.process(el as unknown as Node, { ancestorNamespaces: findAncestorNsForElement(el as any) } as any) as string;
}

export interface SignRefs {
  ids: string[];
  /** Ids of Base64Content elements, referenced with the xmldsig base64 transform (digest over the decoded bytes), as the library signs content. */
  base64Ids?: string[];
  /** Id of the element holding the signer's certificate: KeyInfo points there (ds:RetrievalMethod), as the library requires. */
  retrieval?: string;
  cids?: { cid: string; bytes: Buffer }[];
}

const SIG_SLOT = "<!--osci-signature-->";

/**
 * Signs a document that contains the marker `<!--osci-signature-->` where the ds:Signature
 * goes (inside a ClientSignature / SupplierSignature block). References are digested in the
 * final document, so c14n sees the same namespace context the verifier will see.
 */
export function signDocument(xml: string, refs: SignRefs, key: KeyObject, certPem: string, slot = SIG_SLOT): string {
  if (!xml.includes(slot)) throw new Error("document has no signature slot");
  const parsed = parseXmlPart(Buffer.from(xml.replace(slot, ""), "utf8"));
  if (!parsed.ok) throw new Error(`cannot sign malformed XML: ${parsed.detail}`);
  const byId = elementsById(parsed.doc);
  const digest = (b: string | Buffer) => createHash("sha256").update(b).digest("base64");
  const reference = (uri: string, value: string, transform: string | undefined) =>
    `<ds:Reference URI="${uri}">${transform ? `<ds:Transforms><ds:Transform Algorithm="${transform}"/></ds:Transforms>` : ""}<ds:DigestMethod Algorithm="${ALG.sha256}"/><ds:DigestValue>${value}</ds:DigestValue></ds:Reference>`;
  const xmlRefs = refs.ids.map((id) => {
    const el = byId.get(id)?.[0];
    if (!el) throw new Error(`no element with Id ${id} to sign`);
    return reference(`#${id}`, digest(canonical(el)), ALG.c14n);
  });
  const base64Refs = (refs.base64Ids ?? []).map((id) => {
    const el = byId.get(id)?.[0];
    if (!el) throw new Error(`no element with Id ${id} to sign`);
    return reference(`#${id}`, digest(Buffer.from(el.textContent ?? "", "base64")), ALG.base64);
  });
  const cidRefs = (refs.cids ?? []).map((c) => reference(`cid:${c.cid}`, digest(c.bytes), undefined));
  const signedInfo = `<ds:SignedInfo><ds:CanonicalizationMethod Algorithm="${ALG.c14n}"/><ds:SignatureMethod Algorithm="${ALG.rsaSha256}"/>${base64Refs.join("")}${xmlRefs.join("")}${cidRefs.join("")}</ds:SignedInfo>`;
  const keyInfo = refs.retrieval
    ? `<ds:KeyInfo><ds:RetrievalMethod URI="#${refs.retrieval}"/></ds:KeyInfo>`
    : `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>${pemBase64(certPem)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>`;
  const withInfo = xml.replace(slot, `<ds:Signature>${signedInfo}<ds:SignatureValue>SIGVALUE</ds:SignatureValue>${keyInfo}</ds:Signature>`);
  const doc = parseXmlPart(Buffer.from(withInfo, "utf8"));
  if (!doc.ok) throw new Error(doc.detail);
  const si = doc.doc.getElementsByTagNameNS(NS.ds, "SignedInfo");
  // The slot's SignedInfo is the last one: content signatures (if any) come earlier in the body.
  const mine = [...Array.from({ length: si.length }, (_, i) => si.item(i)!)].find(
    (e) => (e.parentNode as Element).getElementsByTagNameNS(NS.ds, "SignatureValue").item(0)?.textContent === "SIGVALUE",
  )!;
  const value = rsaSign("sha256", Buffer.from(canonical(mine), "utf8"), key).toString("base64");
  return withInfo.replace("SIGVALUE", value);
}

export { SIG_SLOT };
