import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { REPO } from "../../test/support/config.ts";
import { parseXml } from "./xml.ts";
import { readXml } from "./xml-reader.ts";

/**
 * The XML reader against fast-xml-parser (validate, then parse with the options that defined
 * the documented shape) as the oracle: the same value for every well-formed document, and a
 * refusal wherever the oracle refuses.
 */
const oracle = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: true,
  // XML character references (`&#xA;` in the KoSIT examples' schemaLocation) are decoded by
  // every XML parser (XML 1.0 §4.1); fast-xml-parser does so only with this option.
  htmlEntities: true,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

const fixtureXml = readdirSync(path.join(REPO, "mappings"), { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".xml"))
  .map((f) => path.join(REPO, "mappings", f));
const corpusDir = path.join(REPO, "test/corpus/files");
const corpusXml = readdirSync(corpusDir)
  .filter((f) => f.endsWith(".xml"))
  .map((f) => path.join(corpusDir, f));

const EDGE_CASES = [
  '<a xmlns="urn:x"><b>1</b></a>',
  '<p:a xmlns:p="urn:p" p:attr="v" plain="w"><p:b>1</p:b><p:b>2</p:b><c/></p:a>',
  '<?xml version="1.0" encoding="UTF-8"?>\n<!-- head --><a>\n  <b attr="x &amp; y">text &lt;here&gt; &quot;q&quot; &apos;s&apos;</b>\n  <c></c>\n  <d><![CDATA[<raw> & stuff]]></d>\n</a>\n<!-- tail -->',
  "<a><b><c><d>deep</d></c></b><b>two</b></a>",
  "<a x='1' y = \"2\"><b z='3'>t</b></a>",
  "\ufeff<a>bom</a>",
  "<a><b>   padded   </b><e/><e/><e>x</e></a>",
  "<a.b-c><d.e>1</d.e></a.b-c>",
  '<a><x:b xmlns:x="urn:inner"><x:c>1</x:c></x:b></a>',
  "<a>Größe Ærø Çelik 𝄞</a>",
];

