import { once } from "node:events";
import type { Writable } from "node:stream";
import type { TransactionSql } from "postgres";

/**
 * Streams attachment slices into `attachment_chunks` with COPY in Postgres' binary format.
 *
 * Why not INSERT: a bytea parameter travels as a hex string (postgres.js has no binary
 * parameters), so every megabyte became several megabytes of short-lived strings and buffers,
 * and a 200 MB upload grew the heap by ~100 MB. Binary COPY sends the bytes as they are.
 */
export class ChunkCopy {
  private seq = 0;
  private readonly uuid: Buffer;

  private constructor(
    private readonly stream: Writable,
    attachmentId: string,
  ) {
    this.uuid = Buffer.from(attachmentId.replace(/-/g, ""), "hex");
  }

  static async open(tx: TransactionSql, attachmentId: string): Promise<ChunkCopy> {
    const stream = (await tx`copy attachment_chunks (attachment_id, seq, data) from stdin with (format binary)`.writable()) as Writable;
    stream.on("error", () => {}); // surfaced through write/end below, or irrelevant after abort
    const copy = new ChunkCopy(stream, attachmentId);
    // Signature, flags, header extension length (COPY binary format, section "File Formats").
    await copy.write(Buffer.concat([Buffer.from("PGCOPY\n\xff\r\n\0", "latin1"), Buffer.alloc(8)]));
    return copy;
  }

  /** Appends one row: (attachment id, next seq, data). */
  async row(data: Buffer): Promise<void> {
    const head = Buffer.alloc(2 + 4 + 16 + 4 + 4 + 4);
    let o = head.writeInt16BE(3, 0);
    o = head.writeInt32BE(16, o);
    o += this.uuid.copy(head, o);
    o = head.writeInt32BE(4, o);
    o = head.writeInt32BE(this.seq++, o);
    head.writeInt32BE(data.byteLength, o);
    await this.write(head);
    await this.write(data);
  }

  /** Ends the COPY; resolves when Postgres has taken every row. */
  async close(): Promise<void> {
    const trailer = Buffer.alloc(2);
    trailer.writeInt16BE(-1, 0);
    await new Promise<void>((resolve, reject) => {
      this.stream.once("error", reject);
      this.stream.end(trailer, () => resolve());
    });
  }

  /** Abandons the COPY (Postgres gets CopyFail; the caller rolls the transaction back). */
  abort(reason: string): void {
    this.stream.destroy(new Error(reason));
  }

  private async write(buf: Buffer): Promise<void> {
    if (this.stream.write(buf)) return;
    // Both waits are cancelled once either ends: a bare race would leave the loser's listeners
    // on the stream, one pair per stalled write (MaxListenersExceededWarning on big attachments).
    const done = new AbortController();
    try {
      await Promise.race([once(this.stream, "drain", { signal: done.signal }), once(this.stream, "close", { signal: done.signal })]);
    } finally {
      done.abort();
    }
  }
}
