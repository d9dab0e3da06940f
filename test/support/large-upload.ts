// Shared by the memory benchmark (bench/) and the resource chaos run (chaos/): plain node, no vitest.
import { createHash } from "node:crypto";
import http from "node:http";
import { Readable } from "node:stream";

/**
 * Streams a multipart /antrag request with one attachment of `bytes` bytes generated on the fly
 * (never held in this process either), and returns the HTTP status and the attachment's sha256.
 */
export async function uploadLarge(o: { url: string; token: string; bytes: number; form: unknown }): Promise<{ status: number; sha256: string; body: string }> {
  const boundary = `----ozgbench${Date.now()}`;
  const head =
    `--${boundary}\r\nContent-Disposition: form-data; name="formData"\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(o.form)}\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="attachment"; filename="grossplan.tif"\r\nContent-Type: image/tiff\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  const hash = createHash("sha256");
  const chunk = Buffer.alloc(256 * 1024);
  async function* body() {
    yield Buffer.from(head);
    let left = o.bytes;
    let i = 0;
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      chunk.fill(i++ % 251);
      const piece = chunk.subarray(0, n);
      hash.update(piece);
      yield Buffer.from(piece);
      left -= n;
    }
    yield Buffer.from(tail);
  }
  const u = new URL("/antrag", o.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        hostname: u.hostname,
        port: u.port,
        path: u.pathname,
        method: "POST",
        headers: { authorization: `Bearer ${o.token}`, "content-type": `multipart/form-data; boundary=${boundary}` },
      },
      (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, sha256: hash.digest("hex"), body: text }));
      },
    );
    req.on("error", reject);
    Readable.from(body()).pipe(req);
  });
}
