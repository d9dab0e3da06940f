import type { InboundDocument, IntakeResult } from "../../gateway/index.ts";
import { formatPath, parseJson } from "../../gateway/index.ts";
import type { z } from "zod";

type DocumentOrRefusal = InboundDocument | Extract<IntakeResult, { kind: "malformed" | "invalid" }>;

/**
 * Parses a JSON document and checks it against a zod schema: `malformed` for bytes that are no
 * JSON or nest deeper than `jsonDepth` (400; checked first, since the schema check recurses),
 * `invalid` with field paths for schema violations (422).
 */
export function jsonDocument<S extends z.ZodType>(
  bytes: Buffer,
  jsonDepth: number,
  schema: S,
  build: (value: z.output<S>) => Omit<InboundDocument, "bytes" | "contentType">,
): DocumentOrRefusal {
  const json = parseJson(bytes, jsonDepth);
  if (!json.ok) return { kind: "malformed", detail: json.detail };
  const parsed = schema.safeParse(json.value);
  if (!parsed.success) {
    return { kind: "invalid", problems: parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })) };
  }
  return { contentType: "application/json", bytes, ...build(parsed.data) };
}
