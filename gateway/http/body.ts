/**
 * Reads a request body up to `limit` bytes. A declared Content-Length over the limit is refused
 * before reading; a body that grows past it is cancelled as soon as it does, so an oversize
 * upload never sits in memory. For documents (JSON, XML, SOAP); attachments are streamed.
 *
 * With a Content-Length the body is copied into one buffer of that size as it arrives, so a
 * large SOAP envelope is held once rather than as pieces plus their concatenation.
 */
export async function readBody(request: Request, limit: number): Promise<Buffer | "too_large"> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > limit) return "too_large";
  if (!request.body) return Buffer.alloc(0);
  // A body longer than declared (the HTTP layer normally refuses it) falls back to collecting pieces.
  let into = Number.isSafeInteger(declared) && declared >= 0 ? Buffer.allocUnsafe(declared) : undefined;
  const pieces: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > limit) {
      await reader.cancel().catch(() => {});
      return "too_large";
    }
    if (into && size + value.byteLength > into.byteLength) {
      pieces.push(into.subarray(0, size));
      into = undefined;
    }
    if (into) into.set(value, size);
    else pieces.push(value);
    size += value.byteLength;
  }
  return into ? into.subarray(0, size) : Buffer.concat(pieces, size);
}
