import { Fallback, Lambda, append, isSeq, lookup, seq, text, truthy } from "./fast-runtime.ts";
import { mappingFunctions } from "./functions.ts";

/**
 * The functions the fast path calls without JSONata: the JSONata built-ins the mapping files use
 * and the project's own (functions.ts). `input` is the context, which a `-` in a JSONata
 * signature lets stand in for a missing first argument. Arguments of a kind a signature would
 * refuse, coerce or that these do not read exactly as JSONata does fall back.
 */
export type FastFunction = (args: unknown[], input: unknown, call: (fn: Lambda, args: unknown[]) => unknown) => unknown;

const str = (v: unknown): v is string | undefined => v === undefined || typeof v === "string";

/**
 * The arguments with the context in front where the first is left out. Only a call without any
 * argument is read that way here: with some given, which one JSONata takes as missing depends on
 * their types, and those calls are left to it.
 */
function withContext(args: unknown[], input: unknown, arity: number): unknown[] {
  if (args.length >= arity) return args;
  if (args.length > 0 || arity > 1) throw new Fallback("context argument beside others");
  return [input];
}

function need(ok: boolean): void {
  if (!ok) throw new Fallback("argument outside the fast path");
}

const JSON_NUMBER = /^-?(0|([1-9][0-9]*))(\.[0-9]+)?([Ee][-+]?[0-9]+)?$/;

