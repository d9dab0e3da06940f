import type { Document, Element } from "@xmldom/xmldom";
import { children, parseDom, text, type DomParse } from "../../gateway/index.ts";

export { child, children, esc, path, text } from "../../gateway/index.ts";

/** Parses one MIME part as XML (no DTDs, any parser error fatal). */
export function parseXmlPart(bytes: Buffer): DomParse {
  return parseDom(bytes.toString("utf8"));
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
  const body = b64
    .replace(/\s+/g, "")
    .replace(/(.{64})/g, "$1\n")
    .replace(/\n$/, "");
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

export function pemBase64(pem: string): string {
  return pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
}

/** A MessageId is base64 (xs:base64Binary): the library wraps long ones in lines, whitespace is no part of the id. */
export function messageIdOf(el: Element | undefined): string | undefined {
  return text(el)?.replace(/\s+/g, "") || undefined;
}