describe("XML reader", () => {
  it.each([...fixtureXml, ...EDGE_CASES.map((x, i) => `edge case ${i}: ${x.slice(0, 40)}`)])("reads %s as the oracle does", (name) => {
    const i = EDGE_CASES.findIndex((_, j) => name.startsWith(`edge case ${j}:`));
    const text = i >= 0 ? EDGE_CASES[i]! : readFileSync(name, "utf8");
    const r = parseXml(Buffer.from(text, "utf8"));
    expect(XMLValidator.validate(text)).toBe(true);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value).toEqual(oracle.parse(text));
  });

  it.each(corpusXml)("refuses %s where the oracle refuses it", (file) => {
    const bytes = readFileSync(file);
    const r = parseXml(bytes);
    expect(r.ok).toBe(false);
  });

  it.each([
    ["<a><b></a>", "does not match"],
    ["<a></a><b></b>", "more than one root"],
    ["<a x=1></a>", "malformed start tag"],
    ['<a x="1" x="2"></a>', "repeated"],
    ["<a>&nbsp;</a>", "undefined entity"],
    ["<a>x & y</a>", "undefined entity"],
    ["<a><![CDATA[x</a>", "unterminated CDATA"],
    ["<a>", "not closed"],
    ["text<a/>", "text outside"],
    ["<a/>trailing", "text outside"],
    ["", "no root"],
    ["<a>< b/></a>", "not starting a tag"],
  ])("refuses %s (%s)", (text, detail) => {
    const r = parseXml(Buffer.from(text));
    // Stricter than fast-xml-parser's validator, which let `&nbsp;` and text after the root pass.
    expect(r).toMatchObject({ ok: false, reason: "malformed", detail: expect.stringContaining(detail) });
  });

  it.each([
    ["a byte that is never UTF-8", [0x3c, 0x61, 0x3e, 0xff, 0x3c, 0x2f, 0x61, 0x3e]],
    ["an encoded surrogate", [0x3c, 0x61, 0x3e, 0xed, 0xa0, 0x80, 0x3c, 0x2f, 0x61, 0x3e]],
    ["an overlong encoding", [0x3c, 0x61, 0x3e, 0xc0, 0xaf, 0x3c, 0x2f, 0x61, 0x3e]],
    ["a truncated sequence", [0x3c, 0x61, 0x3e, 0xe2, 0x82, 0x3c, 0x2f, 0x61, 0x3e]],
  ])("refuses %s", (_what, bytes) => {
    expect(parseXml(Uint8Array.from(bytes))).toMatchObject({ ok: false, reason: "malformed", detail: "not valid UTF-8" });
  });

  it("reads the declaration behind a byte order mark, and refuses declarations in any case", () => {
    const bom = [0xef, 0xbb, 0xbf];
    const latin = Buffer.concat([Buffer.from(bom), Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a/>')]);
    expect(parseXml(latin)).toMatchObject({ ok: false, detail: expect.stringContaining('encoding "ISO-8859-1"') });
    const spaced = Buffer.from("<?xml version='1.0' encoding=\u00a0'ISO-8859-1'?><a/>");
    // Without a byte order mark, a declared ISO-8859-1 is read by it, with a warning; other encodings are refused by name.
    expect(parseXml(Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a>Gr\u00f6\u00dfe</a>', "latin1"))).toMatchObject({
      ok: true,
      value: { a: "Gr\u00f6\u00dfe" },
      warning: expect.stringContaining("ISO-8859-1"),
    });
    expect(parseXml(Buffer.from('<?xml version="1.0" encoding="IBM273"?><a/>'))).toMatchObject({
      ok: false,
      detail: expect.stringContaining('encoding "IBM273"'),
    });
    expect(parseXml(spaced)).toMatchObject({ ok: false, detail: expect.stringContaining('encoding "ISO-8859-1"') });
    expect(parseXml(Buffer.concat([Buffer.from(bom), Buffer.from("<a>x</a>")]))).toMatchObject({ ok: true, value: { a: "x" } });
    for (const text of ["<!doctype a><a/>", '<a><!-- x --><!Entity x "y"></a>', "<!-- <!DOCTYPE --><a/>"])
      expect(parseXml(Buffer.from(text))).toMatchObject({ ok: false, reason: "doctype" });
  });

  // parseXml reads the bytes as Latin-1 and decodes only values beyond ASCII; names beyond ASCII
  // and anything it refuses go to the reading of the decoded text. Both must agree.
  it.each([
    ...fixtureXml,
    "<a b='ä&amp;ö' c=\"–\">é<![CDATA[ü & 𝄞]]> – x</a>",
    "<a><b>ä</b><b>ö</b><b>\u00a0</b></a>",
    "<ä>x</ä>",
    "<a ä='1'/>",
    "<p:a xmlns:p='urn:ä'><p:b>1</p:b></p:a>",
    "<a>x</a>\u00a0",
    "<a\u00a0x='1'/>",
    "<a>Größe</a >",
  ])("reads %s on its bytes as on its decoded text", (doc) => {
    const text = doc.startsWith("/") ? readFileSync(doc, "utf8") : doc;
    const viaText = readXml(text.replace(/^\ufeff/, ""), 64);
    const viaBytes = parseXml(Buffer.from(text, "utf8"));
    if (viaText.ok) expect(viaBytes).toEqual({ ok: true, root: { namespace: viaText.namespace, name: viaText.name }, value: viaText.value });
    else expect(viaBytes.ok).toBe(false);
  });

  it("reads many and long names on the bytes as on the decoded text", () => {
    // Names met before are kept, up to a number and a length: documents past both.
    const many = `<r>${Array.from({ length: 10_050 }, (_, i) => `<n${i}>${i}</n${i}>`).join("")}<n7>again</n7></r>`;
    const long = `<p:r xmlns:p="urn:x"><p:${"l".repeat(101)}>1</p:${"l".repeat(101)}><p:${"l".repeat(98)}>2</p:${"l".repeat(98)}></p:r>`;
    for (const text of [many, long, many]) {
      const viaText = readXml(text, 64);
      expect(viaText.ok).toBe(true);
      if (viaText.ok)
        expect(parseXml(Buffer.from(text))).toEqual({ ok: true, root: { namespace: viaText.namespace, name: viaText.name }, value: viaText.value });
    }
  });

  it("reads a name the same whether it was met before or not", () => {
    const doc = Buffer.from('<x:r xmlns:x="urn:x"><x:a>1</x:a><x:b><x:a>2</x:a></x:b><x:a>3</x:a></x:r>');
    const expected = { ok: true, root: { namespace: "urn:x", name: "r" }, value: { r: { a: ["1", "3"], b: { a: "2" } } } };
    expect(parseXml(doc)).toStrictEqual(expected);
    expect(parseXml(doc)).toStrictEqual(expected);
  });

  it("keeps elements and attributes named __proto__ or constructor as data", () => {
    const r = parseXml(Buffer.from('<a __proto__="x"><__proto__><b>1</b></__proto__><constructor>2</constructor><__proto__>3</__proto__></a>'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const a = r.value.a as Record<string, unknown>;
    expect(Object.keys(a)).toEqual(["__proto__", "constructor", "@__proto__"]);
    expect(Object.getPrototypeOf(a)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(a))).toEqual(JSON.parse('{"__proto__": [{"b": "1"}, "3"], "constructor": "2", "@__proto__": "x"}'));
  });

  it("decodes character references in text and attributes", () => {
    expect(parseXml(Buffer.from('<a t="&#228;&#x1F600;">&#xE4;&#246;</a>'))).toMatchObject({ ok: true, value: { a: { "@t": "ä😀", "#text": "äö" } } });
  });

  it("refuses nesting deeper than the limit, at the limit it reads", () => {
    const nest = (n: number) => `${"<e>".repeat(n)}x${"</e>".repeat(n)}`;
    expect(parseXml(Buffer.from(nest(64)), 64).ok).toBe(true);
    expect(parseXml(Buffer.from(nest(65)), 64)).toMatchObject({ ok: false, reason: "too_deep" });
    expect(parseXml(Buffer.from(nest(100_000)), 64)).toMatchObject({ ok: false, reason: "too_deep" });
  });

  it("names the root's namespace from a prefixed or default declaration", () => {
    expect(parseXml(Buffer.from('<x:r xmlns="urn:d" xmlns:x="urn:x"/>'))).toMatchObject({ ok: true, root: { namespace: "urn:x", name: "r" } });
    expect(parseXml(Buffer.from('<r xmlns="urn:d"/>'))).toMatchObject({ ok: true, root: { namespace: "urn:d", name: "r" } });
    expect(parseXml(Buffer.from("<r/>"))).toMatchObject({ ok: true, root: { namespace: undefined, name: "r" }, value: { r: "" } });
  });
});
