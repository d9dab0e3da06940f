import type { Store } from "../store/db.ts";
import type { MailboxItem, MailboxPage } from "./mailbox.ts";

/** A reply file (the Bescheid) with its bytes, for pull protocols that carry files inline. */
export interface ReplyFile {
  name: string;
  contentType: string;
  size: number;
  bytes: Buffer;
}

/**
 * Status replies waiting for portals that fetch them: the pending portal notifications of one
 * pulled channel (e.g. the XTA adapter's `xta-mailbox`). Listing and fetching change nothing but the
 * timeline; `close` marks them delivered, so a reply fetched but never closed is offered again.
 * Items carry the portal status event as `payload` (see schemas/portal-status-event.v1).
 *
 * @example
 * const replies = createReplyBox(store, () => new Date(), "xta-mailbox");
 * const page = await replies.list("xtaportal", { limit: 10 });
 * await replies.close("xtaportal", page.items.map((i) => i.messageId));
 */
export function createReplyBox(store: Store, clock: () => Date, channel: string) {
  const { sql } = store;
  type Row = { id: string; message_id: string; delivery_id: string; created_at: string; payload: string };
  const toItem = (r: Row): MailboxItem => {
    const payload = JSON.parse(r.payload) as { data?: { applicationId?: string } } & Record<string, unknown>;
    return {
      position: Number(r.id),
      messageId: r.message_id,
      deliveryId: r.delivery_id,
      applicationId: payload.data?.applicationId ?? "",
      createdAt: new Date(r.created_at),
      payload,
      headers: {},
    };
  };

  return {
    async list(portalId: string, opts: { limit: number; after?: number }): Promise<MailboxPage> {
      const after = opts.after ?? 0;
      const rows = await sql<Row[]>`
        select id, message_id, delivery_id, to_json(created_at)#>>'{}' as created_at, payload::text as payload from portal_notifications
        where channel = ${channel} and state = 'pending' and portal_id = ${portalId} and id > ${after}
        order by id limit ${opts.limit}`;
      const last = rows.length > 0 ? Number(rows[rows.length - 1]!.id) : after;
      const [rest] = await sql<{ n: number }[]>`
        select count(*)::int as n from portal_notifications where channel = ${channel} and state = 'pending' and portal_id = ${portalId} and id > ${last}`;
      return { items: rows.map(toItem), pending: rest?.n ?? 0 };
    },

    /** One open reply; the fetch is an attempt and lands on the delivery's timeline. */
    async fetch(portalId: string, messageId: string): Promise<MailboxItem | undefined> {
      const [row] = await sql<Row[]>`
        update portal_notifications set attempts = attempts + 1
        where channel = ${channel} and state = 'pending' and portal_id = ${portalId} and message_id = ${messageId}
        returning id, message_id, delivery_id, to_json(created_at)#>>'{}' as created_at, payload::text as payload`;
      if (!row) return undefined;
      await sql`insert into events (delivery_id, at, type, detail) values (${row.delivery_id}, ${clock().toISOString()}, 'reply-fetched', ${JSON.stringify({ messageId, channel, portal: portalId })}::jsonb)`;
      return toItem(row);
    },

    /** The Bescheid of a reply, when its status carried one. */
    async document(messageId: string): Promise<ReplyFile | undefined> {
      const [r] = await sql<{ document: Buffer | null; data: string }[]>`
        select s.document, s.data::text as data from portal_notifications n join status_reports s on s.id = n.status_report_id where n.message_id = ${messageId}`;
      const doc = r?.document ? (JSON.parse(r.data) as { document?: { name: string; contentType: string } }).document : undefined;
      return r?.document && doc ? { name: doc.name, contentType: doc.contentType, size: r.document.byteLength, bytes: r.document } : undefined;
    },

    /** Takes replies out of the box (delivered); ids unknown, of another portal or closed before come back as `unknown`. */
    async close(portalId: string, messageIds: string[]): Promise<{ closed: string[]; unknown: string[] }> {
      if (messageIds.length === 0) return { closed: [], unknown: [] };
      const at = clock().toISOString();
      const closed = await sql.begin(async (tx) => {
        const rows = await tx<{ message_id: string; delivery_id: string; attempts: number }[]>`
          update portal_notifications set state = 'delivered', delivered_at = ${at}, last_error = null
          where channel = ${channel} and state = 'pending' and portal_id = ${portalId} and message_id in ${tx(messageIds)}
          returning message_id, delivery_id, attempts`;
        const events = rows.map((r) => ({
          delivery_id: r.delivery_id,
          at,
          type: "notified",
          detail: { messageId: r.message_id, channel, attempt: r.attempts },
        }));
        if (events.length > 0)
          await tx`insert into events (delivery_id, at, type, detail) select delivery_id, at, type, detail from jsonb_populate_recordset(null::events, ${JSON.stringify(events)}::jsonb)`;
        return rows.map((r) => r.message_id);
      });
      return { closed, unknown: messageIds.filter((m) => !closed.includes(m)) };
    },
  };
}

export type ReplyBox = ReturnType<typeof createReplyBox>;
