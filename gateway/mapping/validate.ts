import type { $ZodIssue } from "zod/v4/core";
import { formatPath } from "../config/load.ts";
import { applicationSchema, type Application, type Warning } from "./canonical.ts";
import type { Problem } from "../contract.ts";

/** Fields whose failure makes an application undeliverable; everything else becomes a warning. */
const FATAL = new Set(["recipient", "sourceFormat", "attachments", "signatures", "content", "warnings"]);

export type Validation = { ok: true; application: Application } | { ok: false; problems: Problem[] };

/**
 * Validates what a mapping produced against the canonical model, delivering with warnings:
 * a malformed canonical value (a birth date that is no date, an unknown field) is left out of
 * the canonical fields and named in `warnings` (the source value stays in `content`); missing
 * LeiKa keys or applicant name are warnings too. Only what routing or the gateway itself
 * needs (`recipient`, `content`, `attachments`) fails.
 *
 * @example validateApplication({ sourceFormat: "x", recipient: { ags: "01002000" }, applicant: { birthDate: "31.02." } })
 * // { ok: true, application: { ..., warnings: [{ path: "applicant.birthDate", message: "Invalid ISO date: left out ..." }, ...] } }
 */
export function validateApplication(candidate: Record<string, unknown>): Validation {
  // Only the header fields are changed below, and withoutEmpty copies them; the rest (above all
  // the source document in `content`) is copied only if a value in it has to be left out.
  // Copying the whole candidate cost more than validating it.
  const value: Record<string, unknown> = { ...candidate };
  // An empty string from a mapping means the source had nothing there: absent, not malformed.
  for (const key of HEADER) if (key in value) value[key] = withoutEmpty(value[key]);
  const copied = new Set<PropertyKey>(HEADER);
  const warnings: Warning[] = [];
  // Every round removes at least one offending value; a bound keeps a bug from looping.
  for (let round = 0; round < 50; round++) {
    const parsed = applicationSchema.safeParse(value);
    if (parsed.success) {
      const app = parsed.data;
      app.warnings = [...app.warnings, ...warnings, ...completeness(app)];
      return { ok: true, application: app };
    }
    const issues = parsed.error.issues;
    const fatal = issues.filter((i) => FATAL.has(String(i.path[0] ?? "")) || i.path.length === 0);
    if (fatal.length > 0) return { ok: false, problems: issues.map((i) => ({ path: formatPath(i.path), message: i.message })) };
    const issue = issues[0]!;
    for (const at of offending(issue)) {
      const first = at[0];
      if (first !== undefined && !copied.has(first) && Object.hasOwn(value, first)) {
        value[first as string] = structuredClone(value[first as string]);
        copied.add(first);
      }
      if (!removeAt(value, at)) return { ok: false, problems: issues.map((i) => ({ path: formatPath(i.path), message: i.message })) };
      warnings.push({ path: formatPath(at), message: `${issue.message}: left out of the canonical fields (the source value is in content)` });
    }
  }
  return { ok: false, problems: [{ path: "", message: "too many malformed canonical fields" }] };
}

/** The canonical header fields; `data`, `content` and `attachments` are carried as they are. */
const HEADER = ["sourceId", "submittedAt", "service", "recipient", "applicant"];

function withoutEmpty(v: unknown): unknown {
  if (v === "") return undefined;
  if (Array.isArray(v)) return v.filter((x) => x !== "").map(withoutEmpty);
  if (v === null || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const y = withoutEmpty(x);
    if (y !== undefined) out[k] = y;
  }
  return out;
}

/** The paths to leave out for one issue: the value itself, or the unknown keys it names. */
function offending(issue: $ZodIssue): PropertyKey[][] {
  if (issue.code === "unrecognized_keys") return issue.keys.map((k) => [...issue.path, k]);
  return [issue.path];
}

function removeAt(root: Record<string, unknown>, at: PropertyKey[]): boolean {
  let node: unknown = root;
  for (const key of at.slice(0, -1)) {
    if (typeof node !== "object" || node === null) return false;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  const last = at[at.length - 1];
  if (typeof node !== "object" || node === null || last === undefined) return false;
  if (Array.isArray(node) && typeof last === "number") {
    if (last >= node.length) return false;
    node.splice(last, 1);
    return true;
  }
  const obj = node as Record<PropertyKey, unknown>;
  if (!(last in obj)) return false;
  delete obj[last];
  return true;
}

/** What a case system needs and the source did not give: delivered, but said so. */
function completeness(app: Application): Warning[] {
  const out: Warning[] = [];
  if (app.service.leikaKeys.length === 0) out.push({ path: "service.leikaKeys", message: "no LeiKa key found in the source" });
  if (!app.applicant?.name) out.push({ path: "applicant.name", message: "no applicant name found in the source" });
  if (app.applicant?.name && !app.applicant.kind)
    out.push({ path: "applicant.kind", message: "cannot tell whether the applicant is a person or an organisation" });
  // A source that splits the name but gives only the given name (KoSIT's xgwa2.2-invalid): the
  // name is still delivered, and the gap is said, not hidden in applicant.name.
  if (app.applicant?.kind === "person" && app.applicant.givenName && !app.applicant.familyName)
    out.push({ path: "applicant.familyName", message: "a given name but no family name in the source" });
  return out;
}
