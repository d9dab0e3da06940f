import type jsonata from "jsonata";
import { fastFunction, isFunctionName } from "./fast-functions.ts";
import { Fallback, Lambda, append, child, collapse, compare, concat, equal, includes, isSeq, lookup, seq, truthy, Frame, type Seq } from "./fast-runtime.ts";

/**
 * The fast path of a mapping: its JSONata expression compiled once into plain synchronous
 * closures, with JSONata's meaning (sequences, singleton unwrapping, predicates, object and
 * array constructors, blocks, lambdas, the functions in fast-functions.ts). JSONata's own
 * evaluator is asynchronous per node, which cost most of a mapping's time.
 *
 * Only the part of the language the mapping files use is compiled; an expression with any other
 * node gets no fast path (`undefined`), and an evaluation meeting a value it cannot handle to
 * the letter throws, so that the caller evaluates with JSONata instead. Either way the result is
 * JSONata's; a test runs every golden fixture through both and compares.
 */
export type FastExpression = (document: unknown, bindings: Record<string, unknown>) => unknown;

// The AST as JSONata builds it; its published typings leave out several node kinds.
type Node = { type: string; [key: string]: any };
type Fn = (input: unknown, frame: Frame) => unknown;

class Unsupported extends Error {}

/** Compiles an expression's AST, or `undefined` when it uses anything the fast path does not cover. */
export function compileFast(expression: jsonata.Expression): FastExpression | undefined {
  let body: Fn;
  const ast = expression.ast() as unknown as Node;
  bound = boundNames(ast);
  const calls = (called = new Set());
  try {
    body = compile(ast);
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
  return (document, bindings) => {
    if (Array.isArray(document)) throw new Fallback("a top-level array");
    // Calls were compiled knowing that the expression binds none of their names; a binding from
    // outside that does is left to JSONata.
    for (const name in bindings) if (calls.has(name)) throw new Fallback(`a binding named $${name}`);
    const frame = new Frame(undefined, bindings);
    frame.bind("$", document);
    return body(document, frame);
  };
}

const CHECKED = new Set([
  "type",
  "value",
  "position",
  "predicate",
  "keepArray",
  "stages",
  "steps",
  "keepSingletonArray",
  "consarray",
  "expressions",
  "lhs",
  "rhs",
  "condition",
  "then",
  "else",
  "procedure",
  "arguments",
  "body",
  "thunk",
  "signature",
  "lambdaSignature",
]);

// What the expression being compiled binds (`:=`, lambda parameters) and which function names
// it calls without binding them: such a call needs no look-up of its name at run time.
let bound = new Set<string>();
let called = new Set<string>();

function boundNames(n: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(n)) for (const x of n) boundNames(x, out);
  else if (n !== null && typeof n === "object" && !(n instanceof RegExp)) {
    const node = n as Node;
    if (node.type === "bind" && node.lhs?.type === "variable") out.add(node.lhs.value as string);
    if (node.type === "lambda") for (const a of (node.arguments ?? []) as Node[]) out.add(a.value as string);
    for (const k of Object.keys(node)) if (k !== "value") boundNames(node[k], out);
  }
  return out;
}

// Nodes whose value is never a sequence (literals, booleans and strings of operators, objects,
// arrays as constructed, functions): collapsing it changes nothing, so they go without the call.
const NEVER_SEQUENCE = new Set(["string", "number", "value", "binary", "unary"]);

/** Like JSONata's `evaluate`: the node, its predicates, then collapsing a sequence. */
function compile(n: Node): Fn {
  for (const k of Object.keys(n)) if (n[k] !== undefined && !CHECKED.has(k)) throw new Unsupported(`${k} on ${n.type}`);
  let f = core(n);
  const predicates = (n.predicate ?? []) as Node[];
  for (const p of predicates) {
    if (p.type !== "filter") throw new Unsupported(p.type);
    const inner = f;
    const filter = compileFilter(p.expr);
    f = (input, frame) => filter(inner(input, frame), frame);
  }
  const keep = n.keepArray === true;
  if (!keep && predicates.length === 0 && (NEVER_SEQUENCE.has(n.type) || (n.type === "lambda" && !n.thunk))) return f;
  // The most frequent nodes (field names, variables, paths, calls) collapse in the same call.
  if (predicates.length === 0 && n.type === "path") return compilePath(n, keep);
  if (predicates.length === 0 && n.type === "function") return compileCall(n, keep);
  if (predicates.length === 0 && n.type === "name") {
    const key = n.value as string;
    return (input) => {
      const v = lookup(input, key);
      return Array.isArray(v) ? collapse(v, keep) : v;
    };
  }
  if (predicates.length === 0 && n.type === "variable" && n.value !== "" && !isFunctionName(n.value as string)) {
    const name = n.value as string;
    return (_input, frame) => {
      const v = frame.get(name);
      return Array.isArray(v) ? collapse(v, keep) : v;
    };
  }
  const g = f;
  return (input, frame) => collapse(g(input, frame), keep);
}

