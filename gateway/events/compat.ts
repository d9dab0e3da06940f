/**
 * Whether a consumer written against the `old` JSON Schema still understands every message valid
 * under the `new` one. Within a version only additive changes are allowed: new optional fields,
 * wider enums, looser limits. Everything else is listed, with the path where it happened.
 */
type S = Record<string, unknown>;

export interface Incompatibility {
  path: string;
  change: string;
}

const asObj = (v: unknown): S | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as S) : undefined);

function types(s: S): string[] | undefined {
  if (typeof s.type === "string") return [s.type === "integer" ? "integer" : s.type];
  if (Array.isArray(s.type)) return s.type as string[];
  return undefined;
}

function resolve(s: S, root: S): S {
  const ref = s.$ref;
  if (typeof ref !== "string" || !ref.startsWith("#/")) return s;
  let target: unknown = root;
  for (const part of ref.slice(2).split("/")) target = asObj(target)?.[part];
  return asObj(target) ?? s;
}

function variants(s: S): S[] | undefined {
  const list = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  return Array.isArray(list) ? list.map((v) => asObj(v) ?? {}) : undefined;
}

/** Compares `next` against `prev` (the committed schema); an empty list means compatible. */
export function incompatibilities(prev: S, next: S): Incompatibility[] {
  const out: Incompatibility[] = [];
  walk(prev, next, "", prev, next, out, new Set());
  return out;
}

function walk(p0: S, n0: S, path: string, pRoot: S, nRoot: S, out: Incompatibility[], seen: Set<string>): void {
  const p = resolve(p0, pRoot);
  const n = resolve(n0, nRoot);
  const key = `${path}|${String(p0.$ref ?? "")}|${String(n0.$ref ?? "")}`;
  if (seen.has(key)) return; // recursive definitions
  seen.add(key);
  const at = path || "/";

  const pt = types(p);
  const nt = types(n);
  if (pt && nt) {
    const widened = (t: string) => pt.includes(t) || (t === "integer" && pt.includes("number"));
    const added = nt.filter((t) => !widened(t));
    if (added.length > 0) out.push({ path: at, change: `type ${pt.join("|")} became ${nt.join("|")}` });
  }
  if ("const" in p && JSON.stringify(p.const) !== JSON.stringify(n.const))
    out.push({ path: at, change: `constant ${JSON.stringify(p.const)} became ${JSON.stringify(n.const)}` });
  if (Array.isArray(p.enum)) {
    const allowed = new Set((p.enum as unknown[]).map((v) => JSON.stringify(v)));
    const extra = Array.isArray(n.enum) ? (n.enum as unknown[]).filter((v) => !allowed.has(JSON.stringify(v))) : ["(any value)"];
    if (extra.length > 0) out.push({ path: at, change: `enum gained ${extra.map((v) => JSON.stringify(v)).join(", ")}` });
  }
  if (typeof p.pattern === "string" && p.pattern !== n.pattern) out.push({ path: at, change: `pattern ${p.pattern} became ${String(n.pattern ?? "(none)")}` });
  if (typeof p.format === "string" && p.format !== n.format) out.push({ path: at, change: `format ${p.format} became ${String(n.format ?? "(none)")}` });

  const pProps = asObj(p.properties);
  const nProps = asObj(n.properties) ?? {};
  if (pProps) {
    for (const [name, ps] of Object.entries(pProps)) {
      const ns = asObj(nProps[name]);
      if (!ns) out.push({ path: `${path}/${name}`, change: "field removed or renamed" });
      else walk(asObj(ps) ?? {}, ns, `${path}/${name}`, pRoot, nRoot, out, seen);
    }
  }
  const pReq = new Set((p.required as string[] | undefined) ?? []);
  for (const r of (n.required as string[] | undefined) ?? []) {
    if (!pReq.has(r)) out.push({ path: `${path}/${r}`, change: pProps && r in pProps ? "optional field became required" : "new required field" });
  }
  const pItems = asObj(p.items);
  const nItems = asObj(n.items);
  if (pItems && nItems) walk(pItems, nItems, `${path}[]`, pRoot, nRoot, out, seen);
  else if (pItems && !nItems && pt?.includes("array")) out.push({ path: `${path}[]`, change: "item schema removed" });

  const pv = variants(p);
  const nv = variants(n);
  if (pv && nv) {
    // Variants are matched by position; a variant may be appended, not removed or reordered.
    if (nv.length < pv.length) out.push({ path: at, change: `${pv.length - nv.length} alternative(s) removed` });
    pv.forEach((v, i) => nv[i] && walk(v, nv[i], `${path}<${i}>`, pRoot, nRoot, out, seen));
  } else if (pv && !nv) {
    out.push({ path: at, change: "alternatives collapsed into one" });
  }
}
