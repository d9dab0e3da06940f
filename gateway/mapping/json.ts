import { messageOf } from "../errors.ts";

export type JsonParse = { ok: true; value: unknown } | { ok: false; detail: string };

/**
 * Parses a JSON document from its bytes (UTF-8, strict) after checking its nesting against
 * `maxDepth` (`limits.jsonDepth`). The check scans the raw bytes in one loop, without recursion,
 * so no depth of input can overflow the stack here; everything that walks the parsed value later
 * (schema checks, mappings, serialisation, the console) recurses, and is safe only because of it.
 *
 * @example parseJson(Buffer.from('{"a":[1]}'), 64) // { ok: true, value: { a: [1] } }
 */
export function parseJson(bytes: Uint8Array, maxDepth: number): JsonParse {
  const depth = jsonDepth(bytes, maxDepth);
  if (depth > maxDepth) return { ok: false, detail: `JSON nested deeper than ${maxDepth} levels (limits.jsonDepth)` };
  try {
    return { ok: true, value: JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) };
  } catch (err) {
    return { ok: false, detail: `not valid UTF-8 JSON: ${messageOf(err)}` };
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The deepest nesting of arrays and objects in `bytes`, counted up to `stopAbove + 1` (scanning
 * stops there). Brackets inside strings do not count; in UTF-8 no byte of a multi-byte character
 * is a quote, bracket or backslash, so bytes can be scanned as they are. Malformed input gets
 * some number; JSON.parse refuses it afterwards.
 */
export function jsonDepth(bytes: Uint8Array, stopAbove: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === 0x5b || b === 0x7b) {
      if (++depth > deepest && (deepest = depth) > stopAbove) return deepest;
    } else if (b === 0x5d || b === 0x7d) depth--;
  }
  return deepest;
}
