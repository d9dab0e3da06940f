import type { Store } from "../store/db.ts";
import { isUuid } from "./queries.ts";

const disposition = (name: string) => `attachment; filename*=UTF-8''${encodeURIComponent(name)}`;

/** Headers that keep a browser from rendering stored content in the console's origin. */
function headers(name: string, contentType: string, size: number): Record<string, string> {
  return {
    "content-type": contentType,
    "content-length": String(size),
    "content-disposition": disposition(name),
    "x-content-type-options": "nosniff",
    "content-security-policy": "sandbox",
    "cache-control": "private, no-store",
  };
}

/** The original document of a delivery, as received, or undefined. */
export async function documentDownload(store: Store, deliveryId: string): Promise<Response | undefined> {
  if (!isUuid(deliveryId)) return undefined;
  const [d] = await store.sql<{ reference: string; content_type: string | null; document: Buffer | null }[]>`
    select reference, content_type, document from deliveries where id = ${deliveryId}::uuid`;
  if (!d?.document) return undefined;
  const type = d.content_type ?? "application/octet-stream";
  const ext = type.includes("json") ? ".json" : type.includes("xml") ? ".xml" : "";
  return new Response(new Uint8Array(d.document), { headers: headers(`${d.reference}${ext}`, type, d.document.byteLength) });
}

/** An attachment, read slice by slice through a cursor so that only one slice is in memory. */
export async function attachmentDownload(store: Store, attachmentId: string): Promise<{ response: Response; deliveryId: string } | undefined> {
  if (!isUuid(attachmentId)) return undefined;
  const [a] = await store.sql<{ delivery_id: string; name: string; content_type: string; size: string }[]>`
    select delivery_id, name, content_type, size from attachments where id = ${attachmentId}::uuid`;
  if (!a) return undefined;
  const cursor = store.sql<{ data: Buffer }[]>`select data from attachment_chunks where attachment_id = ${attachmentId}::uuid order by seq`.cursor(1);
  const slices = cursor[Symbol.asyncIterator]();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await slices.next();
      if (next.done) return controller.close();
      const data = next.value[0]!.data;
      controller.enqueue(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    },
    async cancel() {
      await slices.return?.();
    },
  });
  return { response: new Response(body, { headers: headers(a.name, a.content_type, Number(a.size)) }), deliveryId: a.delivery_id };
}
