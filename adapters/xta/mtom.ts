/**
 * MTOM/XOP (multipart/related) requests: the root part holds the envelope, `xop:Include`
 * elements in it point at the other parts by Content-ID. The whole request is already in
 * memory (bounded by the XTA size limit), so parts are sliced out of one buffer.
 */
export interface Multipart {
  root: Buffer;
  rootType: string;
  parts: Map<string, { type: string; body: Buffer }>;
}

export function param(contentType: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]*))`, "i").exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

const stripId = (id: string) => id.trim().replace(/^<|>$/g, "");

export function parseMultipart(contentType: string, body: Buffer): Multipart | string {
  const boundary = param(contentType, "boundary");
  if (!boundary) return "multipart/related without a boundary";
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { headers: Record<string, string>; body: Buffer }[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) return "no part found";
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === "--") break;
    const headerEnd = body.indexOf("\r\n\r\n", pos);
    if (headerEnd < 0) return "a part without a header end";
    const headers: Record<string, string> = {};
    for (const line of body.subarray(pos, headerEnd).toString("latin1").split("\r\n")) {
      const i = line.indexOf(":");
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const next = body.indexOf(Buffer.concat([Buffer.from("\r\n"), delimiter]), headerEnd + 4);
    if (next < 0) return "a part without a closing boundary";
    parts.push({ headers, body: body.subarray(headerEnd + 4, next) });
    pos = next + 2;
  }
  if (parts.length === 0) return "no part found";
  const start = param(contentType, "start");
  const root = (start && parts.find((p) => stripId(p.headers["content-id"] ?? "") === stripId(start))) || parts[0]!;
  const map = new Map<string, { type: string; body: Buffer }>();
  for (const p of parts) {
    if (p === root) continue;
    if ((p.headers["content-transfer-encoding"] ?? "binary").toLowerCase() === "base64") return "base64 encoded MIME parts are not accepted, send binary";
    const id = p.headers["content-id"];
    if (id) map.set(stripId(id), { type: p.headers["content-type"] ?? "application/octet-stream", body: p.body });
  }
  return { root: root.body, rootType: root.headers["content-type"] ?? "", parts: map };
}

/** The part an `xop:Include href="cid:..."` points at (the href is URL-encoded, RFC 2392). */
export function partFor(m: Multipart | undefined, href: string): Buffer | undefined {
  if (!m || !href.startsWith("cid:")) return undefined;
  let id: string;
  try {
    id = decodeURIComponent(href.slice(4));
  } catch {
    return undefined;
  }
  return m.parts.get(id)?.body;
}
