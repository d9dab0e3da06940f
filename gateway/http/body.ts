/**
 * Reads a request body up to `limit` bytes. A declared Content-Length over the limit is refused
 * before reading; a body that grows past it is cancelled as soon as it does, so an oversize
 * upload never sits in memory. For documents (JSON, XML, SOAP); attachments are streamed.
 */
export async function readBody(request: Request, limit: number): Promise<Buffer | "too_large"> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > limit) return "too_large";
  if (!request.body) return Buffer.alloc(0);
  const pieces: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return "too_large";
    }
    pieces.push(value);
  }
  return Buffer.concat(pieces, size);
}
