import { parseDom, type DomParse } from "../../gateway/index.ts";

export { child, children, esc, path, text } from "../../gateway/index.ts";

/** Parses a SOAP envelope (no DTDs, any parser error fatal). */
export function parseEnvelope(text: string): DomParse {
  return parseDom(text);
}
