import { readXml } from "./xml-reader.ts";

/**
 * The one JS shape every XML input takes before a mapping sees it, so that XML formats are
 * just more mapping files:
 *
 * - element names without their namespace prefix (`xdomea:Kopf` → `Kopf`); the root's
 *   namespace URI and local name are passed to mappings as `$xml.namespace` / `$xml.root`;
 * - attributes as `@name`, text of mixed or attributed elements as `#text`;
 * - every value a string, never a number (AGS `01002000` keeps its leading zero);
 * - an element that occurs once is an object, one that repeats is an array (JSONata paths
 *   treat both alike).
 *
 * @example parseXml(Buffer.from('<a xmlns="urn:x"><b>1</b></a>'))
 * // { ok: true, root: { namespace: "urn:x", name: "a" }, value: { a: { b: "1" } } }
 */
export type XmlParse =
  { ok: true; root: XmlRoot; value: Record<string, unknown> } | { ok: false; reason: "doctype" | "malformed" | "too_deep"; detail: string };

export interface XmlRoot {
  namespace: string | undefined;
  name: string;
}

/** Refuses DTDs outright: no internal subset, no external entity, no entity expansion. */
export function hasDoctype(text: string): boolean {
  return /<!DOCTYPE|<!ENTITY/i.test(text);
}

/** Entity references other than the five predefined ones and character references (there is no DTD to define them). */
const UNDEFINED_ENTITY = /&(?!(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)([^\s;<&]{0,40};?)/;

export function parseXml(bytes: Uint8Array, maxDepth = 64): XmlParse {
  // Decoding with replacement characters would store something other than what was sent;
  // ozg-hub's XML inputs are UTF-8 (xdomea, XFall, the transports' envelopes), anything else is refused by name.
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, reason: "malformed", detail: "not valid UTF-8" };
  }
  const declared = /^<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']/.exec(text)?.[1];
  if (declared !== undefined && !/^utf-?8$/i.test(declared))
    return { ok: false, reason: "malformed", detail: `encoding "${declared}" is not accepted; send UTF-8` };
  if (hasDoctype(text)) return { ok: false, reason: "doctype", detail: "DOCTYPE and ENTITY declarations are not accepted" };
  const entity = UNDEFINED_ENTITY.exec(text.replace(/<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->/g, ""));
  if (entity) return { ok: false, reason: "malformed", detail: `undefined entity reference &${entity[1]}` };
  // One strict pass that checks well-formedness and depth while it builds the shape above.
  const r = readXml(text, maxDepth);
  if (!r.ok) return r;
  return { ok: true, root: { namespace: r.namespace, name: r.name }, value: r.value };
}
