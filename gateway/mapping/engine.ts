import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Channel, ContentSignature, Problem, TransportRecipient } from "../contract.ts";
import { parseYamlFile, shownPath, type ConfigProblem } from "../config/load.ts";
import { messageOf } from "../errors.ts";
import type { Application } from "./canonical.ts";
import type jsonata from "jsonata";
import { compileMapping, fieldAt, type CompiledMapping } from "./compile.ts";
import type { FastExpression } from "./fast.ts";
import { lineOf, mappingFileSchema } from "./mapping-file.ts";
import { plainJson } from "./plain.ts";
import { splitRecords, type RecordSlice } from "./records.ts";
import { validateApplication } from "./validate.ts";
import { parseXml, type XmlRoot } from "./xml.ts";
import { parseJson } from "./json.ts";
import type { Limits } from "../config/schema.ts";

/** A stored attachment, as mappings see it in `$attachments` and the canonical result lists it. */
export interface AttachmentInfo {
  id: string;
  name: string;
  contentType: string;
  group?: string;
  size: number;
  sha256: string;
}

/** A delivery's document after parsing, with everything a mapping may look at. */
export interface MappingInput {
  channel: Channel;
  portalId: string;
  contentType: string;
  /** Pinned format (by the adapter or the portal config); skips matching. */
  format?: string;
  sourceMessageId?: string | null;
  receivedAt: Date;
  metadata: Record<string, unknown>;
  attachments: AttachmentInfo[];
  document: unknown;
  xml?: XmlRoot;
  /** What reading the document noticed (e.g. a declared ISO-8859-1): a warning on every application. */
  documentWarning?: string;
  /** Transport addressing; fills recipient fields the mapping left empty. */
  recipient?: TransportRecipient;
  /** Signatures over the content the adapter verified; copied into the application as they are. */
  signatures?: ContentSignature[];
  /** The portal's per-form field names (`forms` in its config), `$forms` in mappings. */
  forms?: Record<string, Record<string, string[]>>;
}

/** One application per record of the source; a source without records gives exactly one. */
export type MappingOutcome = { ok: true; format: string; applications: Application[] } | { ok: false; format?: string; message: string; problems: Problem[] };

export type ParsedDocument = { ok: true; kind: "json" | "xml"; document: unknown; xml?: XmlRoot; warning?: string } | { ok: false; detail: string };

/** Media type without parameters, lower-case: `Application/JSON; charset=utf-8` → `application/json`. */
export function mediaType(contentType: string): string {
  return contentType.split(";")[0]!.trim().toLowerCase();
}

function isXml(contentType: string): boolean {
  const t = mediaType(contentType);
  return t === "application/xml" || t === "text/xml" || t.endsWith("+xml");
}

/**
 * Parses a primary document by its content type: JSON, or XML in the documented shape
 * (see xml.ts). A document that cannot be parsed is refused at intake, never stored.
 */
export function parseDocument(bytes: Uint8Array, contentType: string, depth: Pick<Limits, "xmlDepth" | "jsonDepth">): ParsedDocument {
  if (isXml(contentType)) {
    const r = parseXml(bytes, depth.xmlDepth);
    return r.ok ? { ok: true, kind: "xml", document: r.value, xml: r.root, ...(r.warning ? { warning: r.warning } : {}) } : { ok: false, detail: r.detail };
  }
  const t = mediaType(contentType);
  if (t === "application/json" || t.endsWith("+json")) {
    const r = parseJson(bytes, depth.jsonDepth);
    return r.ok ? { ok: true, kind: "json", document: r.value } : { ok: false, detail: r.detail };
  }
  return { ok: false, detail: `unsupported content type ${t}` };
}

function glob(pattern: string | undefined, value: string | undefined): boolean {
  if (pattern === undefined) return true;
  if (value === undefined) return false;
  let re = globs.get(pattern);
  if (!re) {
    re = new RegExp(
      `^${pattern
        .split("*")
        .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join(".*")}$`,
    );
    globs.set(pattern, re);
  }
  return re.test(value);
}

// The patterns of the mapping files, compiled once rather than for every delivery.
const globs = new Map<string, RegExp>();

/** All mappings of a deployment, compiled once; replaced whole on reload. */
export class MappingSet {
  private constructor(
    readonly mappings: readonly CompiledMapping[],
    private readonly byId: ReadonlyMap<string, CompiledMapping>,
  ) {}

  static of(mappings: CompiledMapping[]): MappingSet {
    return new MappingSet(mappings, new Map(mappings.map((m) => [m.id, m])));
  }

