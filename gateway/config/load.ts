import { readFileSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { messageOf } from "../errors.ts";
import type { ConfigSpec } from "./compose.ts";
import type { GatewayConfig, PortalConfig, TenantConfig } from "./schema.ts";

/** A config mistake, located so that an integrator can fix it without reading code. */
export interface ConfigProblem {
  file: string;
  /** Path inside the file, e.g. `subscribers[1].filter.leikaKeys[0]`. */
  path: string;
  line?: number;
  message: string;
}

export interface HubConfig {
  dir: string;
  gateway: GatewayConfig;
  tenants: TenantConfig[];
  portals: PortalConfig[];
}

export type ConfigResult = { ok: true; config: HubConfig } | { ok: false; problems: ConfigProblem[] };

/** Formats a problem as `file:line path: message`, the form `ozg-hub config check` prints. */
export function formatProblem(p: ConfigProblem): string {
  const where = p.line ? `${p.file}:${p.line}` : p.file;
  return `${where} ${p.path || "(root)"}: ${p.message}`;
}

/**
 * A file as problems name it: relative to the working directory when it lies below it (short,
 * clickable in a terminal), else absolute: `../../../etc/x.yaml` tells a reader less than `/etc/x.yaml`.
 */
export function shownPath(file: string): string {
  const absolute = path.resolve(file);
  const relative = path.relative(process.cwd(), absolute);
  return relative === "" || relative.startsWith("..") || path.isAbsolute(relative) ? absolute : relative;
}

export function formatPath(segments: readonly PropertyKey[]): string {
  return segments.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? String(s) : `.${String(s)}`)).join("");
}

/**
 * Parses one YAML file with a zod schema; problems carry the file, the path and the line.
 * Shared by the config and the mapping loaders.
 */
export async function parseYamlFile<S extends z.ZodType>(
  file: string,
  schema: S,
  displayName = file,
): Promise<{ ok: true; value: z.output<S> } | { ok: false; problems: ConfigProblem[] }> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    return { ok: false, problems: [{ file: displayName, path: "", message: `cannot read: ${messageOf(err)}` }] };
  }
  return parseYamlText(text, schema, displayName);
}

export function parseYamlText<S extends z.ZodType>(
  text: string,
  schema: S,
  file: string,
): { ok: true; value: z.output<S> } | { ok: false; problems: ConfigProblem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        file,
        path: "",
        line: e.linePos?.[0]?.line,
        message: `YAML: ${e.message.split("\n")[0]}`,
      })),
    };
  }
  const parsed = schema.safeParse(doc.toJS() ?? {});
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.flatMap((issue) => {
      // An unknown key is reported by zod on the object that holds it; each key gets a line of
      // its own, where the key is written, so that `file:line` points at the mistake.
      if (issue.code === "unrecognized_keys") {
        return issue.keys.map((key) => ({
          file,
          path: formatPath([...issue.path, key]),
          line: lineAt(lines, keyNode(doc, issue.path, key) ?? nearestNode(doc, issue.path)),
          message: `unknown key "${key}"`,
        }));
      }
      return [{ file, path: formatPath(issue.path), line: lineAt(lines, nearestNode(doc, issue.path)), message: issue.message }];
    }),
  };
}

/**
 * A problem that a prepare step found in gateway.yaml of `config` (a key file that cannot be
 * read, a certificate that does not fit its key), with the line of `at` in that file.
 *
 * @example problemInGateway(config, ["rest", "https", "keyFile"], "cannot read server.key: ENOENT")
 */
export function problemInGateway(config: HubConfig, at: readonly (string | number)[], message: string): ConfigProblem {
  const file = path.join(config.dir, "gateway.yaml");
  const shown = shownPath(file);
  let line: number | undefined;
  try {
    const lines = new LineCounter();
    const doc = parseDocument(readFileSync(file, "utf8"), { lineCounter: lines });
    line = lineAt(lines, nearestNode(doc, at));
  } catch {
    // The file was read and parsed a moment ago; without it the problem is still located by path.
  }
  return { file: shown, path: formatPath(at), line, message };
}

/** The line of an offset; offset 0 (the first key of a file) is line 1, not "no line". */
function lineAt(lines: LineCounter, offset: number | undefined): number | undefined {
  return offset === undefined ? undefined : lines.linePos(offset).line;
}

/** The offset where `key` is written in the mapping at `at`. */
function keyNode(doc: ReturnType<typeof parseDocument>, at: readonly PropertyKey[], key: string): number | undefined {
  const map = (at.length === 0 ? doc.contents : doc.getIn(at as unknown[], true)) as { items?: { key?: { value?: unknown; range?: number[] } }[] } | null;
  return map?.items?.find((pair) => pair.key?.value === key)?.key?.range?.[0];
}

