import { describe, expect, it } from "vitest";
import { splitRecords } from "./records.ts";

describe("splitRecords", () => {
  const doc = { "abh.gewerbemeldung.0500": { nachrichtenkopf: { id: "k" }, satz: [{ n: 1 }, { n: 2 }, { n: 3 }] } };

  it("gives one document per record with the shared parts beside it", () => {
    const s = splitRecords(doc, "*.satz", true)!;
    expect(s.map((r) => [r.index, r.count])).toEqual([
      [0, 3],
      [1, 3],
      [2, 3],
    ]);
    expect(s[1]!.document).toEqual({ "abh.gewerbemeldung.0500": { nachrichtenkopf: { id: "k" }, satz: { n: 2 } } });
    expect(doc["abh.gewerbemeldung.0500"].satz).toHaveLength(3);
  });

  it("keeps JSON records in an array of one", () => {
    expect(splitRecords({ items: [{ a: 1 }, { a: 2 }] }, "items", false)![0]!.document).toEqual({ items: [{ a: 1 }] });
  });

  it("leaves a single record, a missing path and an ambiguous * alone", () => {
    expect(splitRecords({ m: { satz: { n: 1 } } }, "*.satz", true)).toBeUndefined();
    expect(splitRecords({ m: { satz: [{ n: 1 }] } }, "*.satz", true)).toBeUndefined();
    expect(splitRecords({ m: {} }, "*.satz", true)).toBeUndefined();
    expect(splitRecords({ a: { satz: [1, 2] }, b: {} }, "*.satz", true)).toBeUndefined();
  });
});
