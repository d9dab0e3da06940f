/**
 * A strict, single-pass XML reader that builds the documented shape of xml.ts directly.
 *
 * Why not a general parser: validating and then parsing with fast-xml-parser took ~0.7 ms for
 * a 6 KB application, more than all of mapping; this reader checks well-formedness while it
 * builds (one pass, no second validation run) and is an order of magnitude faster. It accepts
 * no DTD at all, only the five predefined entities and character references, and counts depth
 * as it goes, so it needs no guard pass before it.
 */
export interface XmlRead {
  ok: true;
  namespace: string | undefined;
  name: string;
  value: Record<string, unknown>;
}
export interface XmlRefusal {
  ok: false;
  reason: "malformed" | "too_deep";
  detail: string;
}

interface Open {
  qname: string;
  local: string;
  /** Attribute names and values, alternating. */
  attrs: string[] | undefined;
  /** Child element names and their values (an array where a name repeats), in document order. */
  names: string[] | undefined;
  values: unknown[] | undefined;
  text: string;
}

const NAME = /[A-Za-z_\u00C0-\uFFFF][\w.\-:\u00B7-\uFFFF]*/y;
const ATTR = /\s+([A-Za-z_\u00C0-\uFFFF][\w.\-:\u00B7-\uFFFF]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y;
const TAG_END = /\s*(\/?)>/y;
const ENTITY = /&(?:(lt|gt|amp|quot|apos)|#(\d{1,7})|#x([0-9A-Fa-f]{1,6}));/y;
const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

class Malformed {
  constructor(readonly detail: string) {}
}

function lineOf(text: string, at: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < at; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

/** Replaces entity and character references; any other `&` is an error. */
function decode(s: string, at: number, text: string): string {
  if (!s.includes("&")) return s;
  let out = "";
  let last = 0;
  for (let i = s.indexOf("&"); i >= 0; i = s.indexOf("&", last)) {
    ENTITY.lastIndex = i;
    const m = ENTITY.exec(s);
    if (!m) throw new Malformed(`undefined entity or bare "&" (line ${lineOf(text, at)})`);
    const code = m[2] ? Number(m[2]) : m[3] ? parseInt(m[3], 16) : -1;
    if (code === 0 || code > 0x10ffff) throw new Malformed(`invalid character reference (line ${lineOf(text, at)})`);
    out += s.slice(last, i) + (m[1] ? PREDEFINED[m[1]]! : String.fromCodePoint(code));
    last = i + m[0].length;
  }
  return out + s.slice(last);
}

/**
 * The name at `at` as NAME reads it, for a name of ASCII characters only; on bytes, anything
 * else goes to the reading of the decoded text (which also words a missing name).
 */
function asciiName(text: string, at: number): KnownName {
  let i = at;
  for (
    let c = text.charCodeAt(i);
    i === at ? isNameStart(c) : isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x3a;
    c = text.charCodeAt(++i)
  );
  if (i === at || text.charCodeAt(i) >= 0x80) throw new NotAscii();
  const qname = text.slice(at, i);
  return kept(knownNames, qname, knownName);
}

const knownName = (qname: string): KnownName => ({ qname: internal(qname), local: internal(local(qname)) });

/** `cache`'s value for `name`, made and kept on first sight (see `knownNames`); `make` is a plain function, no closure per call. */
function kept<V>(cache: Map<string, V>, name: string, make: (name: string) => V): V {
  let value = cache.get(name);
  if (value === undefined) {
    value = make(name);
    // Bounds keep documents with ever new or long names from filling memory.
    if (name.length <= 100) {
      if (cache.size >= 10_000) cache.clear();
      cache.set(name, value);
    }
  }
  return value;
}

interface KnownName {
  qname: string;
  local: string;
}

/**
 * Element names seen before, as the same strings each time: the objects of the documented shape
 * are keyed by them, and V8 stores and looks up a property fastest by a string it already holds
 * in its string table, rather than one sliced fresh from every document. A string sliced from
 * the document is still made, but looking it up in a map is cheaper than storing by it.
 */
const knownNames = new Map<string, KnownName>();

/** The string V8 keeps in its string table for `s` (a property key is always one). */
const internal = (s: string): string => Object.keys({ [s]: 0 })[0]!;

const isNameStart = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;

/** Whether text[from, to) is only whitespace (as `trim` counts it). */
function blank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    return c < 0x80 ? false : text.slice(i, to).trim() === "";
  }
  return true;
}

/** The position of `>` when the end tag at `at` names `qname` (then maybe whitespace), else -1. */
function closes(text: string, at: number, qname: string): number {
  // Compared by character: startsWith at an offset cost more here than the rest of the end tag.
  for (let k = 0; k < qname.length; k++) if (text.charCodeAt(at + k) !== qname.charCodeAt(k)) return -1;
  let i = at + qname.length;
  for (let c = text.charCodeAt(i); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = text.charCodeAt(++i));
  return text.charCodeAt(i) === 0x3e ? i : -1;
}

const local = (qname: string) => qname.slice(qname.indexOf(":") + 1);

/** Sets an own property; an element or attribute named `__proto__` stays data, never a prototype. */
function set(o: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}

/**
 * Children are collected in arrays and become an object once, when their element closes: an
 * element has few children, and looking a name up in an object whose keys vary from element to
 * element cost more than reading a whole element otherwise did.
 */
function add(e: Open, key: string, value: unknown): void {
  const names = (e.names ??= []);
  const values = (e.values ??= []);
  const at = names.indexOf(key);
  if (at < 0) {
    names.push(key);
    values.push(value);
  } else {
    const existing = values[at];
    if (Array.isArray(existing)) existing.push(value);
    else values[at] = [existing, value];
  }
}

/** `@name`, the same string for every element with that attribute (see `knownNames`). */
function attributeKey(name: string): string {
  return kept(attributeKeys, name, attributeKeyOf);
}

const attributeKeyOf = (name: string): string => internal(`@${name}`);

const attributeKeys = new Map<string, string>();

/** The value of a closed element: its text alone, or an object of children, `@attributes` and `#text`. */
function valueOf(e: Open): unknown {
  const text = e.text.trim();
  if (!e.names && !e.attrs) return text;
  const v: Record<string, unknown> = {};
  const { names, values, attrs } = e;
  if (names) for (let i = 0; i < names.length; i++) set(v, names[i]!, values![i]);
  if (attrs) for (let i = 0; i < attrs.length; i += 2) set(v, attributeKey(attrs[i]!), attrs[i + 1]);
  if (text !== "") set(v, "#text", text);
  return v;
}

function hasAttribute(attrs: string[], key: string): boolean {
  for (let i = 0; i < attrs.length; i += 2) if (attrs[i] === key) return true;
  return false;
}

export function readXml(text: string, maxDepth: number): XmlRead | XmlRefusal {
  try {
    return read(text, maxDepth);
  } catch (err) {
    if (err instanceof Malformed) return { ok: false, reason: "malformed", detail: err.detail };
    if (err instanceof RangeError) return { ok: false, reason: "too_deep", detail: `elements nest deeper than ${maxDepth}` };
    throw err;
  }
}

/** A name with other than ASCII letters, read byte by byte: left to the reading of decoded text. */
class NotAscii {}

/**
 * Reads UTF-8 bytes (already checked to be UTF-8) without decoding the whole document: the
 * markup is read on the bytes as Latin-1 text (`latin`, the bytes read so), one character per byte, which is much faster
 * to decode and to search than the two-byte string a single "–" turns a document into; only
 * text and attribute values with bytes beyond ASCII are decoded, each on its own. `undefined`
 * for a document it refuses or whose element or attribute names are not ASCII: `readXml` on
 * the decoded text then gives the answer, with its wording.
 */
export function readXmlBytes(bytes: Buffer, latin: string, start: number, maxDepth: number): XmlRead | undefined {
  try {
    return read(latin, maxDepth, bytes, start);
  } catch (err) {
    if (err instanceof Malformed || err instanceof RangeError || err instanceof NotAscii) return undefined;
    throw err;
  }
}

const HIGH = /[\x80-\xff]/g;

function read(text: string, maxDepth: number, bytes?: Buffer, start?: number): XmlRead {
  const stack: Open[] = [];
  const top: Open = { qname: "", local: "", attrs: undefined, names: undefined, values: undefined, text: "" };
  let root: { qname: string; namespace: string | undefined } | undefined;
  let pos = start ?? (text.charCodeAt(0) === 0xfeff ? 1 : 0);
  const fail = (what: string, at: number): never => {
    throw new Malformed(`${what} (line ${lineOf(text, at)})`);
  };
  // Reading bytes: where the next byte beyond ASCII is (ranges are asked for in document order).
  let highFrom = Infinity;
  let high = -1;
  const beyondAscii = (from: number, to: number): boolean => {
    if (from < highFrom || high < from) {
      HIGH.lastIndex = highFrom = from;
      high = HIGH.exec(text)?.index ?? Infinity;
    }
    return high < to;
  };
  /** text[from, to) as the document means it. */
  const piece = (from: number, to: number): string => (bytes && beyondAscii(from, to) ? bytes.toString("utf8", from, to) : text.slice(from, to));

  while (pos < text.length) {
    const lt = text.indexOf("<", pos);
    const end = lt < 0 ? text.length : lt;
    if (end > pos) {
      const open = stack[stack.length - 1];
      // Whitespace before any text is trimmed away in the end (valueOf), so it is not collected:
      // most chunks are the indentation between elements.
      if (open) {
        if (open.text !== "" || !blank(text, pos, end)) open.text += decode(piece(pos, end), pos, text);
      } else if (!blank(text, pos, end)) fail("text outside the root element", pos);
    }
    if (lt < 0) break;
    const next = text.charCodeAt(lt + 1);
    if (next === 0x3f /* ? */) {
      const end = text.indexOf("?>", lt + 2);
      if (end < 0) fail("unterminated processing instruction", lt);
      pos = end + 2;
    } else if (next === 0x21 /* ! */) {
      // Asked only after a "<!": start and end tags are most of a document, and looking for a
      // comment or CDATA at every one of them cost more than the tags.
      if (text.startsWith("<!--", lt)) {
        const end = text.indexOf("-->", lt + 4);
        if (end < 0) fail("unterminated comment", lt);
        pos = end + 3;
      } else if (text.startsWith("<![CDATA[", lt)) {
        const end = text.indexOf("]]>", lt + 9);
        if (end < 0) fail("unterminated CDATA section", lt);
        if (stack.length === 0) fail("CDATA outside the root element", lt);
        stack[stack.length - 1]!.text += piece(lt + 9, end);
        pos = end + 3;
      } else fail("declarations (DOCTYPE, ENTITY) are not accepted", lt);
    } else if (next === 0x2f /* / */) {
      const open = stack.pop();
      let end = open ? closes(text, lt + 2, open.qname) : -1;
      if (end < 0) {
        // Not simply the open element's name: the general reading, which words the error.
        end = text.indexOf(">", lt + 2);
        if (end < 0) fail("unterminated end tag", lt);
        const qname = text.slice(lt + 2, end).trimEnd();
        if (!open) fail(`end tag </${qname}> without start tag`, lt);
        if (open!.qname !== qname) fail(`end tag </${qname}> does not match <${open!.qname}>`, lt);
      }
      const parent = stack[stack.length - 1];
      add(parent ?? top, open!.local, valueOf(open!));
      pos = end + 1;
    } else {
      let qname: string;
      let localName: string;
      if (bytes) {
        const name = asciiName(text, lt + 1);
        qname = name.qname;
        localName = name.local;
      } else {
        NAME.lastIndex = lt + 1;
        const name = NAME.exec(text);
        if (!name || name.index !== lt + 1) fail('"<" not starting a tag', lt);
        qname = name![0];
        localName = local(qname);
      }
      if (stack.length === 0 && root) fail("more than one root element", lt);
      let attrs: string[] | undefined;
      let p = lt + 1 + qname.length;
      let xmlns: Record<string, string> | undefined;
      // A start tag without attributes (most of them) needs no attribute pattern.
      const after = text.charCodeAt(p);
      if (after !== 0x3e /* > */ && after !== 0x2f /* / */)
        for (;;) {
          ATTR.lastIndex = p;
          const a = ATTR.exec(text);
          if (!a) break;
          const [, an, dq, sq] = a;
          const quoted = a.index + a[0].length - 1; // the closing quote
          const raw = dq ?? sq ?? "";
          if (bytes && beyondAscii(a.index, quoted - raw.length)) throw new NotAscii(); // the name
          const value = decode(bytes ? piece(quoted - raw.length, quoted) : raw, p, text);
          if (an === "xmlns" || an!.startsWith("xmlns:")) (xmlns ??= {})[an!] = value;
          else {
            attrs ??= [];
            const key = local(an!);
            if (hasAttribute(attrs, key)) fail(`attribute ${an} repeated`, p);
            attrs.push(key, value);
          }
          p = a.index + a[0].length;
        }
      let selfClosing = false;
      if (text.charCodeAt(p) === 0x3e /* > */) p += 1;
      else {
        TAG_END.lastIndex = p;
        const close = TAG_END.exec(text);
        if (!close) fail(`malformed start tag <${qname}>`, lt);
        selfClosing = close![1] !== "";
        p = close!.index + close![0].length;
      }
      if (!root) {
        const colon = qname.indexOf(":");
        root = { qname, namespace: xmlns?.[colon < 0 ? "xmlns" : `xmlns:${qname.slice(0, colon)}`] };
      }
      const open: Open = { qname, local: localName, attrs, names: undefined, values: undefined, text: "" };
      if (selfClosing) {
        const parent = stack[stack.length - 1];
        add(parent ?? top, open.local, valueOf(open));
      } else {
        if (stack.length >= maxDepth) throw new RangeError("depth");
        stack.push(open);
      }
      pos = p;
    }
  }
  if (stack.length > 0) fail(`element <${stack[stack.length - 1]!.qname}> is not closed`, text.length);
  if (!root) fail("no root element", 0);
  return { ok: true, namespace: root!.namespace, name: local(root!.qname), value: valueOf(top) as Record<string, unknown> };
}
