import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";

/** The spec of a mapping file, `mappings/<format>/<format>.yaml`. */
export const mappingFileSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]*$/, "lower-case letters, digits, dots and dashes")
      .describe("the format id"),
    description: z.string().optional(),
    priority: z.number().int().default(0).describe("among several matching mappings the highest wins"),
    input: z.enum(["json", "xml"]).optional().describe("the document kind this mapping reads; a document of the other kind never matches it"),
    match: z
      .object({
        format: z.string().optional().describe("the format an adapter or portal pins (e.g. the OZG-Cloud intake)"),
        channels: z.array(z.string().min(1)).optional().describe("the channels (registered adapters) it applies to, e.g. xta"),
        portals: z.array(z.string()).optional(),
        contentTypes: z.array(z.string()).optional().describe("media types without parameters, e.g. application/json"),
        xmlRoot: z
          .object({
            namespace: z.string().optional().describe("namespace URI of the root element; * matches any run of characters"),
            name: z.string().optional().describe("local name of the root element; * matches any run of characters"),
          })
          .strict()
          .optional(),
        when: z.string().optional().describe("JSONata predicate on the parsed document"),
      })
      .strict()
      .default({}),
    records: z
      .string()
      .regex(/^(\*|[^.*]+)(\.(\*|[^.*]+))*$/, "dotted path of keys or *")
      .optional()
      .describe(
        "where a message holds several records (e.g. *.satz): each record becomes its own application, mapped from the document with that record alone",
      ),
    let: z.record(z.string(), z.string()).default({}).describe("named JSONata values computed once, then usable as $name in fields"),
    fields: z.record(z.string(), z.string()).describe("canonical field path (dotted, e.g. applicant.address.city) → JSONata expression"),
  })
  .strict();

export type MappingFile = z.infer<typeof mappingFileSchema>;

/**
 * The line of a mapping file where a problem sits: the line of the key's value, and inside a
 * multi-line expression the line of the character JSONata complained about.
 *
 * @example lineOf(text, ["fields", "applicant.name"], 12) // 31
 */
export function lineOf(text: string, at: string[], position?: number): number | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const node = doc.getIn(at, true) as { range?: [number, number, number]; type?: string; source?: string } | undefined;
  if (!node?.range) return undefined;
  const start = lines.linePos(node.range[0]).line;
  const block = node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED";
  const value = doc.getIn(at);
  const before = typeof value === "string" && position !== undefined ? value.slice(0, position).split("\n").length - 1 : 0;
  return start + (block ? 1 : 0) + before;
}