function core(n: Node): Fn {
  switch (n.type) {
    case "string":
    case "number":
    case "value": {
      const v = n.value;
      return () => v;
    }
    case "name": {
      const key = n.value as string;
      return (input) => lookup(input, key);
    }
    case "variable": {
      const name = n.value as string;
      if (name === "") return (input) => input;
      if (!isFunctionName(name)) return (_input, frame) => frame.get(name);
      return (_input, frame) => {
        const v = frame.get(name);
        if (v === undefined) throw new Fallback(`$${name} as a value`);
        return v;
      };
    }
    case "path":
      return compilePath(n);
    case "descendant":
      return (input) => {
        if (input === undefined) return undefined;
        const out = seq();
        descend(input, out);
        return out.length === 1 ? out[0] : out;
      };
    case "condition": {
      const c = compile(n.condition);
      const t = compile(n.then);
      const e = n.else ? compile(n.else) : undefined;
      return (input, frame) => (truthy(c(input, frame)) ? t(input, frame) : e ? e(input, frame) : undefined);
    }
    case "block": {
      const parts = (n.expressions as Node[]).map(compile);
      return (input, frame) => {
        const inner = child(frame);
        let r: unknown;
        for (const p of parts) r = p(input, inner);
        return r;
      };
    }
    case "bind": {
      if (n.lhs.type !== "variable") throw new Unsupported("bind");
      const name = n.lhs.value as string;
      const rhs = compile(n.rhs);
      return (input, frame) => {
        const v = rhs(input, frame);
        frame.bind(name, v);
        return v;
      };
    }
    case "lambda": {
      if (n.signature) throw new Unsupported("lambda signature");
      // A tail call JSONata wraps to run it after the caller returns: the same value, run in place.
      if (n.thunk) return compile(n.body);
      const params = (n.arguments as Node[]).map((a) => a.value as string);
      const body = compile(n.body);
      return (input, frame) => new Lambda(params, body, frame, input);
    }
    case "function":
      return compileCall(n);
    case "binary":
      return compileBinary(n);
    case "unary":
      if (n.value === "[") return compileArray(n);
      if (n.value === "{") return compileObject(n.lhs as [Node, Node][]);
      throw new Unsupported(`unary ${n.value}`);
    default:
      throw new Unsupported(n.type);
  }
}

function descend(v: unknown, out: Seq): void {
  if (Array.isArray(v)) {
    for (const m of v) descend(m, out);
    return;
  }
  out.push(v);
  if (v instanceof Lambda) throw new Fallback("descendants of a function");
  if (v !== null && typeof v === "object") for (const k of Object.keys(v)) descend((v as Record<string, unknown>)[k], out);
}