const builtins: Record<string, FastFunction> = {
  lookup(args, input) {
    const [obj, key] = withContext(args, input, 2);
    need(args.length <= 2 && (typeof key === "string" || key === undefined));
    // An absent key reads the property "undefined", as JavaScript (and so JSONata) does.
    return lookup(obj, String(key));
  },
  exists(args) {
    need(args.length === 1);
    return args[0] !== undefined;
  },
  not(args, input) {
    const [v] = withContext(args, input, 1);
    need(args.length <= 1);
    return v === undefined ? undefined : !truthy(v);
  },
  count(args) {
    need(args.length === 1);
    const v = args[0];
    return v === undefined ? 0 : Array.isArray(v) ? v.length : 1;
  },
  number(args, input) {
    const [v] = withContext(args, input, 1);
    need(args.length <= 1);
    if (v === undefined || typeof v === "number") return v;
    if (typeof v === "boolean") return v ? 1 : 0;
    need(typeof v === "string" && JSON_NUMBER.test(v));
    return Number(v);
  },
  string(args, input) {
    const [v] = withContext(args, input, 1);
    need(args.length <= 1);
    return v === undefined ? undefined : text(v);
  },
  keys(args) {
    need(args.length === 1 && !Array.isArray(args[0]) && !(args[0] instanceof Lambda));
    const v = args[0];
    return v !== null && typeof v === "object" ? seq(...Object.keys(v)) : seq();
  },
  sift(args, input, call) {
    const [obj, fn] = withContext(args, input, 2);
    need(args.length <= 2 && fn instanceof Lambda && !Array.isArray(obj) && (obj === undefined || (obj !== null && typeof obj === "object")));
    const f = fn as Lambda;
    const out: Record<string, unknown> = {};
    for (const key in obj as object) {
      const entry = (obj as Record<string, unknown>)[key];
      // The function gets as many of (value, key, object) as it has parameters.
      if (truthy(call(f, [entry, key, obj].slice(0, Math.max(1, f.params.length))))) out[key] = entry;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  },
  type(args) {
    need(args.length === 1);
    const v = args[0];
    if (v === undefined) return undefined;
    if (v === null) return "null";
    if (Array.isArray(v)) return "array";
    need(typeof v !== "function" && typeof v !== "bigint");
    return typeof v === "object" ? "object" : typeof v;
  },
  split(args, input) {
    const [s, sep] = withContext(args, input, 2);
    need(args.length <= 2 && str(s) && typeof sep === "string");
    return s === undefined ? undefined : (s as string).split(sep as string);
  },
  contains(args, input) {
    const [s, pattern] = withContext(args, input, 2);
    need(args.length <= 2 && str(s) && (typeof pattern === "string" || pattern instanceof RegExp));
    if (s === undefined) return undefined;
    return typeof pattern === "string" ? (s as string).includes(pattern) : (pattern as RegExp).test(s as string);
  },
  substring(args, input) {
    const [s, from, length] = withContext(args, input, 2);
    const int = (v: unknown) => typeof v === "number" && Number.isInteger(v);
    // Code points, as JSONata counts them; strings with surrogates are left to JSONata.
    need(args.length <= 3 && str(s) && int(from) && (length === undefined || int(length)) && !/[\uD800-\uDFFF]/.test(s ?? ""));
    if (s === undefined) return undefined;
    const chars = Array.from(s as string);
    let start = from as number;
    if (chars.length + start < 0) start = 0;
    if (length === undefined) return chars.slice(start).join("");
    if ((length as number) <= 0) return "";
    return chars.slice(start, start >= 0 ? start + (length as number) : chars.length + start + (length as number)).join("");
  },
  substringAfter(args, input) {
    const [s, chars] = withContext(args, input, 2);
    need(args.length <= 2 && str(s) && typeof chars === "string");
    if (s === undefined) return undefined;
    const at = (s as string).indexOf(chars as string);
    return at > -1 ? (s as string).slice(at + (chars as string).length) : s;
  },
  substringBefore(args, input) {
    const [s, chars] = withContext(args, input, 2);
    need(args.length <= 2 && str(s) && typeof chars === "string");
    if (s === undefined) return undefined;
    const at = (s as string).indexOf(chars as string);
    return at > -1 ? (s as string).slice(0, at) : s;
  },
  append(args) {
    need(args.length === 2);
    return append(args[0], args[1]);
  },
  merge(args) {
    need(args.length === 1);
    const v = args[0];
    if (v === undefined) return undefined;
    const out: Record<string, unknown> = {};
    for (const o of Array.isArray(v) ? v : [v]) {
      need(o !== null && typeof o === "object" && !Array.isArray(o) && !Object.prototype.hasOwnProperty.call(o, "__proto__"));
      Object.assign(out, o);
    }
    return out;
  },
};

/** Checks for the project's functions, by their signatures in functions.ts. */
const scalar = (v: unknown) => str(v) || typeof v === "number";
const registered: Record<string, FastFunction> = {};
for (const [name, fn] of Object.entries(mappingFunctions)) {
  const impl = fn.impl as (...a: unknown[]) => unknown;
  const sig = fn.signature;
  registered[name] =
    sig === "<s-:s>" || sig === "<s-:o>" || sig === "<(sn)-:s>"
      ? (args, input) => {
          const a = withContext(args, input, 1);
          need(args.length <= 1 && (sig === "<(sn)-:s>" ? scalar(a[0]) : str(a[0])));
          return impl(a[0]);
        }
      : sig === "<x+:s>"
        ? (args) => {
            need(args.length >= 1);
            return impl(...args);
          }
        : sig === "<x(sa)+:x>" || sig === "<x(sa)+:a>"
          ? (args) => {
              need(args.length >= 2 && args.slice(1).every((a) => typeof a === "string" || (Array.isArray(a) && !isSeq(a))));
              return impl(...args);
            }
          : sig === "<x:o>"
            ? (args) => {
                need(args.length === 1);
                return impl(args[0]);
              }
            : () => {
                throw new Fallback(`signature ${sig}`);
              };
}

/** The function a `$name(...)` call reaches when no variable of that name is bound. */
export function fastFunction(name: string): FastFunction | undefined {
  return Object.prototype.hasOwnProperty.call(registered, name)
    ? registered[name]
    : Object.prototype.hasOwnProperty.call(builtins, name)
      ? builtins[name]
      : undefined;
}

// JSONata's own function names (its static frame, plus the per-evaluation `$now` and `$millis`).
const JSONATA_FUNCTIONS = new Set(
  "sum count max min average string substring substringBefore substringAfter lowercase uppercase length trim pad match contains replace split join formatNumber formatBase formatInteger parseInteger number floor ceil round abs sqrt power random boolean not map zip filter single reduce sift keys lookup append exists spread merge reverse each error assert type sort shuffle distinct encodeUrlComponent encodeUrl decodeUrlComponent decodeUrl eval toMillis fromMillis clone now millis".split(
    " ",
  ),
);

/** Whether `$name`, unbound, names a function: its value is then the function, which the fast path does not hand around. */
export function isFunctionName(name: string): boolean {
  return JSONATA_FUNCTIONS.has(name) || Object.prototype.hasOwnProperty.call(mappingFunctions, name);
}
