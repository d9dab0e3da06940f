import { createHash, randomUUID } from "node:crypto";
import type { TransactionSql } from "postgres";
import type { InboundAttachment } from "../contract.ts";
import type { AttachmentInfo } from "../mapping/engine.ts";
import { ChunkCopy } from "./chunk-copy.ts";

/** Slice size in the store: large enough for few round trips, small enough to never matter in memory. */
export const CHUNK_BYTES = 256 * 1024;

export type WriteResult = { ok: true; info: AttachmentInfo } | { ok: false; limit: number; what: "attachment" | "delivery" };

async function* slices(content: InboundAttachment["content"]): AsyncIterable<Uint8Array> {
  if (content instanceof Uint8Array) yield content;
  else yield* content;
}

/**
 * Streams one attachment into the open transaction in CHUNK_BYTES slices (one COPY per
 * attachment), hashing as it goes.
 * Stops reading as soon as a limit is passed; the caller then rolls the transaction back.
 * The delivery row it belongs to is written later in the same transaction (deferred FK).
 */
export async function writeAttachment(
  tx: TransactionSql,
  deliveryId: string,
  position: number,
  a: InboundAttachment,
  limits: { attachmentBytes: number; remainingDeliveryBytes: number },
): Promise<WriteResult> {
  const id = randomUUID();
  await tx`insert into attachments (id, delivery_id, position, name, content_type, "group")
           values (${id}, ${deliveryId}, ${position}, ${a.name}, ${a.contentType}, ${a.group ?? null})`;
  const hash = createHash("sha256");
  const copy = await ChunkCopy.open(tx, id);
  let size = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    await copy.row(data);
  };
  const refuse = (r: WriteResult) => {
    copy.abort("attachment refused");
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
  await flush();
  await copy.close();
  const sha256 = hash.digest("hex");
  await tx`update attachments set size = ${size}, sha256 = ${sha256} where id = ${id}`;
  return { ok: true, info: { id, name: a.name, contentType: a.contentType, ...(a.group ? { group: a.group } : {}), size, sha256 } };
}
