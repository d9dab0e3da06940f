import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Doc, DocKind } from "./intakes.ts";

const FILES = path.join(path.dirname(fileURLToPath(import.meta.url)), "files");
const enc = (s: string) => new TextEncoder().encode(s);

/** A valid canonical submission, the base that generators cut and corrupt. No trailing whitespace. */
export const validCanonical = JSON.stringify({
  sourceId: "corpus-base",
  service: { leikaKeys: ["99050012104000"], name: "Gewerbeanmeldung" },
  recipient: { ags: "01002000" },
  applicant: { kind: "person", name: "Anna Schmidt", givenName: "Anna", familyName: "Schmidt" },
  data: { taetigkeit: "Handel mit Waren aller Art", beschaeftigte: 3, straße: "Holstenstraße 1" },
});

/** A well-formed XML document that no mapping claims (so a valid one is parked, never routed). */
export const validXml = `<?xml version="1.0" encoding="UTF-8"?><Antrag xmlns="urn:corpus:test" version="1"><Antragsteller><Name>Jürgen Größe</Name><Anschrift ort="Kiel">Holstenstraße 1</Anschrift></Antragsteller><Leistung>99050012104000</Leistung></Antrag>`;

export const json = (s: string | Uint8Array): Doc => ({ bytes: typeof s === "string" ? enc(s) : s, contentType: "application/json" });
export const xml = (s: string | Uint8Array): Doc => ({ bytes: typeof s === "string" ? enc(s) : s, contentType: "application/xml" });

/** The corpus files: `<name>.json` / `<name>.xml`, every one of them malformed for every intake of its kind. */
export function malformedFiles(): { name: string; kind: DocKind; doc: Doc }[] {
  return readdirSync(FILES)
    .sort()
    .map((f) => {
      const kind = f.endsWith(".xml") ? "xml" : "json";
      const bytes = new Uint8Array(readFileSync(path.join(FILES, f)));
      return { name: `file ${f}`, kind, doc: kind === "xml" ? xml(bytes) : json(bytes) };
    });
}

/** Malformed documents built in code, because they are large or parameterised. */
export function malformedGenerated(limits: {
  documentBytes: number;
  xmlDepth: number;
}): { name: string; kind: DocKind; doc: Doc; refusal: "malformed" | "too_large" }[] {
  const entity = "x".repeat(10_000);
  const quadratic = `<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "${entity}">]><q>${"&a;".repeat(5000)}</q>`;
  return [
    {
      name: "XML nested one deeper than the limit",
      kind: "xml",
      doc: xml(`${"<a>".repeat(limits.xmlDepth + 1)}x${"</a>".repeat(limits.xmlDepth + 1)}`),
      refusal: "malformed",
    },
    { name: "XML nested 5000 deep", kind: "xml", doc: xml(`${"<a>".repeat(5000)}${"</a>".repeat(5000)}`), refusal: "malformed" },
    { name: "XML unclosed nesting 8000 deep", kind: "xml", doc: xml("<a>".repeat(8000)), refusal: "malformed" },
    { name: "XML quadratic blowup (10 kB entity x 5000)", kind: "xml", doc: xml(quadratic), refusal: "malformed" },
    {
      name: "XML attribute value over the document limit",
      kind: "xml",
      doc: xml(`<a xmlns="urn:corpus:test" v="${"A".repeat(limits.documentBytes + 1)}"/>`),
      refusal: "too_large",
    },
    {
      name: "XML text over the document limit",
      kind: "xml",
      doc: xml(`<a xmlns="urn:corpus:test">${"Ä".repeat(limits.documentBytes)}</a>`),
      refusal: "too_large",
    },
    {
      name: "XML 20000 attributes over the limit",
      kind: "xml",
      doc: xml(`<a ${Array.from({ length: 20000 }, (_, i) => `a${i}="1"`).join(" ")}/>`),
      refusal: "too_large",
    },
    { name: "JSON string over the document limit", kind: "json", doc: json(`{"sourceId":"${"x".repeat(limits.documentBytes)}"}`), refusal: "too_large" },
    {
      name: "JSON nested arrays over the document limit",
      kind: "json",
      doc: json(`${"[".repeat(limits.documentBytes)}${"]".repeat(limits.documentBytes)}`),
      refusal: "too_large",
    },
    { name: "JSON unclosed nesting 20000 deep", kind: "json", doc: json("[".repeat(20000)), refusal: "malformed" },
    { name: "JSON lone surrogate escape in a truncated string", kind: "json", doc: json('{"sourceId":"\\ud800'), refusal: "malformed" },
  ];
}

/**
 * Parseable JSON that no schema'd intake may take: wrong root type, missing or mistyped
 * required fields, hostile keys. For the schema-free delivery intake these would be parked.
 */
export function schemaViolations(): { name: string; doc: Doc }[] {
  const base = JSON.parse(validCanonical);
  const variants: [string, unknown][] = [
    ["empty object", {}],
    ["array root", [base]],
    ["null root", null],
    ["string root", "Antrag"],
    ["number root", 42],
    ["leikaKeys not 14 digits", { ...base, service: { leikaKeys: ["9905001210400"] } }],
    ["recipient empty", { ...base, recipient: {} }],
    ["applicant kind unknown", { ...base, applicant: { kind: "robot", name: "R2" } }],
    ["applicant name empty", { ...base, applicant: { kind: "person", name: "" } }],
    ["unknown top-level key", { ...base, admin: true }],
    ["__proto__ key", JSON.parse(`{"__proto__":{"polluted":true},"sourceId":"x"}`)],
    ["constructor.prototype key", { constructor: { prototype: { polluted: true } } }],
    ["ags with letters", { ...base, recipient: { ags: "0100200A" } }],
    ["submittedAt not a date", { ...base, submittedAt: "gestern" }],
    ["attachments smuggled in", { ...base, attachments: [{ id: "x", name: "a", contentType: "text/plain", size: -1, sha256: "0" }] }],
  ];
  return variants.map(([name, v]) => ({ name: `schema: ${name}`, doc: json(JSON.stringify(v)) }));
}

/**
 * Well-formed XML with duplicated and reordered elements, in a namespace no mapping claims:
 * neither a crash nor a refusal, but a delivery parked for an operator, stored once.
 */
export function unusualButWellFormedXml(): { name: string; doc: Doc }[] {
  return [
    {
      name: "duplicated elements",
      doc: xml(`<Antrag xmlns="urn:corpus:test"><Name>A</Name><Name>B</Name><Leistung>1</Leistung><Leistung>2</Leistung></Antrag>`),
    },
    {
      name: "reordered elements",
      doc: xml(`<Antrag xmlns="urn:corpus:test"><Leistung>99050012104000</Leistung><Anschrift/><Antragsteller><Name>A</Name></Antragsteller></Antrag>`),
    },
    {
      name: "duplicated namespace prefixes",
      doc: xml(`<x:Antrag xmlns:x="urn:corpus:test" xmlns:y="urn:corpus:test"><x:Name>A</x:Name><y:Name>B</y:Name></x:Antrag>`),
    },
    {
      name: "comment and processing instruction between elements",
      doc: xml(`<?xml version="1.0"?><!-- c --><Antrag xmlns="urn:corpus:test"><?pi data?><Name>A<!-- inner --></Name></Antrag>`),
    },
  ];
}