  /**
   * Reads `<dir>/<format>/<format>.yaml` for every folder in `dir`. `channels`: the registered
   * ones (`ConfigSpec.channels`), which a mapping's `match.channels` must name; unchecked without.
   */
  static async load(dir: string, channels?: readonly string[]): Promise<{ ok: true; set: MappingSet } | { ok: false; problems: ConfigProblem[] }> {
    const problems: ConfigProblem[] = [];
    const compiled: CompiledMapping[] = [];
    let folders: string[];
    try {
      folders = (await readdir(dir, { withFileTypes: true }))
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort();
    } catch (err) {
      return { ok: false, problems: [{ file: dir, path: "", message: `cannot read mappings: ${messageOf(err)}` }] };
    }
    for (const folder of folders) {
      const file = path.join(dir, folder, `${folder}.yaml`);
      const shown = shownPath(file);
      const parsed = await parseYamlFile(file, mappingFileSchema, shown);
      if (!parsed.ok) {
        problems.push(...parsed.problems);
        continue;
      }
      if (parsed.value.id !== folder) {
        problems.push({
          file: shown,
          path: "id",
          line: lineOf(await readFile(file, "utf8"), ["id"]),
          message: `id "${parsed.value.id}" must equal the folder name "${folder}"`,
        });
      }
      parsed.value.match.channels?.forEach((ch, i) => {
        if (channels && !channels.includes(ch)) {
          problems.push({ file: shown, path: `match.channels[${i}]`, message: `unknown channel "${ch}": expected one of ${channels.join(", ")}` });
        }
      });
      const c = compileMapping(parsed.value, shown);
      if (c.ok) compiled.push(c.mapping);
      else {
        const text = await readFile(file, "utf8");
        for (const p of c.problems) {
          const at = p.field.startsWith("let.") ? ["let", p.field.slice(4)] : p.field === "match.when" ? ["match", "when"] : ["fields", p.field];
          problems.push({ file: shown, path: at.join("."), line: lineOf(text, at, p.position), message: p.message });
        }
      }
    }
    return problems.length > 0 ? { ok: false, problems } : { ok: true, set: MappingSet.of(compiled) };
  }

  get(id: string): CompiledMapping | undefined {
    return this.byId.get(id);
  }

  /** The mapping for an input: the pinned one, else the best match by priority, then file order. */
  async select(input: MappingInput): Promise<CompiledMapping | undefined> {
    if (input.format) return this.byId.get(input.format);
    let best: CompiledMapping | undefined;
    const type = mediaType(input.contentType);
    for (const m of this.mappings) {
      if (best && best.def.priority >= m.def.priority) continue;
      // The rules first, without waiting: only a `when` may need JSONata's evaluator.
      if (matchesRules(m, input, type) && (!m.when || (await holds(m, input)))) best = m;
    }
    return best;
  }

  /** Selects and applies a mapping; the result is validated against the canonical schema. */
  async map(input: MappingInput): Promise<MappingOutcome> {
    const mapping = await this.select(input);
    if (!mapping) {
      const root = input.xml ? ` (XML root ${input.xml.namespace ? `{${input.xml.namespace}}` : ""}${input.xml.name})` : "";
      const what = input.format ? `no mapping with id "${input.format}"` : `no mapping matches this delivery${root}`;
      return { ok: false, message: what, problems: [] };
    }
    return applyRecords(mapping, input);
  }
}

function matchesRules(m: CompiledMapping, input: MappingInput, type: string): boolean {
  const rule = m.def.match;
  if (rule.format !== undefined) return false; // pinned-only mapping
  if (m.def.input && m.def.input !== (input.xml ? "xml" : "json")) return false;
  if (rule.channels && !rule.channels.includes(input.channel)) return false;
  if (rule.portals && !rule.portals.includes(input.portalId)) return false;
  if (rule.contentTypes && !rule.contentTypes.includes(type)) return false;
  return !(rule.xmlRoot && !(glob(rule.xmlRoot.namespace, input.xml?.namespace) && glob(rule.xmlRoot.name, input.xml?.name)));
}

async function holds(m: CompiledMapping, input: MappingInput): Promise<boolean> {
  try {
    return Boolean(await evaluate(m.when!, m.fastWhen, input.document, bindings(input)));
  } catch {
    return false;
  }
}

/**
 * The fast path's value where it has one; JSONata's evaluator otherwise, and wherever the fast
 * path meets something it does not read exactly as JSONata does, or fails: the result and any
 * error message are then JSONata's own.
 */
async function evaluate(expression: jsonata.Expression, fast: FastExpression | undefined, document: unknown, vars: Record<string, unknown>): Promise<unknown> {
  if (fast) {
    try {
      return fast(document, vars);
    } catch {
      // Falls through to JSONata, which decides the value or words the error.
    }
  }
  return expression.evaluate(document, vars);
}

