/**
 * MIME Multipart/Related as OSCI clients send it. The Governikus library labels the HTTP body
 * `text/xml` while the body itself starts with MIME headers (`MIME-Version`, `Content-Type:
 * Multipart/Related; boundary=...`), so the boundary is taken from the HTTP header when it has
 * one and from the body's own headers otherwise. Parts are kept as raw bytes: `8bit`, `binary`
 * and the non-standard `8-bit` are not transformed, `base64` is decoded.
 */

export interface MimePart {
  /** Content-ID without angle brackets, e.g. `osci@message`. */
  contentId: string;
  contentType: string;
  headers: Record<string, string>;
  body: Buffer;
}

export type MimeParse = { ok: true; parts: MimePart[] } | { ok: false; detail: string };

const CRLF2 = Buffer.from("\r\n\r\n");

function parseHeaders(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  // Folded header lines continue with whitespace.
  for (const line of block.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/multipart\/related/i.test(contentType)) return undefined;
  const m = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m?.[1] ?? m?.[2];
}

/** Splits a whole OSCI message (HTTP body, or a decrypted transport layer) into its parts. */
export function parseMime(body: Buffer, httpContentType?: string): MimeParse {
  let boundary = boundaryOf(httpContentType);
  let start = 0;
  if (!boundary) {
    const end = headerEnd(body, 0);
    if (end < 0) return { ok: false, detail: "no MIME headers and no multipart Content-Type" };
    boundary = boundaryOf(parseHeaders(body.subarray(0, end).toString("latin1"))["content-type"]);
    if (!boundary) return { ok: false, detail: "the message is not MIME Multipart/Related" };
    start = end;
  }
  const delim = Buffer.from(`--${boundary}`);
  let at = body.indexOf(delim, start);
  if (at < 0) return { ok: false, detail: "MIME boundary not found" };
  const parts: MimePart[] = [];
  for (;;) {
    let from = at + delim.length;
    if (body[from] === 0x2d && body[from + 1] === 0x2d) break; // closing delimiter
    if (body[from] === 0x0d && body[from + 1] === 0x0a) from += 2;
    else if (body[from] === 0x0a) from += 1;
    const next = body.indexOf(Buffer.concat([Buffer.from("\r\n"), delim]), from);
    if (next < 0) return { ok: false, detail: "MIME part without closing boundary" };
    const hEnd = headerEnd(body, from);
    if (hEnd < 0 || hEnd > next + 2) return { ok: false, detail: "MIME part without headers" };
    const headers = parseHeaders(headerText(body.subarray(from, hEnd)));
    let content = body.subarray(hEnd, next);
    if ((headers["content-transfer-encoding"] ?? "").toLowerCase() === "base64") content = Buffer.from(content.toString("latin1"), "base64");
    const contentId = (headers["content-id"] ?? "").replace(/^<|>$/g, "");
    parts.push({ contentId, contentType: headers["content-type"] ?? "application/octet-stream", headers, body: content });
    at = next + 2;
  }
  if (parts.length === 0) return { ok: false, detail: "MIME message without parts" };
  return { ok: true, parts };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A part's header block as text. OSCI clients write Content-ID and Content-Description as raw
 * UTF-8 (RFC 6532), the same text the XML `href` carries: read as UTF-8, so that `Straße` in a
 * header and in the href are one name; a block that is no valid UTF-8 is taken as Latin-1.
 */
function headerText(block: Buffer): string {
  try {
    return utf8.decode(block);
  } catch {
    return block.toString("latin1");
  }
}

/** Index just past the blank line that ends a header block starting at `from` (CRLF or LF). */
function headerEnd(buf: Buffer, from: number): number {
  const crlf = buf.indexOf(CRLF2, from);
  const lf = buf.indexOf("\n\n", from);
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) return crlf + 4;
  return lf >= 0 ? lf + 2 : -1;
}

export interface OutPart {
  contentId: string;
  contentType: string;
  body: Buffer | string;
  /** Extra headers, e.g. Content-Length of attachments. */
  headers?: Record<string, string>;
}

/**
 * A whole OSCI message with its MIME headers in front, the way OSCI clients expect it in the
 * HTTP body. Parts go out raw (`8bit` / `binary`).
 */
export function buildMime(parts: OutPart[], boundary = `MIME_boundary_${Math.random().toString(36).slice(2)}`): Buffer {
  const chunks: Buffer[] = [Buffer.from(`MIME-Version: 1.0\r\nContent-Type: Multipart/Related; boundary=${boundary}; type=text/xml\r\n\r\n`)];
  for (const p of parts) {
    const body = typeof p.body === "string" ? Buffer.from(p.body, "utf8") : p.body;
    const headers = {
      "Content-Type": p.contentType,
      "Content-Transfer-Encoding": p.contentType.startsWith("text/") ? "8bit" : "binary",
      "Content-ID": `<${p.contentId}>`,
      ...p.headers,
    };
    const head = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("");
    chunks.push(Buffer.from(`--${boundary}\r\n${head}\r\n`), body, Buffer.from("\r\n"));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}
