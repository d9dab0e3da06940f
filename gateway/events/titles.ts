/**
 * Titles for every object of a generated JSON Schema. Code generators that name models by
 * `title` (Modelina, quicktype, NJsonSchema) otherwise invent names such as `AnonymousSchema_7`
 * or a bare `Data` per file; with titles a consumer's types read like the contract: `Application`,
 * `Applicant`, `Attachment`, `DecidedStatusReport`. A title is documentation only: adding one
 * changes no instance's validity, so it is allowed within a contract version.
 */
type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; items?: Schema; oneOf?: Schema[]; anyOf?: Schema[] };

/** `leikaKeys` → `LeikaKeys`, `needs-information` → `NeedsInformation`. */
const pascal = (s: string) =>
  s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("");

/** The item of a list property: `attachments` → `Attachment`. */
const singular = (s: string) => (s.endsWith("ies") ? `${s.slice(0, -3)}y` : s.endsWith("s") ? s.slice(0, -1) : s);

/** Where the property name alone says too little or meets a name generated code already has. */
const NAMED: Record<string, string> = { content: "SourceContent", root: "XmlRoot", record: "SourceRecord", original: "OriginalDocument", document: "Bescheid" };
const titleOf = (key: string) => NAMED[key] ?? pascal(key);

/** The constant that tells variants of a union apart (`status: "decided"`), if there is one. */
function discriminator(variant: Schema): string | undefined {
  for (const p of Object.values(variant.properties ?? {})) if (typeof p.const === "string") return p.const;
  return undefined;
}

function visit(node: Schema | undefined, name: string): void {
  if (!node || typeof node !== "object") return;
  if (node.type === "object" && node.title === undefined) node.title = name;
  for (const [key, child] of Object.entries(node.properties ?? {})) visit(child, titleOf(key));
  if (node.items) visit(node.items, pascal(singular(name.replace(/^[A-Z]/, (c) => c.toLowerCase()))));
  (node.oneOf ?? node.anyOf ?? []).forEach((variant, i) => {
    const tag = discriminator(variant);
    visit(variant, tag ? `${pascal(tag)}${name}` : `${name}${i + 1}`);
  });
}

/**
 * Gives every untitled object in `schema` a title: `dataTitle` for the event's `data`, the
 * property name for the objects below it (items by the singular of their list), the
 * discriminating constant before the name for variants of a union. Changes `schema` in place.
 *
 * @example withTitles(schema, "Application") // data → "Application", data.applicant → "Applicant"
 */
export function withTitles<S extends Record<string, unknown>>(schema: S, dataTitle: string): S {
  const root = schema as Schema;
  for (const [key, child] of Object.entries(root.properties ?? {})) visit(child, key === "data" ? dataTitle : titleOf(key));
  return schema;
}
