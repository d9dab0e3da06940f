/**
 * XML signatures of OSCI 1.2: inclusive c14n, rsa-sha256, sha256 digests, references to
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
  | { ok: true; signer: X509Certificate; ids: Set<string>; cids: Set<string> }
  | { ok: false; code: "unsigned" | "invalid" | "unknown_signer" | "wrapped"; detail: string };

type PartLookup = (cid: string) => Buffer | undefined;

/** xml-crypto with `cid:` references resolved against the MIME parts (its own code resolves only XML). */
function osciSignedXml(parts: PartLookup, cert: string): SignedXml {
  const sx = new SignedXml({ publicCert: cert, getCertFromKeyInfo: () => null });
  const xmlReference = (sx as any).validateReference.bind(sx);
  (sx as any).validateReference = (ref: any, doc: Document) => {
    if (typeof ref.uri === "string" && ref.uri.startsWith("cid:")) {
      const bytes = parts(ref.uri.slice(4));
      if (!bytes || ref.digestAlgorithm !== ALG.sha256) return undefined;
      const got = createHash("sha256").update(bytes).digest();
      const want = Buffer.from(String(ref.digestValue), "base64");
      return got.length === want.length && timingSafeEqual(got, want) ? ref.uri : undefined;
    }
    // The library signs Base64Content with the xmldsig base64 transform alone: the digest is
    // over the decoded bytes, i.e. over the content exactly as the Author wrote it.
    if (
      typeof ref.uri === "string" &&
      ref.uri.startsWith("#") &&
      Array.isArray(ref.transforms) &&
      ref.transforms.length === 1 &&
      ref.transforms[0] === ALG.base64
    ) {
      const els = elementsById(doc).get(ref.uri.slice(1));
      if (els?.length !== 1 || ref.digestAlgorithm !== ALG.sha256) return undefined;
      const got = createHash("sha256")
        .update(Buffer.from(els[0]!.textContent ?? "", "base64"))
        .digest();
      const want = Buffer.from(String(ref.digestValue), "base64");
      return got.length === want.length && timingSafeEqual(got, want) ? ref.uri : undefined;
    }
    return xmlReference(ref, doc);
  };
  return sx;
}

/**
 * Verifies the ds:Signature `sig` (inside `text`) against the pinned certificates. On success
 * the ids and cids it covers are returned; callers read only elements whose Id is among them.
 */
export function verifySignature(text: string, sig: Element | undefined, pinned: X509Certificate[], parts: PartLookup, certsIn?: Document): Verification {
  if (!sig) return { ok: false, code: "unsigned", detail: "the message carries no signature" };
  const parsed = parseXmlPart(Buffer.from(text, "utf8"));
  if (!parsed.ok) return { ok: false, code: "invalid", detail: parsed.detail };
  for (const [id, els] of elementsById(parsed.doc)) {
    if (els.length > 1) return { ok: false, code: "wrapped", detail: `Id "${id}" occurs ${els.length} times` };
  }
  const method = (name: string) => children(children(sig, NS.ds, "SignedInfo")[0], NS.ds, name)[0]?.getAttribute("Algorithm");
  if (method("SignatureMethod") !== ALG.rsaSha256 || method("CanonicalizationMethod") !== ALG.c14n) {
    return { ok: false, code: "invalid", detail: `signature algorithms must be ${ALG.rsaSha256} with ${ALG.c14n}` };
  }
  const named = namedCertificate(sig, parsed.doc, certsIn);
  // KeyInfo may name the signer; it never supplies the key. Unnamed: try every pinned certificate.
  const candidates = named ? pinned.filter((c) => c.raw.toString("base64") === named) : pinned;
  if (candidates.length === 0) return { ok: false, code: "unknown_signer", detail: "the signing certificate is not one ozg-hub trusts for this sender" };
  let detail = "signature does not verify";
  for (const cert of candidates) {
    const sx = osciSignedXml(parts, cert.toString());
    sx.loadSignature(sig as unknown as Node);
    try {
      if (sx.checkSignature(text)) {
        const uris = sx.getReferences().map((r) => r.uri ?? "");
        return {
          ok: true,
          signer: cert,
          ids: new Set(uris.filter((u) => u.startsWith("#")).map((u) => u.slice(1))),
          cids: new Set(uris.filter((u) => u.startsWith("cid:")).map((u) => u.slice(4))),
        };
      }
      detail = "a signed reference does not match its digest";
    } catch (err) {
      detail = messageOf(err).split("\n")[0]!;
      if (/multiple elements with the same value/.test(detail)) return { ok: false, code: "wrapped", detail };
    }
  }
  return { ok: false, code: "invalid", detail };
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
