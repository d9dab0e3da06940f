import type { Store } from "../store/db.ts";

/** The box of one pull subscriber: a subscriber whose kind an adapter serves as a mailbox (`AdapterConfigSpec.pullSubscriber`). */
export interface MailboxAddress {
  tenantId: string;
  subscriberId: string;
  /** The subscriber's kind, as its outbox rows carry it. */
  kind: string;
}

/** One application waiting in a mailbox: an outbox row that has not been closed yet. */
export interface MailboxItem {
  /** Position in the box; later items have higher positions. */
  position: number;
  /** The outbox message id (application id + subscriber), stable across fetches. */
  messageId: string;
  deliveryId: string;
  applicationId: string;
  createdAt: Date;
  /** The CloudEvent, as the AMQP relay would publish it. */
  payload: Record<string, unknown>;
  headers: Record<string, string>;
}

export interface MailboxPage {
  items: MailboxItem[];
  /** Items after the last one returned. */
  pending: number;
}

/**
 * Pull delivery for subscribers that fetch rather than consume a queue. The box holds the
 * subscriber's outbox rows (of its pull kind) that are not yet published; listing and fetching change
 * nothing, so a message fetched but never closed is offered again. `close` marks the rows
 * published (the relay's own meaning of "delivered"), in one transaction with their events.
 *
 * @example
 * const box = createMailbox(store, () => new Date());
 * const page = await box.list({ tenantId: t.id, subscriberId: s.id, kind: s.kind }, { limit: 10 });
 * await box.close(address, page.items.map((i) => i.messageId));
 */
export function createMailbox(store: Store, clock: () => Date) {
  // Plain SQL with JSON and timestamps as text: the store's client has drizzle's pass-through
  // (de)serialisers installed, so values are converted here rather than by the driver.
  const { sql } = store;
  type Row = { id: string; message_id: string; delivery_id: string; application_id: string; created_at: string; payload: string; headers: string };
  const toItem = (r: Row): MailboxItem => ({
    position: Number(r.id),
    messageId: r.message_id,
    deliveryId: r.delivery_id,
    applicationId: r.application_id,
    createdAt: new Date(r.created_at),
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    headers: JSON.parse(r.headers) as Record<string, string>,
  });

  return {
    /** Items after position `after` (exclusive), oldest first. */
    async list(box: MailboxAddress, opts: { limit: number; after?: number }): Promise<MailboxPage> {
      const after = opts.after ?? 0;
      const rows = await sql<Row[]>`
        select id, message_id, delivery_id, application_id, to_json(created_at)#>>'{}' as created_at, payload::text as payload, headers::text as headers from outbox
        where kind = ${box.kind} and published_at is null and tenant_id = ${box.tenantId} and subscriber_id = ${box.subscriberId} and id > ${after}
        order by id limit ${opts.limit}`;
      const last = rows.length > 0 ? Number(rows[rows.length - 1]!.id) : after;
      const [rest] = await sql<{ n: string }[]>`
        select count(*) as n from outbox
        where kind = ${box.kind} and published_at is null and tenant_id = ${box.tenantId} and subscriber_id = ${box.subscriberId} and id > ${last}`;
      return { items: rows.map(toItem), pending: Number(rest?.n ?? 0) };
    },

    /**
     * One open item by its message id; records the fetch on the delivery's timeline. The
     * `fetched` event is what denies a later cancel (the tenant's system holds the message
     * now); the row is share-locked until it is written, so a cancel racing this fetch either
     * deletes the row first (nothing is handed out) or finds it locked and is denied.
     */
    async fetch(box: MailboxAddress, messageId: string): Promise<MailboxItem | undefined> {
      return sql.begin(async (tx) => {
        const [row] = await tx<Row[]>`
          select id, message_id, delivery_id, application_id, to_json(created_at)#>>'{}' as created_at, payload::text as payload, headers::text as headers from outbox
          where kind = ${box.kind} and published_at is null and tenant_id = ${box.tenantId} and subscriber_id = ${box.subscriberId} and message_id = ${messageId}
          for share`;
        if (!row) return undefined;
        await tx`insert into events (delivery_id, at, type, detail) values (${row.delivery_id}, ${clock().toISOString()}, 'fetched', ${JSON.stringify({ subscriber: box.subscriberId, messageId })}::jsonb)`;
        return toItem(row);
      });
    },

    /** The stored attachments of a delivery, in order, with their bytes (for pull protocols that carry them inline). */
    async attachments(deliveryId: string): Promise<{ name: string; contentType: string; group: string | null; size: number; bytes: Buffer }[]> {
      const files = await sql<{ id: string; name: string; content_type: string; group: string | null; size: string }[]>`
        select id, name, content_type, "group", size from attachments where delivery_id = ${deliveryId} order by position`;
      const out = [];
      for (const f of files) {
        const chunks = await sql<{ data: Buffer }[]>`select data from attachment_chunks where attachment_id = ${f.id} order by seq`;
        out.push({ name: f.name, contentType: f.content_type, group: f.group, size: Number(f.size), bytes: Buffer.concat(chunks.map((c) => c.data)) });
      }
      return out;
    },

    /** Total size of a delivery's attachments, to decide before reading them. */
    async attachmentBytes(deliveryId: string): Promise<number> {
      const [r] = await sql<{ n: string | null }[]>`select sum(size) as n from attachments where delivery_id = ${deliveryId}`;
      return Number(r?.n ?? 0);
    },

    /**
     * Takes items out of the box. Returns the ids it closed now; ids that are unknown, of
     * another box, or closed before are returned as `unknown`.
     */
    async close(box: MailboxAddress, messageIds: string[]): Promise<{ closed: string[]; unknown: string[] }> {
      if (messageIds.length === 0) return { closed: [], unknown: [] };
      const at = clock().toISOString();
      const closedRows = await sql.begin(async (tx) => {
        const rows = await tx<{ message_id: string; delivery_id: string }[]>`
          update outbox set published_at = ${at}, attempts = attempts + 1, last_error = null
          where kind = ${box.kind} and published_at is null and tenant_id = ${box.tenantId} and subscriber_id = ${box.subscriberId}
            and message_id in ${tx(messageIds)}
          returning message_id, delivery_id`;
        if (rows.length === 0) return rows;
        const events = rows.map((r) => ({
          delivery_id: r.delivery_id,
          at,
          type: "published",
          detail: { subscriber: box.subscriberId, messageId: r.message_id, via: "mailbox" },
        }));
        await tx`insert into events (delivery_id, at, type, detail) select delivery_id, at, type, detail from jsonb_populate_recordset(null::events, ${JSON.stringify(events)}::jsonb)`;
        return rows;
      });
      if (closedRows.length === 0) return { closed: [], unknown: messageIds };
      // The delivery is published once no subscriber is left waiting. Checked after the commit:
      // inside it, rows the relay marks at the same moment would still look unpublished to
      // both sides, and neither would move the delivery on.
      const deliveryIds = [...new Set(closedRows.map((r) => r.delivery_id))];
      await sql`
        update deliveries d set state = 'published', state_since = ${at}
        where d.id in ${sql(deliveryIds)} and d.state = 'routed'
          and not exists (select 1 from outbox o where o.delivery_id = d.id and o.published_at is null)`;
      const closed = closedRows.map((r) => r.message_id);
      return { closed, unknown: messageIds.filter((m) => !closed.includes(m)) };
    },
  };
}

export type Mailbox = ReturnType<typeof createMailbox>;
