/**
 * Values and helpers of the synchronous fast path (fast.ts), with JSONata's meaning: sequences
 * are arrays flagged `sequence` that collapse to their single item, `cons` marks an array
 * written in the expression. Whatever these helpers are not sure to read exactly as JSONata
 * does, they refuse with `Fallback`, and the mapping is then evaluated by JSONata itself.
 */

/** Thrown where the fast path would not match JSONata to the letter; the caller re-evaluates with JSONata. */
export class Fallback extends Error {}

export type Seq = unknown[] & { sequence?: boolean; keepSingleton?: boolean; cons?: boolean };

export function seq(...items: unknown[]): Seq {
  const s = items as Seq;
  s.sequence = true;
  return s;
}

export function isSeq(v: unknown): v is Seq {
  return Array.isArray(v) && (v as Seq).sequence === true;
}

/** A JSONata lambda: parameters, body and the frame it closes over. */
export class Lambda {
  constructor(
    readonly params: string[],
    readonly body: (input: unknown, frame: Frame) => unknown,
    readonly frame: Frame,
    readonly input: unknown,
  ) {}
}

/** What a frame stores for a variable bound to nothing (`$x := ()`), which hides an outer `$x`. */
const UNBOUND = Symbol("unbound");

/**
 * Variables by name; a child frame sees its parents'. Maps rather than objects chained by
 * prototype: V8 makes objects used as prototypes slow to change, and frames change all the time.
 */
export class Frame {
  // Made on the first binding: most frames (a block without `:=`, a call) bind little or nothing.
  private vars: Map<string, unknown> | undefined;
  /** The root frame reads the evaluation's bindings where they are rather than copying them. */
  constructor(
    private readonly parent?: Frame,
    private readonly bindings?: Record<string, unknown>,
  ) {}

  get(name: string): unknown {
    const vars = this.vars;
    if (vars) {
      // One look-up per frame: a name bound to nothing is stored as UNBOUND, not as undefined.
      const v = vars.get(name);
      if (v !== undefined) return v === UNBOUND ? undefined : v;
    }
    if (this.bindings) return Object.hasOwn(this.bindings, name) ? this.bindings[name] : undefined;
    return this.parent?.get(name);
  }

  bind(name: string, value: unknown): void {
    (this.vars ??= new Map()).set(name, value === undefined ? UNBOUND : value);
  }
}

export function child(frame: Frame): Frame {
  return new Frame(frame);
}

/** The value a JSONata node hands on: empty sequences vanish, singletons unwrap unless kept. */
export function collapse(result: unknown, keepArray: boolean): unknown {
  if (!isSeq(result)) return result;
  if (keepArray) result.keepSingleton = true;
  if (result.length === 0) return undefined;
  if (result.length === 1) return result.keepSingleton ? result : result[0];
  return result;
}

/** JSONata's `lookup`: a field of an object, or of every object in an array, flattened. */
export function lookup(input: unknown, key: string): unknown {
  if (Array.isArray(input)) {
    const out = seq();
    for (const item of input) {
      const r = lookup(item, key);
      if (r === undefined) continue;
      if (Array.isArray(r)) for (const x of r) out.push(x);
      else out.push(r);
    }
    return out;
  }
  if (input === null || typeof input !== "object") return undefined;
  // Read first: most names a mapping asks for are absent, and then one look-up is enough. What
  // is found must be the object's own (not `constructor` from its prototype).
  const v = (input as Record<string, unknown>)[key];
  return v !== undefined && !(input instanceof Lambda) && Object.prototype.hasOwnProperty.call(input, key) ? v : undefined;
}

/** JSONata's truthiness (`fn.boolean`). */
export function truthy(v: unknown): boolean | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v)) {
    if (v.length === 1) return truthy(v[0]);
    return v.length > 1 && v.some((x) => truthy(x));
  }
  if (typeof v === "string") return v.length > 0;
  if (typeof v === "number") {
    if (v === Infinity || v === -Infinity) throw new Fallback("infinite number");
    return !Number.isNaN(v) && v !== 0;
  }
  if (typeof v === "boolean") return v;
  if (v instanceof Lambda || typeof v === "function") throw new Fallback("truth of a function");
  if (v !== null && typeof v === "object") return Object.keys(v).length > 0;
  return false;
}

/** JSONata's `$append`. */
export function append(a: unknown, b: unknown): unknown {
  if (a === undefined) return b;
  if (b === undefined) return a;
  // Copied by hand: `concat` takes V8's slow path for arrays with properties (sequence flags),
  // which cost more than the rest of a mapping's arrays. The result is a plain array, as there.
  const out: unknown[] = [];
  if (Array.isArray(a)) for (const x of a) out.push(x);
  else out.push(a);
  if (Array.isArray(b)) for (const x of b) out.push(x);
  else out.push(b);
  return out;
}

/** JSONata's `=`: false beside an absent value, else deep equality. */
export function equal(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return false;
  return deepEqual(a, b);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  throw new Fallback("deep equality of objects");
}

export function compare(op: string, a: unknown, b: unknown): boolean | undefined {
  const ok = (v: unknown) => v === undefined || typeof v === "string" || typeof v === "number";
  if (!ok(a) || !ok(b)) throw new Fallback("comparison of non-comparable values");
  if (a === undefined || b === undefined) return undefined;
  if (typeof a !== typeof b) throw new Fallback("comparison of mixed types");
  if (typeof a === "number" && !(Number.isFinite(a) && Number.isFinite(b as number))) throw new Fallback("comparison of a non-finite number");
  const x = a as string | number;
  const y = b as string | number;
  return op === "<" ? x < y : op === "<=" ? x <= y : op === ">" ? x > y : x >= y;
}

export function includes(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return false;
  const list = Array.isArray(b) ? b : [b];
  return list.some((x) => x === a);
}

/** JSONata's `$string` of a scalar (15 significant digits); structures fall back. */
export function text(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return JSON.stringify(Number(v.toPrecision(15)));
  if (typeof v === "boolean" || v === null) return String(v);
  throw new Fallback("string of a structure");
}

/** `&` joins the strings of both sides, nothing for an absent one. */
export function concat(a: unknown, b: unknown): string {
  return (a === undefined ? "" : text(a)) + (b === undefined ? "" : text(b));
}
