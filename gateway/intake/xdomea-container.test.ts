import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { limitsSchema } from "../config/schema.ts";
import { isZip, openXdomeaContainer } from "./xdomea-container.ts";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const fixture = (name: string) => readFileSync(path.join(HERE, "fixtures/xdomea-zip", name));
const MESSAGE = "5f3a9c1e-8b2d-4e6f-a017-2c4b6d8e0f12_Geschaeftsgang.Geschaeftsgang.0201";
const limits = limitsSchema.parse({});
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function bytesOf(content: unknown): Promise<Buffer> {
  if (content instanceof Uint8Array) return Buffer.from(content);
  const parts: Uint8Array[] = [];
  for await (const p of content as AsyncIterable<Uint8Array>) parts.push(p);
  return Buffer.concat(parts);
}

describe("xdomea ZIP containers", () => {
  it("reads the message as the document and keeps every primary document and the container", async () => {
    const zip = fixture(`${MESSAGE}.zip`);
    expect(isZip(zip)).toBe(true);
    const opened = await openXdomeaContainer(zip, undefined, limits);
    if (!opened.ok) throw new Error(JSON.stringify(opened.refusal));
    const c = opened.container;
    expect(c.documentName).toBe(`${MESSAGE}.xml`);
    expect(sha(c.document)).toBe(sha(readFileSync(path.join(HERE, "../../mappings/xdomea/fixtures/gewerbeanmeldung-kiel-2-4.input.xml"))));
    expect(c.attachments.map((a) => [a.name, a.contentType, a.group])).toEqual([
      ["7e2b1a90_Antrag.pdf", "application/pdf", "primaerdokument"],
      ["1f9e8d7c_Aufenthaltstitel.jpg", "image/jpeg", "primaerdokument"],
      [`${MESSAGE}.zip`, "application/zip", "container"],
    ]);
    expect((await bytesOf(c.attachments[0]!.content)).subarray(0, 8).toString()).toBe("%PDF-1.4");
    expect(sha(await bytesOf(c.attachments[2]!.content))).toBe(sha(zip));
    expect(c.metadata).toEqual({
      container: { name: `${MESSAGE}.zip`, message: `${MESSAGE}.xml`, files: ["7e2b1a90_Antrag.pdf", "1f9e8d7c_Aufenthaltstitel.jpg"] },
    });
  });

  it.each([
    ["bomb-ratio.zip", { kind: "malformed", detail: expect.stringMatching(/7e2b1a90_Antrag\.pdf would inflate \d+ times .*zip bomb/) }],
    ["bomb-entries.zip", { kind: "too_large", what: "attachments", limit: 100 }],
    ["bomb-traversal.zip", { kind: "malformed", detail: expect.stringContaining("invalid relative path: ../../7e2b1a90_Antrag.pdf") }],
    ["bomb-absolute.zip", { kind: "malformed", detail: expect.stringContaining("absolute path: /tmp/7e2b1a90_Antrag.pdf") }],
    ["bomb-duplicate.zip", { kind: "malformed", detail: "ZIP container: the name 7E2B1A90_Antrag.PDF appears twice" }],
    ["bomb-nested.zip", { kind: "malformed", detail: "ZIP container: 7e2b1a90_Antrag.pdf is itself a ZIP archive; nested archives are not unpacked" }],
    ["bomb-nested-named.zip", { kind: "malformed", detail: "ZIP container: anlagen.zip is an archive; nested archives are not unpacked" }],
    ["no-message.zip", { kind: "malformed", detail: "ZIP container: no xdomea message (<ProzessID>_<Nachrichtentyp>.xml) at its root" }],
    // Declares 1000 bytes, inflates to 4 MiB: inflating stops at the declared size.
    ["bomb-lying-size.zip", { kind: "malformed", detail: expect.stringContaining("too many bytes in the stream") }],
  ])("refuses %s", async (name, refusal) => {
    expect(await openXdomeaContainer(fixture(name), name, limits)).toEqual({ ok: false, refusal });
  });

  it("refuses what is not a ZIP archive, and a container beyond the delivery limit", async () => {
    expect(await openXdomeaContainer(Buffer.from("PK\x03\x04 but no archive"), undefined, limits)).toMatchObject({
      ok: false,
      refusal: { kind: "malformed", detail: expect.stringContaining("not a readable ZIP archive") },
    });
    const small = limitsSchema.parse({ deliveryBytes: 8000 });
    expect(await openXdomeaContainer(fixture(`${MESSAGE}.zip`), undefined, small)).toEqual({
      ok: false,
      refusal: { kind: "too_large", what: "delivery", limit: 8000 },
    });
  });
});