function nearestNode(doc: ReturnType<typeof parseDocument>, at: readonly PropertyKey[]): number | undefined {
  for (let n = at.length; n >= 0; n--) {
    const node = doc.getIn(at.slice(0, n) as unknown[], true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === "object" && node.range) return node.range[0];
  }
  return undefined;
}

async function yamlFiles(dir: string): Promise<string[]> {
  try {
    const names = await readdir(dir);
    return names
      .filter((n) => /\.ya?ml$/.test(n))
      .sort()
      .map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}

/**
 * Reads `gateway.yaml`, `tenants/*.yaml` and `portals/*.yaml` below `dir`, validates each file
 * and then the references between them, with the schemas `spec` composed of the registered
 * adapters' sections. Returns every problem, not just the first.
 */
export async function loadConfig(dir: string, spec: ConfigSpec): Promise<ConfigResult> {
  const problems: ConfigProblem[] = [];
  const rel = shownPath;

  const gatewayFile = path.join(dir, "gateway.yaml");
  const gw = await parseYamlFile(gatewayFile, spec.gateway, rel(gatewayFile));
  if (!gw.ok) problems.push(...gw.problems);

  const tenants: { file: string; value: TenantConfig }[] = [];
  for (const file of await yamlFiles(path.join(dir, "tenants"))) {
    const r = await parseYamlFile(file, spec.tenant, rel(file));
    if (r.ok) tenants.push({ file: rel(file), value: r.value });
    else problems.push(...r.problems);
  }
  const portals: { file: string; value: PortalConfig }[] = [];
  for (const file of await yamlFiles(path.join(dir, "portals"))) {
    const r = await parseYamlFile(file, spec.portal, rel(file));
    if (r.ok) portals.push({ file: rel(file), value: r.value });
    else problems.push(...r.problems);
  }
  if (tenants.length === 0 && problems.length === 0) {
    problems.push({ file: rel(path.join(dir, "tenants")), path: "", message: "no tenant configured" });
  }

  problems.push(...crossCheck(tenants, portals, spec));
  if (problems.length > 0 || !gw.ok) return { ok: false, problems };
  return {
    ok: true,
    config: { dir, gateway: gw.value, tenants: tenants.map((t) => t.value), portals: portals.map((p) => p.value) },
  };
}

function crossCheck(tenants: { file: string; value: TenantConfig }[], portals: { file: string; value: PortalConfig }[], spec: ConfigSpec): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const claim = new Map<string, string>();
  const unique = (key: string, file: string, at: string, what: string) => {
    const first = claim.get(key);
    if (first) problems.push({ file, path: at, message: `${what} is already used in ${first}` });
    else claim.set(key, file);
  };
  for (const { file, value: t } of tenants) {
    unique(`tenant:${t.id}`, file, "id", `tenant id "${t.id}"`);
    if (t.ags) unique(`ags:${t.ags}`, file, "ags", `AGS ${t.ags}`);
    if (t.ars) unique(`ars:${t.ars}`, file, "ars", `ARS ${t.ars}`);
    t.organisationUnitIds.forEach((o, i) => unique(`ou:${o}`, file, `organisationUnitIds[${i}]`, `organisation unit ${o}`));
    t.xtaReaders.forEach((r, i) => unique(`reader:${r}`, file, `xtaReaders[${i}]`, `XTA reader ${r}`));
    const subs = new Set<string>();
    t.subscribers.forEach((s, i) => {
      if (subs.has(s.id)) problems.push({ file, path: `subscribers[${i}].id`, message: `subscriber id "${s.id}" appears twice` });
      subs.add(s.id);
    });
    if (!t.ags && !t.ars && t.organisationUnitIds.length === 0 && t.xtaReaders.length === 0) {
      problems.push({ file, path: "", message: "tenant has no ags, ars, organisationUnitIds or xtaReaders: nothing can route to it" });
    }
  }
  const tenantIds = new Set(tenants.map((t) => t.value.id));
  for (const { file, value: p } of portals) {
    unique(`portal:${p.id}`, file, "id", `portal id "${p.id}"`);
    p.tokenSha256.forEach((h, i) => unique(`token:${h}`, file, `tokenSha256[${i}]`, "this token hash"));
    for (const c of spec.clientCertificates(p)) unique(`certificate:${c.sha256}`, file, c.at, `this ${c.channel.toUpperCase()} client certificate`);
    p.tenants?.forEach((t, i) => {
      if (!tenantIds.has(t)) problems.push({ file, path: `tenants[${i}]`, message: `unknown tenant "${t}"` });
    });
  }
  return problems;
}
