import { DOMParser, type Document, type Element } from "@xmldom/xmldom";
import { messageOf } from "./errors.ts";
import { hasDoctype } from "./mapping/xml.ts";

/**
 * A namespace-aware DOM for the protocol adapters (SOAP envelopes, signed message parts), which need
 * exact element identity for signatures and WS-Addressing. Mappings use the plain JS shape of
 * mapping/xml.ts instead.
 */
export type DomParse = { ok: true; doc: Document; text: string } | { ok: false; reason: "doctype" | "malformed"; detail: string };

/**
 * Parses one XML document. DTDs are refused on the text before any parser sees it, so neither
 * external entities nor entity expansion (XML bombs) can happen; any parser error is fatal.
 */
export function parseDom(text: string): DomParse {
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
    return { ok: true, doc, text };
  } catch (err) {
    return { ok: false, reason: "malformed", detail: messageOf(err).split("\n")[0]! };
  }
}

/** Escapes text and attribute values. */
export function esc(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);
}

/** Child elements, optionally only those with the given namespace and local name ("" is no namespace). */
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

/** Follows a path of [namespace, local name] steps. */
export function path(el: Element | undefined, ...steps: [string, string][]): Element | undefined {
  let cur = el;
  for (const [ns, local] of steps) cur = child(cur, ns, local);
  return cur;
}

export function text(el: Element | undefined): string | undefined {
  return el ? (el.textContent ?? "").trim() : undefined;
}
