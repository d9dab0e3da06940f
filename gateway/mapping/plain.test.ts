import fc from "fast-check";
import jsonata from "jsonata";
import { describe, expect, it } from "vitest";
import { plainJson } from "./plain.ts";

const roundTrip = (v: object) => JSON.parse(JSON.stringify(v)) as unknown;

describe("plainJson copies like a JSON round trip", () => {
  it("for arbitrary objects with undefined, NaN, nested arrays and functions", () => {
    const value = fc.oneof(
      fc.jsonValue(),
      fc.constant(undefined),
      fc.array(fc.oneof(fc.integer(), fc.constant(undefined), fc.string())),
      fc.constant(() => 1),
      fc.constant(Number.NaN),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string(), value), (o) => {
        expect(plainJson(o)).toEqual(roundTrip(o));
      }),
      { numRuns: 500 },
    );
  });

  it("for JSONata results with sequence arrays and absent values", async () => {
    const r = (await jsonata('{ "a": x.y, "b": [1, nope, 2], "c": list.n, "d": list[0].n, "e": { "f": missing } }').evaluate({
      x: {},
      list: [{ n: "1" }, { n: "2" }],
    })) as object;
    expect(plainJson(r)).toEqual(roundTrip(r));
    expect(plainJson(r)).toEqual({ b: [1, 2], c: ["1", "2"], d: "1", e: {} });
  });

  it("keeps a __proto__ key as a key", () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as object;
    const out = plainJson(input);
    expect(Object.keys(out)).toEqual(["__proto__", "a"]);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe(JSON.stringify(input));
  });
});

describe("plainJson on numbers JSON cannot hold", () => {
  it("writes -0 as 0, NaN and infinities as null", () => {
    const out = plainJson({ a: -0, b: [-0, Number.NaN], c: { d: Number.POSITIVE_INFINITY } });
    expect(Object.is(out.a, 0)).toBe(true);
    expect(Object.is((out.b as unknown[])[0], 0)).toBe(true);
    expect(out).toEqual({ a: 0, b: [0, null], c: { d: null } });
  });
});
