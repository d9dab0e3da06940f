import { describe, expect, it } from "vitest";
import { jsonDepth, parseJson } from "./json.ts";

const nested = (levels: number) => Buffer.from(`${'{"a":['.repeat(levels)}1${"]}".repeat(levels)}`);

describe("JSON with a depth limit", () => {
  it("counts arrays and objects, not brackets in strings or escaped quotes", () => {
    expect(jsonDepth(Buffer.from("1"), 64)).toBe(0);
    expect(jsonDepth(Buffer.from('{"a":[{"b":"[[[{{"}]}'), 64)).toBe(3);
    expect(jsonDepth(Buffer.from('["\\"[[[", "\\\\", [[]]]'), 64)).toBe(3);
    expect(jsonDepth(Buffer.from('{"Straße ü€😀":[["{"]]}'), 64)).toBe(3);
  });

  it("accepts the limit and refuses one level more, naming the limit", () => {
    expect(parseJson(Buffer.from(`${"[".repeat(10)}${"]".repeat(10)}`), 10).ok).toBe(true);
    expect(parseJson(Buffer.from(`${"[".repeat(11)}${"]".repeat(11)}`), 10)).toEqual({
      ok: false,
      detail: "JSON nested deeper than 10 levels (limits.jsonDepth)",
    });
  });

  it("refuses 100,000 levels at once, without recursion", () => {
    const r = parseJson(nested(100_000), 100);
    expect(r.ok).toBe(false);
  });

  it("still refuses what is no JSON or no UTF-8", () => {
    expect(parseJson(Buffer.from("{"), 64)).toMatchObject({ ok: false, detail: expect.stringMatching(/^not valid UTF-8 JSON/) });
    expect(parseJson(Buffer.from([0x22, 0xff, 0x22]), 64).ok).toBe(false);
  });
});
