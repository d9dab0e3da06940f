import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { DOMParser, type Node as XmlNode } from "@xmldom/xmldom";
import { describe, expect, it } from "vitest";
import { MappingSet } from "../gateway/mapping/engine.ts";
import { readFixtureInput } from "../gateway/mapping/fixture.ts";
import { REPO } from "../test/support/config.ts";

/**
 * Lossless, checked from the outside: for every fixture of every format, each leaf value of the
 * source (JSON values; XML text and attribute values as an independent parser, xmldom, reads
 * them) appears among the leaf values of the applications ozg-hub publishes for it. A parked
 * fixture (an error expectation) publishes nothing and is skipped; a record split into several
 * applications must lose nothing across them.
 */
const MAPPINGS = path.join(REPO, "mappings");

async function fixtures(): Promise<{ format: string; file: string }[]> {
  const out: { format: string; file: string }[] = [];
  for (const format of (await readdir(MAPPINGS, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name)) {
    const dir = path.join(MAPPINGS, format, "fixtures");
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const n of names.filter((n) => /\.input\.(json|xml)$/.test(n)).sort()) out.push({ format, file: path.join(dir, n) });
  }
  return out;
}

function jsonLeaves(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => jsonLeaves(x, out));
  else if (v !== null && typeof v === "object") Object.values(v).forEach((x) => jsonLeaves(x, out));
  else out.push(String(v));
  return out;
}

function xmlLeaves(text: string): string[] {
  const out: string[] = [];
  const walk = (n: XmlNode) => {
    if (n.nodeType === 3 || n.nodeType === 4) {
      const t = (n.nodeValue ?? "").trim();
      if (t) out.push(t);
    }
    if (n.nodeType === 1) {
      const el = n as unknown as { attributes: { length: number; item(i: number): { name: string; value: string } } };
      for (let i = 0; i < el.attributes.length; i++) {
        const a = el.attributes.item(i);
        // Namespace declarations are how the document is written, not what it says.
        if (a.name !== "xmlns" && !a.name.startsWith("xmlns:")) out.push(a.value.trim());
      }
    }
    for (let c = n.firstChild; c; c = c.nextSibling) walk(c);
  };
  walk(new DOMParser().parseFromString(text, "application/xml"));
  return out;
}

describe("every fixture's source values reach its events", async () => {
  const loaded = await MappingSet.load(MAPPINGS);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const set = loaded.set;
  const all = await fixtures();

  it("finds fixtures of every format", () => {
    expect(new Set(all.map((f) => f.format)).size).toBeGreaterThanOrEqual(8);
  });

  for (const f of all) {
    it(`${f.format}/${path.basename(f.file)}`, async () => {
      const read = await readFixtureInput(f.file);
      if (!read.ok) throw new Error(read.message);
      const input = read.input;
      if (!input.format && set.get(f.format)?.def.match.format !== undefined) input.format = f.format;
      const outcome = await set.map(input);
      const expectedFile = f.file.replace(/\.input\.[^.]+$/, ".expected.json");
      const expected = JSON.parse(await readFile(expectedFile, "utf8")) as unknown;
      if (!outcome.ok) {
        // Parked, and meant to be: nothing is published, so nothing can be lost.
        expect(expected).toMatchObject({ error: expect.any(String) });
        return;
      }
      const text = await readFile(f.file, "utf8");
      const source = f.file.endsWith(".xml") ? xmlLeaves(text) : jsonLeaves(JSON.parse(text));
      const published = new Set(jsonLeaves(outcome.applications.map((a) => ({ id: "x", ...a }))).map((s) => s.trim()));
      const missing = [...new Set(source)].filter((v) => !published.has(v));
      expect(missing).toEqual([]);
      expect(source.length).toBeGreaterThan(0);
    });
  }
});
