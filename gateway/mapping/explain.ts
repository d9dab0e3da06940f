import jsonata from "jsonata";
import { registerFunctions, type CompiledMapping } from "./compile.ts";
import { bindings, type MappingInput, type MappingOutcome } from "./engine.ts";

/**
 * Turns a failed mapping into what an integrator needs to fix it: the mapping, each failing
 * field with its expression, and the input paths that expression reads with the values found
 * there (`ozg-hub mappings try`).
 */

interface AstNode {
  type?: string;
  value?: unknown;
  steps?: AstNode[];
  procedure?: AstNode;
  [key: string]: unknown;
}

/** The input paths an expression reads, e.g. `Kopf.Absender.Name` or `$person.vorname`. */
export function inputPaths(source: string): string[] {
  let ast: AstNode;
  try {
    ast = jsonata(source).ast() as AstNode;
  } catch {
    return [];
  }
  const found = new Set<string>();
  const walk = (node: unknown, isProcedure = false): void => {
    if (Array.isArray(node)) return node.forEach((n) => walk(n));
    if (!node || typeof node !== "object") return;
    const n = node as AstNode;
    if (n.type === "path" && n.steps) {
      const names: string[] = [];
      for (const s of n.steps) {
        if (s.type === "name") names.push(String(s.value));
        else if (s.type === "variable" && names.length === 0 && s.value !== "") names.push(`$${String(s.value)}`);
        else break;
      }
      if (names.length > 0) found.add(names.join("."));
      // Steps are parts of this path, not paths of their own; only what they contain is.
      for (const s of n.steps) {
        if (s.type === "name" || s.type === "variable") walk([s.stages, s.predicate, s.group]);
        else walk(s);
      }
      return;
    } else if (n.type === "name" && !isProcedure) found.add(String(n.value));
    else if (n.type === "variable" && !isProcedure && n.value !== "") found.add(`$${String(n.value)}`);
    for (const [k, v] of Object.entries(n)) if (k !== "procedure" && typeof v === "object") walk(v);
  };
  walk(ast);
  return [...found];
}

/** The field definitions behind a canonical path: itself, the field that encloses it, or the fields below it. */
export function fieldsFor(mapping: CompiledMapping, canonicalPath: string): string[] {
  const p = canonicalPath.replace(/\[\d+\]/g, "");
  const fields = Object.keys(mapping.def.fields);
  const exactOrParent = fields.filter((f) => p === f || p.startsWith(`${f}.`));
  if (exactOrParent.length > 0) return exactOrParent;
  return p === "" ? [] : fields.filter((f) => f.startsWith(`${p}.`));
}

/** Values of input paths, read with the mapping's `let` values and bindings in scope. */
async function readPaths(mapping: CompiledMapping, input: MappingInput, paths: string[]): Promise<Record<string, unknown>> {
  if (paths.length === 0) return {};
  const lets = Object.entries(mapping.def.let)
    .map(([name, src]) => `$${name} := (${src});`)
    .join("\n");
  const body = `{${paths.map((p, i) => `"${i}": (${p})`).join(", ")}}`;
  try {
    const expr = registerFunctions(jsonata(`(${lets}\n${body})`));
    const r = (await expr.evaluate(input.document, bindings(input))) as Record<string, unknown>;
    return Object.fromEntries(paths.map((p, i) => [p, r?.[String(i)]]));
  } catch {
    return {};
  }
}

const show = (v: unknown) => (v === undefined ? "(nothing)" : JSON.stringify(v));

/** A readable explanation of a failed outcome, one block per failing field. */
export async function explainFailure(
  mapping: CompiledMapping | undefined,
  input: MappingInput,
  outcome: Extract<MappingOutcome, { ok: false }>,
): Promise<string> {
  const lines = [outcome.message];
  if (!mapping) return lines.join("\n");
  const seen = new Set<string>();
  for (const problem of outcome.problems.length > 0 ? outcome.problems : [{ path: "", message: outcome.message }]) {
    for (const field of fieldsFor(mapping, problem.path)) {
      if (seen.has(field)) continue;
      seen.add(field);
      const source = mapping.def.fields[field]!;
      const paths = inputPaths(source).filter((p) => p !== "$meta" && !p.startsWith("$join") && !p.startsWith("$string"));
      const values = await readPaths(mapping, input, paths);
      lines.push(`  mapping ${mapping.id}, field ${field}${problem.path && problem.path !== field ? ` (problem at ${problem.path}: ${problem.message})` : ""}`);
      lines.push(`    expression: ${source.trim().replace(/\s*\n\s*/g, " ")}`);
      for (const p of paths) lines.push(`    input ${p} = ${show(values[p])}`);
    }
  }
  return lines.join("\n");
}