/** A path; with `collapseAs`, its value already collapsed (keeping a singleton if true). */
function compilePath(n: Node, collapseAs?: boolean): Fn {
  const steps = n.steps as Node[];
  const fns = steps.map(compile);
  const stages = steps.map((s) =>
    ((s.stages ?? []) as Node[]).map((st) => {
      if (st.type !== "filter") throw new Unsupported(st.type);
      return compileFilter(st.expr);
    }),
  );
  const firstIsVariable = steps[0]!.type === "variable";
  const keepSingleton = n.keepSingletonArray === true;
  const last = steps.length - 1;
  const general = (current: unknown[], from: number, frame: Frame): Seq | undefined => {
    let result: Seq | undefined;
    for (let i = from; i <= last; i++) {
      if (i === 0 && steps[i]!.consarray) result = fns[0]!(current, frame) as Seq | undefined;
      else result = step(fns[i]!, stages[i]!, current, frame, i === last);
      if (result === undefined || result.length === 0) break;
      current = result;
    }
    if (keepSingleton) {
      if (result === undefined) throw new Fallback("kept singleton of nothing");
      if (Array.isArray(result) && result.cons && !result.sequence) result = seq(result);
      result.keepSingleton = true;
    }
    return result;
  };
  const simple = !keepSingleton && !steps[0]!.consarray && stages.every((s) => s.length === 0);
  if (!simple) {
    const whole: Fn = (input, frame) => general(Array.isArray(input) && !firstIsVariable ? input : seq(input), 0, frame);
    return collapseAs === undefined ? whole : (input, frame) => collapse(whole(input, frame), collapseAs);
  }
  // The usual path (`$gewerbe.anschrift.plz`) meets one value at each step: it is followed
  // without building a sequence per step, as long as no step gives an array; from there on the
  // general reading above takes over. Both give what `step` gives for a sequence of one.
  // Collapsing a sequence of nothing gives nothing; a filter of the path needs the sequence.
  const nothing = collapseAs === undefined && ((n.predicate ?? []) as Node[]).length > 0 ? () => seq() : () => undefined;
  const kept = n.keepArray === true;
  const done = collapseAs === undefined ? (r: Seq | undefined) => r : (r: Seq | undefined) => collapse(r, collapseAs);
  return (input, frame) => {
    if (Array.isArray(input) && !firstIsVariable) return done(general(input, 0, frame));
    let v = input;
    for (let i = 0; i <= last; i++) {
      const r = fns[i]!(v, frame);
      if (r === undefined) return nothing();
      if (Array.isArray(r)) {
        if (i === last && !isSeq(r)) return r;
        const out = seq();
        if ((r as Seq).cons) out.push(r);
        else for (const x of r) out.push(x);
        return done(out.length === 0 || i === last ? out : general(out, i + 1, frame));
      }
      v = r;
    }
    return kept ? done(seq(v)) : v;
  };
}

function step(f: Fn, filters: ((v: unknown, frame: Frame) => Seq)[], input: unknown[], frame: Frame, last: boolean): Seq {
  const results: unknown[] = [];
  for (const item of input) {
    let r = f(item, frame);
    for (const filter of filters) r = filter(r, frame);
    if (r !== undefined) results.push(r);
  }
  if (last && results.length === 1 && Array.isArray(results[0]) && !isSeq(results[0])) return results[0] as Seq;
  const out = seq();
  for (const r of results) {
    if (!Array.isArray(r) || (r as Seq).cons) out.push(r);
    else for (const x of r) out.push(x);
  }
  return out;
}

function compileFilter(p: Node): (v: unknown, frame: Frame) => Seq {
  if (p.type === "number") {
    const at = Math.floor(p.value as number);
    return (v) => {
      const input = Array.isArray(v) ? v : seq(v);
      const item = input[at < 0 ? input.length + at : at];
      if (item === undefined) return seq();
      return Array.isArray(item) ? (item as Seq) : seq(item);
    };
  }
  const pred = compile(p);
  return (v, frame) => {
    const input = Array.isArray(v) ? v : seq(v);
    const out = seq();
    input.forEach((item, index) => {
      let r = pred(item, frame);
      if (typeof r === "number") r = [r];
      if (Array.isArray(r) && r.length > 0 && r.every((x) => typeof x === "number")) {
        for (const x of r as number[]) {
          const i = Math.floor(x);
          if ((i < 0 ? input.length + i : i) === index) out.push(item);
        }
      } else if (truthy(r)) out.push(item);
    });
    return out;
  };
}

/** A call; with `collapseAs`, its value already collapsed (keeping a singleton if true). */
function compileCall(n: Node, collapseAs?: boolean): Fn {
  if (n.procedure.type !== "variable") throw new Unsupported("procedure");
  const name = n.procedure.value as string;
  const args: Fn[] = (n.arguments as Node[]).map((a) => {
    if (a.type !== "regex") return compile(a);
    const re = a.value as RegExp;
    const fresh = new RegExp(re.source, re.flags.replace("g", ""));
    return () => fresh;
  });
  const builtin = fastFunction(name);
  const local = bound.has(name);
  if (!local) called.add(name);
  const call: Fn = (input, frame) => {
    const proc = local ? frame.get(name) : undefined;
    const values = new Array<unknown>(args.length);
    for (let i = 0; i < args.length; i++) values[i] = args[i]!(input, frame);
    if (proc instanceof Lambda) return callLambda(proc, values);
    if (proc !== undefined || !builtin) throw new Fallback(`call of $${name}`);
    if (name !== "sift" && values.some((v) => v instanceof Lambda)) throw new Fallback("function argument");
    try {
      return builtin(values, input, callLambda);
    } catch (err) {
      throw err instanceof Fallback ? new Fallback(`$${name}: ${err.message}`) : err;
    }
  };
  if (collapseAs === undefined) return call;
  return (input, frame) => {
    const r = call(input, frame);
    return Array.isArray(r) ? collapse(r, collapseAs) : r;
  };
}

