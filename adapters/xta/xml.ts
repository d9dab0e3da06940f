import { DOMParser, type Document, type Element } from "@xmldom/xmldom";
import { hasDoctype } from "../../gateway/index.ts";

/** Escapes text and attribute values. */
export function esc(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);
}

export type XmlDoc = { ok: true; doc: Document } | { ok: false; reason: "doctype" | "malformed"; detail: string };

/**
 * Parses a SOAP envelope namespace-aware. DTDs are refused before the parser sees the text, so
 * neither external entities nor entity expansion can happen; any parser error is fatal.
 */
export function parseEnvelope(text: string): XmlDoc {
  if (hasDoctype(text)) return { ok: false, reason: "doctype", detail: "DOCTYPE and ENTITY declarations are not accepted" };
  let detail: string | undefined;
  const parser = new DOMParser({
    onError: (level, msg) => {
      if (level !== "warning" && detail === undefined) detail = msg;
    },
  });
  try {
    const doc = parser.parseFromString(text, "text/xml");
    if (detail !== undefined || !doc.documentElement) return { ok: false, reason: "malformed", detail: detail ?? "no root element" };
    return { ok: true, doc };
  } catch (err) {
    return { ok: false, reason: "malformed", detail: (err as Error).message.split("\n")[0]! };
  }
}

export function children(el: Element, ns?: string, local?: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType !== 1) continue;
    const e = n as Element;
    if ((ns === undefined || (e.namespaceURI ?? "") === ns) && (local === undefined || e.localName === local)) out.push(e);
  }
  return out;
}

export function child(el: Element | undefined, ns: string, local: string): Element | undefined {
  return el ? children(el, ns, local)[0] : undefined;
}

/** Follows a path of [namespace, local name] steps. */
export function path(el: Element | undefined, ...steps: [string, string][]): Element | undefined {
  let cur = el;
  for (const [ns, local] of steps) cur = child(cur, ns, local);
  return cur;
}

export function text(el: Element | undefined): string | undefined {
  return el ? (el.textContent ?? "").trim() : undefined;
}
