import type { StatusDocument, StoredAttachment, StoredDocument } from "../contract.ts";
import type { Store } from "../store/db.ts";

/**
 * The stored records adapters serve back to their callers, each read only for the party it
 * belongs to: a tenant gets its own documents and attachments, a portal the status documents of
 * what it delivered. Anything else is answered like a missing record, so ids cannot be probed.
 */
export function storedRecords(store: Store) {
  const { sql } = store;
  return {
    async originalDocument(deliveryId: string, tenantId: string): Promise<StoredDocument | undefined> {
      // A message whose records went to several tenants holds the others' records: nobody gets it whole.
      const [d] = await sql<{ document: Buffer | null; content_type: string | null; sha256: string | null }[]>`
        select document, content_type, sha256 from deliveries
         where id = ${deliveryId} and tenant_id = ${tenantId} and state <> 'parked'`;
      if (!d?.document) return undefined;
      return { bytes: new Uint8Array(d.document), contentType: d.content_type, sha256: d.sha256 };
    },

    async attachment(attachmentId: string, tenantId: string): Promise<StoredAttachment | undefined> {
      const [a] = await sql<{ name: string; content_type: string; size: string; sha256: string | null; chunks: number }[]>`
        select a.name, a.content_type, a.size, a.sha256,
               (select count(*)::int from attachment_chunks ch where ch.attachment_id = a.id) as chunks
          from attachments a join deliveries d on d.id = a.delivery_id
         where a.id = ${attachmentId} and d.tenant_id = ${tenantId}`;
      if (!a) return undefined;
      return {
        name: a.name,
        contentType: a.content_type,
        size: Number(a.size),
        sha256: a.sha256,
        // One slice in memory at a time, read when the consumer is ready for it.
        async *slices() {
          for (let seq = 0; seq < a.chunks; seq++) {
            const [row] = await sql<{ data: Buffer }[]>`select data from attachment_chunks where attachment_id = ${attachmentId} and seq = ${seq}`;
            if (!row) throw new Error(`slice ${seq} of attachment ${attachmentId} is missing`);
            yield new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength);
          }
        },
      };
    },

    async statusDocument(deliveryId: string, statusId: string, portalId: string): Promise<StatusDocument | undefined> {
      const [row] = await sql<{ document: Buffer; data: string }[]>`
        select r.document, r.data::text as data from status_reports r join deliveries d on d.id = r.delivery_id
         where r.id = ${statusId} and r.delivery_id = ${deliveryId} and d.portal_id = ${portalId} and r.document is not null`;
      if (!row) return undefined;
      const doc = (JSON.parse(row.data) as { document?: { name: string; contentType: string } }).document;
      return { bytes: new Uint8Array(row.document), name: doc?.name ?? "document", contentType: doc?.contentType ?? "application/octet-stream" };
    },
  };
}
