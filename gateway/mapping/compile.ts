import jsonata from "jsonata";
import { compileFast, type FastExpression } from "./fast.ts";
import { mappingFunctions } from "./functions.ts";
import type { MappingFile } from "./mapping-file.ts";

/** Where each field's expression sits in the combined expression, to name it in errors. */
interface Span {
  field: string;
  source: string;
  start: number;
  end: number;
}

export interface CompiledMapping {
  id: string;
  file: string;
  def: MappingFile;
  expression: jsonata.Expression;
  when?: jsonata.Expression;
  /** The same expressions as plain synchronous functions (fast.ts), where they compile. */
  fast?: FastExpression;
  fastWhen?: FastExpression;
  spans: Span[];
}

export interface CompileProblem {
  field: string;
  expression: string;
  message: string;
  /** Character offset of the error inside the expression, when JSONata names one. */
  position?: number;
}

interface JsonataError {
  message: string;
  position?: number;
  token?: string;
}

export function registerFunctions(expr: jsonata.Expression): jsonata.Expression {
  for (const [name, fn] of Object.entries(mappingFunctions)) {
    expr.registerFunction(name, fn.impl as (...args: unknown[]) => unknown, fn.signature);
  }
  return expr;
}

/**
 * Compiles all `let` and `fields` expressions of a mapping into one JSONata expression, so that
 * applying a mapping is one evaluation rather than one per field. Each expression is first
 * compiled alone, so that a syntax error names its field.
 */
export function compileMapping(def: MappingFile, file: string): { ok: true; mapping: CompiledMapping } | { ok: false; problems: CompileProblem[] } {
  const problems: CompileProblem[] = [];
  const check = (field: string, source: string) => {
    try {
      jsonata(source);
    } catch (err) {
      const e = err as JsonataError;
      problems.push({
        field,
        expression: source,
        message: `${e.message}${e.position !== undefined ? ` (at character ${e.position})` : ""}`,
        position: e.position,
      });
    }
  };
  for (const [name, source] of Object.entries(def.let)) {
    if (!/^[A-Za-z_]\w*$/.test(name)) problems.push({ field: `let.${name}`, expression: source, message: "a let name must be an identifier" });
    check(`let.${name}`, source);
  }
  for (const [field, source] of Object.entries(def.fields)) {
    check(field, source);
    const inner = Object.keys(def.fields).find((other) => other.startsWith(`${field}.`));
    if (inner) problems.push({ field, expression: source, message: `${field} is set whole and also in part by ${inner}` });
  }
  let when: jsonata.Expression | undefined;
  if (def.match.when) {
    check("match.when", def.match.when);
    if (problems.length === 0) when = registerFunctions(jsonata(def.match.when));
  }
  if (problems.length > 0) return { ok: false, problems };

  const spans: Span[] = [];
  let text = "(\n";
  const put = (field: string, source: string) => {
    text += "(";
    spans.push({ field, source, start: text.length, end: text.length + source.length });
    text += `${source})`;
  };
  for (const [name, source] of Object.entries(def.let)) {
    text += `$${name} := `;
    put(`let.${name}`, source);
    text += ";\n";
  }
  const writeObject = (tree: Tree) => {
    text += "{";
    Object.entries(tree).forEach(([key, value], i) => {
      text += `${i > 0 ? ", " : ""}${JSON.stringify(key)}: `;
      if (typeof value === "string") put(value, def.fields[value]!);
      else writeObject(value);
    });
    text += "}";
  };
  writeObject(nest(def.fields));
  text += "\n)";
  const expression = registerFunctions(jsonata(text));
  return { ok: true, mapping: { id: def.id, file, def, expression, when, fast: compileFast(expression), fastWhen: when && compileFast(when), spans } };
}

/** Leaves hold the dotted field path; `applicant.address.city` nests as applicant → address → city. */
type Tree = { [key: string]: Tree | string };

function nest(fields: Record<string, string>): Tree {
  const root: Tree = {};
  for (const field of Object.keys(fields)) {
    const parts = field.split(".");
    let node = root;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      node = typeof next === "object" ? next : (node[part] = {});
    }
    node[parts[parts.length - 1]!] = field;
  }
  return root;
}

/** The field whose expression contains a JSONata error position. */
export function fieldAt(mapping: CompiledMapping, position: number | undefined): Span | undefined {
  if (position === undefined) return undefined;
  return mapping.spans.find((s) => position > s.start && position <= s.end + 1);
}
