import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { formatProblem, type ConfigProblem } from "../config/load.ts";
import { messageOf } from "../errors.ts";
import { diffJson, formatDiff, type Difference } from "./diff.ts";
import { MappingSet, type MappingOutcome } from "./engine.ts";
import { readFixtureInput } from "./fixture.ts";

/**
 * The golden harness behind `ozg-hub mappings test` and the test suite: every
 * `<dir>/<format>/fixtures/<case>.input.(json|xml)` is mapped as intake would map it and
 * compared with `<case>.expected.json`.
 *
 * A case is mapped with the mapping its match rules select (so the rules are tested too);
 * mappings that are pinned-only (`match.format`) and cases whose context pins a `format` are
 * applied directly. An expected file `{ "error": "<text>" }` expects the mapping to fail with a
 * message containing that text.
 */
export interface CaseResult {
  format: string;
  name: string;
  ok: boolean;
  /** Why it failed: a mapping error, a missing expected file, a different mapping selected. */
  message?: string;
  diff?: Difference[];
  /** What intake would do with the case: deliver it (with or without warnings) or park it. */
  outcome?: { kind: "delivered"; applications: number; warnings: number } | { kind: "parked"; reason: string };
}

export interface GoldenReport {
  ok: boolean;
  problems: ConfigProblem[];
  cases: CaseResult[];
}

async function listCases(dir: string, format: string): Promise<{ name: string; input: string }[]> {
  const fixtures = path.join(dir, format, "fixtures");
  let names: string[];
  try {
    names = await readdir(fixtures);
  } catch {
    return [];
  }
  return names
    .map((n) => /^(.+)\.input\.(json|xml)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[1]!, input: path.join(fixtures, m[0]) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

async function runCase(set: MappingSet, format: string, c: { name: string; input: string }, update: boolean): Promise<CaseResult> {
  const base: CaseResult = { format, name: c.name, ok: false };
  const read = await readFixtureInput(c.input);
  if (!read.ok) return { ...base, ok: false, message: read.message };
  const input = read.input;
  const mapping = set.get(format)!;
  if (!input.format && mapping.def.match.format !== undefined) input.format = format;
  if (!input.format) {
    const selected = await set.select(input);
    if (selected?.id !== format) return { ...base, ok: false, message: `selected mapping ${selected ? `"${selected.id}"` : "(none)"} instead of "${format}"` };
  }
  const outcome = await set.map(input);
  const actual = outcomeValue(outcome);
  base.outcome = outcome.ok
    ? { kind: "delivered", applications: outcome.applications.length, warnings: outcome.applications.reduce((n, a) => n + a.warnings.length, 0) }
    : { kind: "parked", reason: outcome.message };
  const expectedFile = c.input.replace(/\.input\.[^.]+$/, ".expected.json");
  let expected: unknown;
  let unreadable: string | undefined;
  try {
    expected = JSON.parse(await readFile(expectedFile, "utf8"));
  } catch (err) {
    unreadable = `cannot read ${path.basename(expectedFile)}: ${messageOf(err)}`;
  }
  // An error expectation that still holds is kept as written: it names the part that matters.
  const stillExpectedError = isErrorExpectation(expected) && !outcome.ok && outcome.message.includes(expected.error);
  if (update && !stillExpectedError) {
    await writeFile(expectedFile, `${JSON.stringify(actual, null, 2)}\n`);
    return { ...base, ok: true, message: "expected file written" };
  }
  if (unreadable) return { ...base, ok: false, message: unreadable };
  if (isErrorExpectation(expected)) {
    if (!outcome.ok && outcome.message.includes(expected.error)) return { ...base, ok: true };
    return {
      ...base,
      ok: false,
      message: outcome.ok
        ? `expected the error "${expected.error}", but the mapping succeeded`
        : `expected an error containing "${expected.error}", got: ${outcome.message}`,
    };
  }
  if (!outcome.ok) return { ...base, ok: false, message: outcome.message };
  const diff = diffJson(expected, actual);
  return diff.length === 0 ? { ...base, ok: true } : { ...base, ok: false, diff };
}

function outcomeValue(o: MappingOutcome): unknown {
  // A message with several records expects the list of its applications, in record order.
  if (!o.ok) return { error: o.message };
  return o.applications.length === 1 ? o.applications[0] : o.applications;
}

function isErrorExpectation(v: unknown): v is { error: string } {
  return typeof v === "object" && v !== null && !Array.isArray(v) && typeof (v as { error?: unknown }).error === "string" && !("sourceFormat" in v);
}

/** Runs every case under `dir`; with `update`, writes each case's actual result as its expected file. */
export async function runGolden(
  dir: string,
  opts: {
    update?: boolean;
    only?: string;
    /** After each case. */ onCase?: (c: CaseResult) => void;
    /** The registered channels, which the mappings' `match.channels` must name. */ channels?: readonly string[];
  } = {},
): Promise<GoldenReport> {
  const loaded = await MappingSet.load(dir, opts.channels);
  if (!loaded.ok) return { ok: false, problems: loaded.problems, cases: [] };
  const cases: CaseResult[] = [];
  for (const m of loaded.set.mappings) {
    if (opts.only && m.id !== opts.only) continue;
    for (const c of await listCases(dir, m.id)) {
      const result = await runCase(loaded.set, m.id, c, opts.update ?? false);
      cases.push(result);
      opts.onCase?.(result);
    }
  }
  return { ok: cases.length > 0 && cases.every((c) => c.ok), problems: [], cases };
}

/** The report as `ozg-hub mappings test` prints it: one line per case, a diff under each failure. */
export function formatReport(r: GoldenReport): string {
  if (r.problems.length > 0) return [...r.problems.map(formatProblem), `${r.problems.length} problem(s) in the mapping files`].join("\n");
  const lines: string[] = [];
  for (const c of r.cases) {
    lines.push(`${c.ok ? "ok  " : "FAIL"} ${c.format}/${c.name}${c.ok && c.message ? ` (${c.message})` : ""}`);
    if (!c.ok && c.message) lines.push(`    ${c.message}`);
    if (c.diff) lines.push(...formatDiff(c.diff));
  }
  lines.push(...summary(r.cases));
  const failed = r.cases.filter((c) => !c.ok).length;
  lines.push(r.cases.length === 0 ? "no fixture cases found" : `${r.cases.length - failed} passed, ${failed} failed`);
  return lines.join("\n");
}

/**
 * Per format, what intake would make of its cases: `xdomea: 6 cases, 6 delivered (3 with
 * warnings), 0 parked`. Only a mapping's result is known here; routing needs a deployment.
 */
function summary(cases: CaseResult[]): string[] {
  const formats = [...new Set(cases.map((c) => c.format))];
  return formats.map((f) => {
    const of = cases.filter((c) => c.format === f);
    const delivered = of.filter((c) => c.outcome?.kind === "delivered");
    const warned = delivered.filter((c) => c.outcome?.kind === "delivered" && c.outcome.warnings > 0).length;
    const parked = of.filter((c) => c.outcome?.kind === "parked").length;
    return `${f}: ${of.length} case(s), ${delivered.length} delivered (${warned} with warnings), ${parked} parked`;
  });
}
