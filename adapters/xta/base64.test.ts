import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { base64Slices } from "./base64.ts";

const decode = (b64: string, sliceChars?: number) => Buffer.concat([...base64Slices(b64, sliceChars)]);

describe("base64Slices", () => {
  const bytes = randomBytes(10_001);
  const plain = bytes.toString("base64");

  it("gives the same bytes as a whole decode, for any slice size", () => {
    for (const slice of [4, 8, 12, 1000, 4096, 1 << 20]) expect(decode(plain, slice).equals(bytes)).toBe(true);
  });

  it("skips the line breaks of wrapped base64 even where they split a quantum", () => {
    const wrapped = plain.replace(/.{76}/g, "$&\r\n");
    for (const slice of [4, 76, 77, 1000]) expect(decode(wrapped, slice).equals(bytes)).toBe(true);
    expect(decode(`  \n${plain}\n  `, 64).equals(bytes)).toBe(true);
  });

  it("yields slices no larger than asked for", () => {
    const sizes = [...base64Slices(plain, 1024)].map((b) => b.byteLength);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(768);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(bytes.byteLength);
  });

  it("decodes empty content to nothing", () => {
    expect([...base64Slices("")]).toEqual([]);
    expect([...base64Slices(" \n ")]).toEqual([]);
  });
});