function callLambda(l: Lambda, values: unknown[]): unknown {
  const frame = child(l.frame);
  for (let i = 0; i < l.params.length; i++) frame.bind(l.params[i]!, values[i]);
  return l.body(l.input, frame);
}

function compileBinary(n: Node): Fn {
  const op = n.value as string;
  const l = compile(n.lhs);
  const r = compile(n.rhs);
  switch (op) {
    case "and":
      return (input, frame) => Boolean(truthy(l(input, frame))) && Boolean(truthy(r(input, frame)));
    case "or":
      return (input, frame) => Boolean(truthy(l(input, frame))) || Boolean(truthy(r(input, frame)));
    case "=":
      return (input, frame) => equal(l(input, frame), r(input, frame));
    case "!=": {
      return (input, frame) => {
        const a = l(input, frame);
        const b = r(input, frame);
        return a === undefined || b === undefined ? false : !equal(a, b);
      };
    }
    case "<":
    case "<=":
    case ">":
    case ">=":
      return (input, frame) => compare(op, l(input, frame), r(input, frame));
    case "&":
      return (input, frame) => concat(l(input, frame), r(input, frame));
    case "in":
      return (input, frame) => includes(l(input, frame), r(input, frame));
    default:
      throw new Unsupported(`operator ${op}`);
  }
}

function compileArray(n: Node): Fn {
  const items = (n.expressions as Node[]).map((e) => ({ nested: e.type === "unary" && e.value === "[", f: compile(e) }));
  const cons = n.consarray === true;
  return (input, frame) => {
    const out: unknown[] = [];
    for (const item of items) {
      const v = item.f(input, frame);
      if (v === undefined) continue;
      // What `$append` gives, filled in place rather than copied for every item.
      if (item.nested || !Array.isArray(v)) out.push(v);
      else for (const x of v) out.push(x);
    }
    if (cons) (out as Seq).cons = true;
    return out;
  };
}

/** JSONata's object constructor: input items grouped by key, each value evaluated on its group. */
function compileObject(pairs: [Node, Node][]): Fn {
  const compiled = pairs.map(([k, v]) => ({ key: compile(k), value: compile(v) }));
  // Literal, distinct keys on one item (the usual `{ "name": ... }`): every pair makes its own
  // group of that one item, so the grouping below would change nothing.
  const literal = pairs.map(([k]) => (k.type === "string" ? (k.value as string) : undefined));
  const plain = literal.every((k) => k !== undefined && k !== "_jsonata_lambda" && k !== "_jsonata_function") && new Set(literal).size === literal.length;
  if (plain) {
    const keys = literal as string[];
    // An ordinary object unless a key would set its prototype: one without a prototype is kept
    // as a dictionary by V8, slower to fill and to read.
    const make = keys.includes("__proto__") ? () => Object.create(null) as Record<string, unknown> : () => ({}) as Record<string, unknown>;
    return (input, frame) => {
      if (Array.isArray(input)) return grouped(input, frame);
      const out = make();
      for (let i = 0; i < keys.length; i++) {
        const v = compiled[i]!.value(input, frame);
        if (v !== undefined) out[keys[i]!] = v;
      }
      return out;
    };
  }
  const grouped: Fn = (input, frame) => {
    // An empty input still builds the object once, so that a literal object comes out.
    const items = Array.isArray(input) ? (input.length > 0 ? input : [undefined]) : [input];
    const groups: Record<string, { data: unknown; index: number }> = Object.create(null);
    for (const item of items) {
      compiled.forEach((pair, index) => {
        const key = pair.key(item, frame);
        if (key === undefined) return;
        if (typeof key !== "string" || key === "_jsonata_lambda" || key === "_jsonata_function") throw new Fallback("object key");
        const g = groups[key];
        if (!g) groups[key] = { data: item, index };
        else if (g.index !== index) throw new Fallback("one key from two expressions");
        else g.data = append(g.data, item);
      });
    }
    const out: Record<string, unknown> = Object.create(null);
    for (const key of Object.keys(groups)) {
      const g = groups[key]!;
      const v = compiled[g.index]!.value(g.data, frame);
      if (v !== undefined) out[key] = v;
    }
    return out;
  };
  return grouped;
}
