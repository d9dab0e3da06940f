import { DOMParser, type Document, type Element } from "@xmldom/xmldom";
import { hasDoctype } from "../../gateway/index.ts";

export function esc(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);
}

export type XmlDoc = { ok: true; doc: Document; text: string } | { ok: false; reason: "doctype" | "malformed"; detail: string };

/**
 * Parses one XML part namespace-aware. DTDs are refused on the text before any parser sees it,
 * so neither external entities nor entity expansion (XML bombs) can happen.
 */
export function parseXmlPart(bytes: Buffer): XmlDoc {
  const text = bytes.toString("utf8");
  if (hasDoctype(text)) return { ok: false, reason: "doctype", detail: "DOCTYPE and ENTITY declarations are not accepted" };
  let detail: string | undefined;
  const parser = new DOMParser({ onError: (level, msg) => void (level !== "warning" && detail === undefined && (detail = msg)) });
  try {
    const doc = parser.parseFromString(text, "text/xml");
    if (detail !== undefined || !doc.documentElement) return { ok: false, reason: "malformed", detail: detail ?? "no root element" };
    return { ok: true, doc, text };
  } catch (err) {
    return { ok: false, reason: "malformed", detail: (err as Error).message.split("\n")[0]! };
  }
}

export function children(el: Element | undefined, ns?: string, local?: string): Element[] {
  const out: Element[] = [];
  if (!el) return out;
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType !== 1) continue;
    const e = n as Element;
    if ((ns === undefined || (e.namespaceURI ?? "") === ns) && (local === undefined || e.localName === local)) out.push(e);
  }
  return out;
}

export function child(el: Element | undefined, ns: string, local: string): Element | undefined {
  return children(el, ns, local)[0];
}

export function path(el: Element | undefined, ...steps: [string, string][]): Element | undefined {
  let cur = el;
  for (const [ns, local] of steps) cur = child(cur, ns, local);
  return cur;
}

export function text(el: Element | undefined): string | undefined {
  return el ? (el.textContent ?? "").trim() : undefined;
}

/** Every element of the document carrying an `Id` attribute (OSCI's and xmldsig's spelling), by value. */
export function elementsById(doc: Document): Map<string, Element[]> {
  const out = new Map<string, Element[]>();
  const walk = (el: Element) => {
    for (const name of ["Id", "ID", "id"]) {
      const v = el.getAttribute(name);
      if (v) out.set(v, [...(out.get(v) ?? []), el]);
    }
    for (const c of children(el)) walk(c);
  };
  if (doc.documentElement) walk(doc.documentElement);
  return out;
}

/** A base64 certificate (ds:X509Certificate text) as PEM. */
export function certPem(b64: string): string {
  const body = b64.replace(/\s+/g, "").replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

export function pemBase64(pem: string): string {
  return pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
}
