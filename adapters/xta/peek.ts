import { NS } from "./ns.ts";

/** How much of an unauthenticated request is looked at: enough for any real SOAP header. */
export const PEEK_BYTES = 16 * 1024;

const ENVELOPE = /<(?:[A-Za-z_][\w.-]*:)?Envelope[\s>/]/;
const TAG = /<(\/?)(?:([A-Za-z_][\w.-]*):)?([A-Za-z_][\w.-]*)((?:\s[^<>]*?)?)(\/?)>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[[\s\S]*?\]\]>/g;
const XMLNS = /\sxmlns(?::([\w.-]+))?\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/**
 * The `wsa:MessageID` header block of a request whose sender is not yet authenticated, so that
 * even its refusal (9012) can carry `wsa:RelatesTo`. Reads at most {@link PEEK_BYTES} and stops
 * at the SOAP Body: nothing of an unknown caller's payload is read or parsed. A small tag scanner
 * rather than the XML parser, because the peeked bytes end mid-document by design; whatever it
 * cannot recognise with certainty yields `undefined` (the fault then goes without RelatesTo).
 */
export async function peekMessageId(request: Request): Promise<string | undefined> {
  if (!request.body) return undefined;
  const reader = request.body.getReader();
  const pieces: Uint8Array[] = [];
  let size = 0;
  let text = "";
  try {
    while (size < PEEK_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      pieces.push(value);
      size += value.byteLength;
      text = Buffer.concat(pieces, size).subarray(0, PEEK_BYTES).toString("utf8");
      if (/<(?:[\w.-]+:)?Body[\s>/]/.test(text)) break;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return headerMessageId(text);
}

/** The text of the first wsa:MessageID that is a direct child of the SOAP 1.2 Header in `xml`. */
export function headerMessageId(xml: string): string | undefined {
  const start = ENVELOPE.exec(xml);
  if (!start) return undefined;
  const stack: { ns: string | undefined; local: string; scope: Map<string, string> }[] = [];
  TAG.lastIndex = start.index;
  for (let m = TAG.exec(xml); m; m = TAG.exec(xml)) {
    const [whole, closing, prefix, local, attrs, selfClosing] = m;
    if (local === undefined) continue; // comment, processing instruction, CDATA
    if (closing) {
      stack.pop();
      continue;
    }
    const scope = new Map(stack.at(-1)?.scope);
    for (const d of (attrs ?? "").matchAll(XMLNS)) scope.set(d[1] ?? "", d[2] ?? d[3] ?? "");
    const ns = scope.get(prefix ?? "");
    const depth = stack.length;
    if (depth === 0 && (local !== "Envelope" || ns !== NS.s12)) return undefined;
    if (depth === 1 && local === "Body") return undefined;
    if (depth === 2 && stack[1]!.local === "Header" && stack[1]!.ns === NS.s12 && local === "MessageID" && ns === NS.wsa) {
      if (selfClosing) return undefined;
      const end = xml.indexOf("<", m.index + whole.length);
      if (end < 0) return undefined;
      const value = xml.slice(m.index + whole.length, end).trim();
      return value ? value.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ENTITIES[e]!) : undefined;
    }
    if (!selfClosing) stack.push({ ns, local, scope });
  }
  return undefined;
}
