import type { InboundDocument, IntakeResult } from "../../gateway/index.ts";
import { formatPath, messageOf } from "../../gateway/index.ts";
import type { z } from "zod";

type DocumentOrRefusal = InboundDocument | Extract<IntakeResult, { kind: "malformed" | "invalid" }>;

/**
 * Parses a JSON document and checks it against a zod schema: `malformed` for bytes that are no
 * JSON (400), `invalid` with field paths for schema violations (422).
 */
export function jsonDocument<S extends z.ZodType>(
  bytes: Buffer,
  schema: S,
  build: (value: z.output<S>) => Omit<InboundDocument, "bytes" | "contentType">,
): DocumentOrRefusal {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (err) {
    return { kind: "malformed", detail: `not valid UTF-8 JSON: ${messageOf(err)}` };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    return { kind: "invalid", problems: parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })) };
  }
  return { contentType: "application/json", bytes, ...build(parsed.data) };
}
