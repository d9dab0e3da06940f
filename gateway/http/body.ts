/**
 * Reads a request body up to `limit` bytes. A declared Content-Length over the limit is refused
 * before reading; a body that grows past it is cancelled as soon as it does, so an oversize
 * upload never sits in memory. For documents (JSON, XML, SOAP); attachments are streamed.
 *
 * With a Content-Length within the limit the body is read whole with `arrayBuffer()` (the HTTP
 * layer ends the body at the declared length), which @hono/node-server serves straight from
 * the Node request, without a web Request and stream around it (a large share of intake's
 * CPU per request); it is held once. Without one, it is read piece by piece up to the limit.
 */
export async function readBody(request: Request, limit: number): Promise<Buffer | "too_large"> {
  if (declaresMore(request, limit)) return "too_large";
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isSafeInteger(declared) && declared >= 0) {
    const whole = Buffer.from(await request.arrayBuffer());
    return whole.byteLength > limit ? "too_large" : whole;
  }
  if (!request.body) return Buffer.alloc(0);
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
    pieces.push(value);
    size += value.byteLength;
  }
  return Buffer.concat(pieces, size);
}

/**
 * True when the request's Content-Length announces more than `limit` bytes: refuse it before
 * reading a byte, whatever the body's type (a streamed multipart upload included).
 */
export function declaresMore(request: Request, limit: number): boolean {
  return Number(request.headers.get("content-length") ?? NaN) > limit;
}
