import { createHash, randomUUID } from "node:crypto";
import type { TransactionSql } from "postgres";
import type { InboundAttachment } from "../contract.ts";
import type { AttachmentInfo } from "../mapping/engine.ts";
import { ChunkCopy } from "./chunk-copy.ts";

/** Slice size in the store: large enough for few round trips, small enough to never matter in memory. */
export const CHUNK_BYTES = 256 * 1024;

export type WriteResult = { ok: true; info: AttachmentInfo } | { ok: false; limit: number; what: "attachment" | "delivery" };

/** An attachment's content piece by piece, whether it came whole or as a stream. */
export async function* slices(content: InboundAttachment["content"]): AsyncIterable<Uint8Array> {
  if (content instanceof Uint8Array) yield content;
  else yield* content;
}

/**
 * Streams one attachment into the open transaction in CHUNK_BYTES slices, hashing as it goes.
 * Stops reading as soon as a limit is passed; the caller then rolls the transaction back.
 * The delivery row it belongs to is written later in the same transaction (deferred FK).
 *
 * An attachment that fits in one slice (most of them: scans, forms, signatures) is written
 * with its row in ONE statement once it has been read. A larger one streams through COPY, which
 * costs a fixed ~40–80 ms: the small COPY messages that follow data Postgres has not yet
 * acknowledged wait for its delayed ACK (Nagle's algorithm on the client socket, which
 * postgres.js does not switch off). Paid per small attachment, that was ~90 ms each, 9 s for
 * 100 one-byte parts.
 */
export async function writeAttachment(
  tx: TransactionSql,
  deliveryId: string,
  position: number,
  a: InboundAttachment,
  limits: { attachmentBytes: number; remainingDeliveryBytes: number },
): Promise<WriteResult> {
  const id = randomUUID();
  const hash = createHash("sha256");
  let copy: ChunkCopy | undefined;
  let size = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    copy ??= await openCopy(tx, id, deliveryId, position, a);
    await copy.row(data);
  };
  const refuse = (r: WriteResult) => {
    copy?.abort("attachment refused");
    return r;
  };
  for await (const piece of slices(a.content)) {
    const buf = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    size += buf.byteLength;
    if (size > limits.attachmentBytes) return refuse({ ok: false, limit: limits.attachmentBytes, what: "attachment" });
    if (size > limits.remainingDeliveryBytes) return refuse({ ok: false, limit: limits.remainingDeliveryBytes, what: "delivery" });
    hash.update(buf);
    // Copy: the source may reuse its buffer once we ask for the next piece.
    for (let off = 0; off < buf.byteLength;) {
      const take = Math.min(CHUNK_BYTES - pendingBytes, buf.byteLength - off);
      pending.push(Buffer.from(buf.subarray(off, off + take)));
      pendingBytes += take;
      off += take;
      if (pendingBytes === CHUNK_BYTES) await flush();
    }
  }
  const sha256 = hash.digest("hex");
  if (copy) {
    await flush();
    await copy.close();
    await tx`update attachments set size = ${size}, sha256 = ${sha256} where id = ${id}`;
  } else {
    const data = Buffer.concat(pending, pendingBytes);
    await tx`
      with a as (
        insert into attachments (id, delivery_id, position, name, content_type, "group", size, sha256)
        values (${id}, ${deliveryId}, ${position}, ${a.name}, ${a.contentType}, ${a.group ?? null}, ${size}, ${sha256})
      )
      insert into attachment_chunks (attachment_id, seq, data) select ${id}, 0, ${data} where ${size} > 0`;
  }
  return { ok: true, info: { id, name: a.name, contentType: a.contentType, ...(a.group ? { group: a.group } : {}), size, sha256 } };
}

/** The attachment's row, then a COPY into its slices: for attachments larger than one slice. */
async function openCopy(tx: TransactionSql, id: string, deliveryId: string, position: number, a: InboundAttachment): Promise<ChunkCopy> {
  await tx`insert into attachments (id, delivery_id, position, name, content_type, "group")
           values (${id}, ${deliveryId}, ${position}, ${a.name}, ${a.contentType}, ${a.group ?? null})`;
  return ChunkCopy.open(tx, id);
}