/** The variables every mapping expression sees besides the document. */
export function bindings(input: MappingInput): Record<string, unknown> {
  return {
    meta: input.metadata,
    attachments: input.attachments,
    xml: input.xml ?? {},
    forms: input.forms ?? {},
    delivery: {
      channel: input.channel,
      portalId: input.portalId,
      sourceMessageId: input.sourceMessageId ?? undefined,
      receivedAt: input.receivedAt.toISOString(),
    },
  };
}

/**
 * Applies a mapping to every record of the input (see records.ts); one record that cannot be
 * mapped fails the whole delivery, so that no record is delivered while another is lost.
 */
export async function applyRecords(mapping: CompiledMapping, input: MappingInput): Promise<MappingOutcome> {
  const slices = mapping.def.records ? splitRecords(input.document, mapping.def.records, input.xml !== undefined) : undefined;
  if (!slices) return apply(mapping, input);
  const applications: Application[] = [];
  for (const slice of slices) {
    const r = await apply(mapping, { ...input, document: slice.document }, slice);
    if (!r.ok) return { ...r, message: `record ${slice.index + 1} of ${slice.count} (${slice.path}): ${r.message}` };
    applications.push(...r.applications);
  }
  return { ok: true, format: mapping.id, applications };
}

/** Applies one mapping to one document; errors name the mapping, the field and its expression. */
export async function apply(mapping: CompiledMapping, input: MappingInput, record?: RecordSlice): Promise<MappingOutcome> {
  let raw: unknown;
  try {
    raw = await evaluate(mapping.expression, mapping.fast, input.document, bindings(input));
  } catch (err) {
    const e = err as { message: string; position?: number; code?: string };
    const span = fieldAt(mapping, e.position);
    // D3137 is JSONata's code for `$error(message)`: the mapping's author wrote that sentence for
    // people (it becomes the park reason), so it stands alone, without the expression's source.
    const authored = e.code === "D3137";
    return {
      ok: false,
      format: mapping.id,
      message: authored ? e.message : `mapping ${mapping.id}: ${span ? `field ${span.field} (${span.source}): ` : ""}${e.message}`,
      problems: [{ path: span?.field ?? "", message: e.message }],
    };
  }
  const mapped: Record<string, unknown> = typeof raw === "object" && raw !== null ? plainJson(raw) : {};
  delete mapped.signatures; // what ozg-hub verified, never what a mapping claims
  if (input.recipient) {
    // The transport's tenant decides at routing; only its addressing fields go into the application.
    const { tenant: _tenant, ...address } = input.recipient;
    mapped.recipient = { ...plainJson(address), ...(mapped.recipient as object | undefined) };
  }
  const candidate = {
    ...mapped,
    sourceFormat: mapping.id,
    attachments: describeAttachments(input.attachments, mapped.attachments),
    ...(input.signatures?.length ? { signatures: input.signatures } : {}),
    // The whole source rides along, whatever the mapping extracted: nothing can be lost.
    content: {
      kind: input.xml ? "xml" : "json",
      ...(input.xml ? { root: input.xml.namespace ? input.xml : { name: input.xml.name } } : {}),
      document: input.document,
      ...(record ? { record: { index: record.index, count: record.count, path: record.path } } : {}),
    },
  };
  const checked = validateApplication(candidate);
  if (checked.ok) return { ok: true, format: mapping.id, applications: [checked.application] };
  const problems = checked.problems;
  const field = (p: string) => mapping.def.fields[p] ?? "";
  return {
    ok: false,
    format: mapping.id,
    message: `mapping ${mapping.id} produced an invalid application: ${problems
      .map((p) => `${p.path || "(root)"}: ${p.message}${field(p.path) ? ` (from ${field(p.path)})` : ""}`)
      .join("; ")}`,
    problems,
  };
}

/**
 * The stored attachments as the application lists them. A mapping may set `attachments` to a
 * list of `{ name, title?, group? }` read from the document (xdomea Dokumente, FIT-Connect
 * metadata): entries are matched to stored files by name and lend them their title and group.
 * What is listed but was not delivered is ignored; files are never invented by a mapping.
 */
function describeAttachments(stored: AttachmentInfo[], described: unknown): Application["attachments"] {
  const byName = new Map<string, { title?: unknown; group?: unknown }>();
  for (const d of Array.isArray(described) ? described : described ? [described] : []) {
    if (d && typeof d === "object" && typeof (d as { name?: unknown }).name === "string") byName.set((d as { name: string }).name, d as object);
  }
  return stored.map((a) => {
    const d = byName.get(a.name);
    const group = a.group ?? (typeof d?.group === "string" ? d.group : undefined);
    const title = typeof d?.title === "string" && d.title !== "" ? d.title : undefined;
    return { id: a.id, name: a.name, contentType: a.contentType, ...(group ? { group } : {}), size: a.size, sha256: a.sha256, ...(title ? { title } : {}) };
  });
}
