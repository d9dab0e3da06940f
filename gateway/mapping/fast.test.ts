import { readdir } from "node:fs/promises";
import path from "node:path";
import jsonata from "jsonata";
import { describe, expect, it } from "vitest";
import { REPO } from "../../test/support/config.ts";
import { registerFunctions } from "./compile.ts";
import { MappingSet, bindings } from "./engine.ts";
import { compileFast } from "./fast.ts";
import { Fallback } from "./fast-runtime.ts";
import { readFixtureInput } from "./fixture.ts";
import { plainJson } from "./plain.ts";
import { splitRecords } from "./records.ts";

type Outcome = { value: unknown } | { error: string } | { fallback: string };

async function viaJsonata(expr: jsonata.Expression, doc: unknown, vars: Record<string, unknown>): Promise<Outcome> {
  try {
    return { value: plainJson({ v: await expr.evaluate(doc, vars) }) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function viaFast(expr: jsonata.Expression, doc: unknown, vars: Record<string, unknown>): Outcome {
  const fast = compileFast(expr);
  if (!fast) return { fallback: "not compiled" };
  try {
    return { value: plainJson({ v: fast(doc, vars) }) };
  } catch (err) {
    return err instanceof Fallback ? { fallback: err.message } : { error: (err as Error).message };
  }
}

// Cases (or whole formats) the fast path hands to JSONata on purpose, and why.
const EXPECTED_FALLBACK: Record<string, string> = {
  "xgewerbeanzeige-1": "every 1.x document calls $error, whose message JSONata words",
};
const expectsFallback = (name: string) => EXPECTED_FALLBACK[name] ?? EXPECTED_FALLBACK[name.split("/")[0]!];

describe("the fast path gives JSONata's result for every golden fixture", async () => {
  const loaded = await MappingSet.load(path.join(REPO, "mappings"));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const set = loaded.set;

  it("compiles every mapping file and match rule", () => {
    expect(set.mappings.filter((m) => !m.fast || (m.when && !m.fastWhen)).map((m) => m.id)).toEqual([]);
  });

  for (const m of set.mappings) {
    const dir = path.join(REPO, "mappings", m.id, "fixtures");
    const files = (await readdir(dir)).filter((f) => /\.input\.(json|xml)$/.test(f)).sort();
    for (const file of files) {
      const name = `${m.id}/${file.replace(/\.input\.\w+$/, "")}`;
      it(name, async () => {
        const read = await readFixtureInput(path.join(dir, file));
        if (!read.ok) throw new Error(read.message);
        const input = read.input;
        const slices = m.def.records ? splitRecords(input.document, m.def.records, input.xml !== undefined) : undefined;
        const docs = slices ? slices.map((s) => s.document) : [input.document];
        const fallbacks: string[] = [];
        for (const doc of docs) {
          const vars = bindings({ ...input, document: doc });
          const exprs = m.when ? [m.expression, m.when] : [m.expression];
          for (const expr of exprs) {
            const slow = await viaJsonata(expr, doc, vars);
            const fast = viaFast(expr, doc, vars);
            if ("fallback" in fast) fallbacks.push(fast.fallback);
            else expect(fast).toEqual(slow);
          }
        }
        if (expectsFallback(name)) expect(fallbacks.length).toBeGreaterThan(0);
        else expect(fallbacks).toEqual([]);
      });
    }
  }
});

describe("the fast path reads JSONata's corner cases as JSONata does", () => {
  const doc = {
    a: [
      { b: 1, c: "x" },
      { b: 2, c: "y" },
      { b: 3, c: ["z", "w"] },
    ],
    one: [{ k: "v" }],
    o: { p: { q: "r" }, empty: {}, s: "" },
    list: ["1", "2"],
  };
  const cases = [
    "a.b",
    "a[0].b",
    "a[-1].c",
    "a[b > 1].c",
    "a.c",
    "a.c[0]",
    "(a.c)[0]",
    "a[c = 'y'].b",
    "one.k",
    "one[].k",
    "a.b[]",
    "[a.b]",
    "[a.b, [1, 2], 'x'][1]",
    "a.{ 'b': b, 'c': c }",
    "a[b < 3].{ c: b }",
    "{ 'all': a.b, 'none': nothing, 'lit': 1 }",
    "o.p.q & '-' & o.s & nothing",
    "o.empty ? 'yes' : 'no'",
    "o.s ? 'yes' : 'no'",
    "list ? 'yes'",
    "'2' in list",
    "nothing = nothing",
    "a.b = 2",
    "$count(a.b) & ':' & $string(a[0].b) & $string(true)",
    "($x := a[b = 2]; $x.c)",
    "($f := function($v) { $v.b }; $f(a[0]) & $f(a[1]))",
    "$lookup(o, 'p').q",
    "$merge(a[b < 3].{ c: b })",
    "$append(a.b, list)",
    "a.**.c",
    "$sift(o, function($v, $k) { $type($v) = 'string' and $k = 's' })",
    "$substring('Müller', -3, 2)",
    "$not(o.s) and $exists(o.p)",
    "$split('a|b|c', '|')[1]",
    "$contains('x@y', /@/)",
    "$type(o) & $type(list) & $type(a.b)",
    "$keys(o)",
    // Only an object's own fields are read, never its prototype's.
    "[o.constructor, $lookup(o, 'toString'), o.__proto__, $exists(a.hasOwnProperty)]",
    // A variable bound to nothing hides an outer one of its name, in a block as in a call.
    "($x := 1; ($x := o.nothing; $exists($x)) ? 'hidden' : $x)",
    "($x := 1; $f := function($x) { $exists($x) ? $x : 'none' }; $f(o.nothing) & $x)",
  ];
  for (const source of cases) {
    it(source, async () => {
      const expr = registerFunctions(jsonata(source));
      const fast = viaFast(expr, doc, {});
      expect(fast).not.toHaveProperty("fallback");
      expect(fast).toEqual(await viaJsonata(expr, doc, {}));
    });
  }

  it("leaves to JSONata what it does not cover", async () => {
    expect(compileFast(jsonata("a ~> $uppercase()"))).toBeUndefined();
    expect(compileFast(jsonata("a^(b)"))).toBeUndefined();
    expect(compileFast(jsonata("a{ 'x': b }"))).toBeUndefined();
    for (const source of ["$string(o)", "$exists($uppercase)", "$exists($isoDate)"]) {
      expect(viaFast(registerFunctions(jsonata(source)), doc, {}), source).toHaveProperty("fallback");
    }
  });
});
