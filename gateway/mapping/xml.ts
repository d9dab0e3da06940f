import { isUtf8 } from "node:buffer";
import { readXml, readXmlBytes } from "./xml-reader.ts";

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
  /** `warning`: read, but not as XÖV asks (e.g. a declared ISO-8859-1). */
  { ok: true; root: XmlRoot; value: Record<string, unknown>; warning?: string } | { ok: false; reason: "doctype" | "malformed" | "too_deep"; detail: string };

export interface XmlRoot {
  namespace: string | undefined;
  name: string;
}

/**
 * Refuses DTDs outright: no internal subset, no external entity, no entity expansion. Looks
 * only where a `<!` opens (comments, CDATA, declarations) rather than running a case-blind
 * pattern over the whole document, which cost as much as reading a small one.
 */
export function hasDoctype(text: string): boolean {
  for (let at = text.indexOf("<!"); at >= 0; at = text.indexOf("<!", at + 2)) {
    DECLARATION.lastIndex = at + 2;
    if (DECLARATION.test(text)) return true;
  }
  return false;
}

const DECLARATION = /DOCTYPE|ENTITY/iy;

/** Entity references other than the five predefined ones and character references (there is no DTD to define them). */
const UNDEFINED_ENTITY = /&(?!(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)([^\s;<&]{0,40};?)/;

export function parseXml(bytes: Uint8Array, maxDepth = 64): XmlParse {
  // Decoding with replacement characters would store something other than what was sent;
  // ozg-hub's XML inputs are UTF-8 (xdomea, XFall, the transports' envelopes), anything else is refused by name.
  // isUtf8 (simdutf) and a plain decode are several times faster than a fatal TextDecoder,
  // and refuse the same byte sequences.
  const declaredLatin = latinDeclared(bytes, maxDepth);
  if (declaredLatin) return declaredLatin;
  if (!isUtf8(bytes)) return { ok: false, reason: "malformed", detail: "not valid UTF-8" };
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const quick = readBytes(buffer, maxDepth);
  if (quick) return quick;
  // Refused, or names beyond ASCII: the same checks on the decoded text, which word the refusal.
  let text = buffer.toString("utf8");
  // The byte order mark goes, as TextDecoder drops it, so that the declaration below is found.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const declared = DECLARED.exec(text)?.[1];
  if (declared !== undefined && !/^utf-?8$/i.test(declared))
    return { ok: false, reason: "malformed", detail: `encoding "${declared}" is not accepted; send UTF-8` };
  if (hasDoctype(text)) return { ok: false, reason: "doctype", detail: "DOCTYPE and ENTITY declarations are not accepted" };
  // Without any "&" there is no reference to check (most documents).
  const entity = text.includes("&") ? UNDEFINED_ENTITY.exec(text.replace(/<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->/g, "")) : null;
  if (entity) return { ok: false, reason: "malformed", detail: `undefined entity reference &${entity[1]}` };
  // One strict pass that checks well-formedness and depth while it builds the shape above.
  const r = readXml(text, maxDepth);
  if (!r.ok) return r;
  return { ok: true, root: { namespace: r.namespace, name: r.name }, value: r.value };
}

const DECLARED = /^<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']/;

/** Single-byte Latin encodings read by their declaration; ISO-8859-1 exactly, the others as WHATWG decodes them. */
const LATIN: Record<string, string> = {
  "iso-8859-1": "latin1",
  "iso8859-1": "latin1",
  "latin-1": "latin1",
  latin1: "latin1",
  l1: "latin1",
  "iso-8859-15": "iso-8859-15",
  "latin-9": "iso-8859-15",
  "windows-1252": "windows-1252",
  cp1252: "windows-1252",
};

/**
 * A document (without a UTF-8 byte order mark) that declares ISO-8859-1, -15 or windows-1252 is
 * read by its declaration, with a warning: XÖV asks for UTF-8, yet such a document is whole and
 * readable, and its bytes are stored as sent. Every other encoding is still refused by name.
 * Only the head is decoded to find the declaration; everything else takes the UTF-8 path.
 */
function latinDeclared(bytes: Uint8Array, maxDepth: number): XmlParse | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer[0] !== 0x3c) return undefined; // no declaration first (a BOM says UTF-8 anyway)
  const declared = DECLARED.exec(buffer.subarray(0, 256).toString("latin1"))?.[1];
  const encoding = declared ? LATIN[declared.toLowerCase().replace(/_/g, "-")] : undefined;
  if (!declared || !encoding) return undefined;
  let text: string;
  try {
    text = encoding === "latin1" ? buffer.toString("latin1") : new TextDecoder(encoding, { fatal: true }).decode(buffer);
  } catch {
    return { ok: false, reason: "malformed", detail: `not valid ${declared}` };
  }
  const r = parseXml(
    Buffer.from(
      text.replace(DECLARED, (d) => d.replace(declared, "UTF-8")),
      "utf8",
    ),
    maxDepth,
  );
  return r.ok ? { ...r, warning: `the document is encoded in ${declared}; XÖV asks for UTF-8` } : r;
}

/**
 * The checks above and the reading on the bytes (see readXmlBytes); `undefined` wherever one of
 * them refuses, so that the refusal is found and worded on the decoded text.
 */
function readBytes(buffer: Buffer, maxDepth: number): XmlParse | undefined {
  const start = buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0; // byte order mark
  const latin = buffer.toString("latin1");
  // The declaration's pattern takes any space for one, up to its first ">" (after which only the
  // encoding's name may go on, which either way is not "UTF-8" if it has a byte beyond ASCII).
  const head = latin.indexOf(">", start);
  if (/[\x80-\xff]/.test(latin.slice(start, head < 0 ? latin.length : head))) return undefined;
  const declared = DECLARED.exec(start > 0 ? latin.slice(start) : latin)?.[1];
  if (declared !== undefined && !/^utf-?8$/i.test(declared)) return undefined;
  if (hasDoctype(latin)) return undefined;
  if (latin.includes("&") && UNDEFINED_ENTITY.test(latin.replace(/<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->/g, ""))) return undefined;
  const r = readXmlBytes(buffer, latin, start, maxDepth);
  return r && { ok: true, root: { namespace: r.namespace, name: r.name }, value: r.value };
}
