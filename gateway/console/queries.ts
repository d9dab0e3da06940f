import type { Store } from "../store/db.ts";

/** What the console's search form sends; every field optional, all given ones must match. */
export interface SearchQuery {
  /**
   * Reference, transactionId / source message id, delivery or application id, or part of an
   * applicant's name; parked deliveries have no application yet, so for them the text is looked
   * for in the document as received (bytes, case as typed).
   */
  q?: string;
  tenant?: string;
  channel?: string;
  state?: string;
  from?: Date;
  to?: Date;
  /** Only these deliveries (a selection to confirm). */
  ids?: string[];
  /** Only parked deliveries whose park stage and message are these (the parked list's groups). */
  reason?: string;
}

export interface Hit {
  id: string;
  reference: string;
  channel: string;
  portal: string;
  sourceId: string | null;
  state: string;
  tenant: string | null;
  format: string | null;
  receivedAt: Date;
  applicants: string | null;
  parkReason: string | null;
}

/** Timestamps from the raw client arrive as text (drizzle sets the parsers for its own use). */
const time = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are uuids; anything else is answered as not found before it reaches a uuid cast. */
export const isUuid = (s: string) => UUID.test(s);

/** The park reason as one line, the key by which the parked list groups. */
const REASON = `coalesce(d.park_reason->>'stage', '') || ': ' || coalesce(d.park_reason->>'message', '')`;

/** Deliveries matching a search, newest first (at most `limit`). */
export async function searchDeliveries(store: Store, s: SearchQuery, limit = 200): Promise<Hit[]> {
  const { sql } = store;
  const q = s.q?.trim() || undefined;
  const uuid = q && UUID.test(q) ? q : null;
  const like = q ? `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%` : null;
  const text = q
    ? sql`and (d.reference = ${q.toUpperCase()} or d.source_message_id = ${q}
        or d.id = ${uuid}::uuid
        or exists (select 1 from applications a where a.delivery_id = d.id and (a.id = ${uuid}::uuid or a.body->'applicant'->>'name' ilike ${like}))
        or (d.state = 'parked' and position(convert_to(${q}, 'UTF8') in d.document) > 0))`
    : sql``;
  const rows = await sql<
    {
      id: string;
      reference: string;
      channel: string;
      portal_id: string;
      source_message_id: string | null;
      state: string;
      tenant_id: string | null;
      format: string | null;
      received_at: Date;
      applicants: string | null;
      reason: string | null;
    }[]
  >`
    select d.id, d.reference, d.channel, d.portal_id, d.source_message_id, d.state, d.tenant_id, d.format, d.received_at,
           coalesce((select string_agg(a.body->'applicant'->>'name', ', ') from applications a where a.delivery_id = d.id), d.park_reason->>'applicant') as applicants,
           case when d.state = 'parked' then ${sql.unsafe(REASON)} end as reason
    from deliveries d
    where true ${text}
      ${s.tenant ? sql`and d.tenant_id = ${s.tenant}` : sql``}
      ${s.channel ? sql`and d.channel = ${s.channel}` : sql``}
      ${s.state ? sql`and d.state = ${s.state}` : sql``}
      ${s.ids ? sql`and d.id = any(${s.ids.filter(isUuid)}::uuid[])` : sql``}
      ${s.from ? sql`and d.received_at >= ${s.from.toISOString()}` : sql``}
      ${s.to ? sql`and d.received_at < ${s.to.toISOString()}` : sql``}
      ${s.reason ? sql`and d.state = 'parked' and ${sql.unsafe(REASON)} = ${s.reason}` : sql``}
    order by d.received_at desc
    limit ${limit}`;
  return rows.map((r) => ({
    id: r.id,
    reference: r.reference,
    channel: r.channel,
    portal: r.portal_id,
    sourceId: r.source_message_id,
    state: r.state,
    tenant: r.tenant_id,
    format: r.format,
    receivedAt: time(r.received_at),
    applicants: r.applicants,
    parkReason: r.reason,
  }));
}

export interface ParkedGroup {
  reason: string;
  tenant: string | null;
  count: number;
  oldest: Date;
}

/** Parked deliveries counted by reason and tenant, the largest groups first. */
export async function parkedGroups(store: Store): Promise<ParkedGroup[]> {
  const rows = await store.sql<{ reason: string; tenant_id: string | null; n: number; oldest: Date }[]>`
    select ${store.sql.unsafe(REASON)} as reason, d.tenant_id, count(*)::int as n, min(d.received_at) as oldest
    from deliveries d where d.state = 'parked'
    group by 1, 2 order by 3 desc, 1`;
  return rows.map((r) => ({ reason: r.reason, tenant: r.tenant_id, count: r.n, oldest: time(r.oldest) }));
}

export interface Lineage {
  delivery: {
    id: string;
    reference: string;
    channel: string;
    portal: string;
    sourceId: string | null;
    contentType: string | null;
    size: number;
    sha256: string | null;
    state: string;
    tenant: string | null;
    format: string | null;
    receivedAt: Date;
    stateSince: Date;
    parkReason: unknown;
    metadata: unknown;
  };
  /**
   * The state as the operator should read it: `published` once every outbox row is confirmed,
   * although the delivery row follows a moment later (the relay settles it after its commit).
   */
  state: { name: string; since: Date; firstParkedAt?: Date; parkAttempts?: number; cancellable: boolean };
  /** Pipeline events and operator actions (`actor`: who, as the audit log names them). */
  timeline: { at: Date; type: string; detail: unknown; source: "pipeline" | "operator"; actor?: string }[];
  attachments: { id: string; name: string; contentType: string; group: string | null; size: number; sha256: string | null }[];
  applications: { id: string; tenant: string; format: string; applicant: string | null }[];
  published: {
    messageId: string;
    tenant: string;
    subscriber: string;
    kind: string;
    routingKey: string;
    headers: unknown;
    payload: unknown;
    createdAt: Date;
    publishedAt: Date | null;
    attempts: number;
    lastError: string | null;
  }[];
}

/** Everything known about one delivery: timeline (pipeline and operators), files, events as published. */
export async function lineage(store: Store, id: string): Promise<Lineage | undefined> {
  if (!UUID.test(id)) return undefined;
  const { sql } = store;
  // JSON columns come back as text and are parsed here: the raw client leaves parsing to drizzle.
  const [d] = await sql`
    select id, reference, channel, portal_id, source_message_id, content_type, size, sha256, state, tenant_id, format,
           received_at, state_since, park_reason::text as park_reason, metadata::text as metadata
    from deliveries where id = ${id}::uuid`;
  if (!d) return undefined;
  const [events, audit, files, apps, rows] = await Promise.all([
    sql`select at, type, detail::text as detail from events where delivery_id = ${id}::uuid order by id`,
    sql`select at, action, actor, detail::text as detail from audit_log where target = ${id} order by id`,
    sql`select id, name, content_type, "group", size, sha256 from attachments where delivery_id = ${id}::uuid order by position`,
    sql`select id, tenant_id, format, body->'applicant'->>'name' as applicant from applications where delivery_id = ${id}::uuid order by created_at, id`,
    sql`select message_id, tenant_id, subscriber_id, kind, routing_key, headers::text as headers, payload::text as payload, created_at, published_at, attempts, last_error
        from outbox where delivery_id = ${id}::uuid order by id`,
  ]);
  const json = (t: unknown) => (typeof t === "string" ? (JSON.parse(t) as unknown) : null);
  const timeline = [
    ...events.map((e) => ({ at: time(e.at), type: e.type as string, detail: json(e.detail), source: "pipeline" as const })),
    ...audit.map((a) => ({ at: time(a.at), type: a.action as string, actor: a.actor as string, detail: json(a.detail), source: "operator" as const })),
  ].sort((a, b) => a.at.getTime() - b.at.getTime());
  const published = rows.map((r) => ({
    messageId: r.message_id as string,
    tenant: r.tenant_id as string,
    subscriber: r.subscriber_id as string,
    kind: r.kind as string,
    routingKey: r.routing_key as string,
    headers: json(r.headers),
    payload: json(r.payload),
    createdAt: time(r.created_at),
    publishedAt: r.published_at ? time(r.published_at) : null,
    attempts: r.attempts as number,
    lastError: r.last_error as string | null,
  }));
  return {
    delivery: {
      id: d.id,
      reference: d.reference,
      channel: d.channel,
      portal: d.portal_id,
      sourceId: d.source_message_id,
      contentType: d.content_type,
      size: Number(d.size),
      sha256: d.sha256,
      state: d.state,
      tenant: d.tenant_id,
      format: d.format,
      receivedAt: time(d.received_at),
      stateSince: time(d.state_since),
      parkReason: json(d.park_reason),
      metadata: json(d.metadata),
    },
    timeline,
    attachments: files.map((f) => ({ id: f.id, name: f.name, contentType: f.content_type, group: f.group, size: Number(f.size), sha256: f.sha256 })),
    applications: apps.map((a) => ({ id: a.id, tenant: a.tenant_id, format: a.format, applicant: a.applicant })),
    published,
    state: stateOf(d.state, time(d.state_since), published, timeline),
  };
}

/** See `Lineage.state`: the effective state, the first parking and how often parking was tried. */
function stateOf(state: string, since: Date, published: Lineage["published"], timeline: Lineage["timeline"]): Lineage["state"] {
  const confirmed = published.map((p) => p.publishedAt);
  if (state === "routed" && confirmed.length > 0 && confirmed.every((t) => t !== null)) {
    return { name: "published", since: new Date(Math.max(...confirmed.map((t) => t!.getTime()))), cancellable: false };
  }
  if (state === "parked") {
    const parkings = timeline.filter((e) => e.source === "pipeline" && e.type === "parked");
    return { name: state, since, firstParkedAt: parkings[0]?.at ?? since, parkAttempts: Math.max(1, parkings.length), cancellable: true };
  }
  // Cancel takes back what no subscriber has got yet (gateway/status/control.ts refuses the rest).
  return { name: state, since, cancellable: state === "routed" && confirmed.every((t) => t === null) };
}

export interface SubscriberLoad {
  tenant: string;
  subscriber: string;
  lastHour: number;
  perHourToday: number;
  backlog: number;
  /** Seconds the oldest unpublished message has waited (0: none waits). */
  oldestWaitingSeconds: number;
  /** Mean seconds from outbox row to broker confirm over the last hour. */
  meanLagSeconds: number | null;
  lastError: string | null;
}

/**
 * Per tenant and subscriber: traffic, backlog, relay lag and last error, from the outbox
 * timestamps; the `configured` ones without traffic are listed with zeros.
 */
export async function subscriberLoad(store: Store, now: Date, configured: { tenant: string; subscriber: string }[] = []): Promise<SubscriberLoad[]> {
  const at = now.toISOString();
  const rows = await store.sql`
    select tenant_id, subscriber_id,
           count(*) filter (where created_at > ${at}::timestamptz - interval '1 hour')::int as last_hour,
           count(*) filter (where created_at > ${at}::timestamptz - interval '24 hours')::int as last_day,
           count(*) filter (where published_at is null)::int as backlog,
           coalesce(extract(epoch from ${at}::timestamptz - min(created_at) filter (where published_at is null)), 0)::float8 as oldest_waiting,
           extract(epoch from avg(published_at - created_at) filter (where published_at > ${at}::timestamptz - interval '1 hour'))::float8 as mean_lag,
           (array_agg(last_error order by next_attempt_at desc) filter (where last_error is not null))[1] as last_error
    from outbox
    where created_at > ${at}::timestamptz - interval '24 hours' or published_at is null
    group by 1, 2 order by 1, 2`;
  const quiet = configured
    .filter((c) => !rows.some((r) => r.tenant_id === c.tenant && r.subscriber_id === c.subscriber))
    .map((c) => ({ ...c, lastHour: 0, perHourToday: 0, backlog: 0, oldestWaitingSeconds: 0, meanLagSeconds: null, lastError: null }));
  const busy = rows.map((r) => ({
    tenant: r.tenant_id as string,
    subscriber: r.subscriber_id as string,
    lastHour: r.last_hour,
    perHourToday: Math.round((r.last_day / 24) * 10) / 10,
    backlog: r.backlog,
    oldestWaitingSeconds: Math.max(0, Math.round(r.oldest_waiting)),
    meanLagSeconds: r.mean_lag === null ? null : Math.round(r.mean_lag * 1000) / 1000,
    lastError: r.last_error as string | null,
  }));
  return [...busy, ...quiet].sort((a, b) => a.tenant.localeCompare(b.tenant) || a.subscriber.localeCompare(b.subscriber));
}

/** One way back to a portal in the overview: its notifications by state and its endpoint. */
export interface WayBackLoad {
  portal: string;
  channel: string;
  pending: number;
  failed: number;
  parked: number;
  deliveredLastDay: number;
  /** enabled | disabled, for push ways back that have been tried */
  endpoint: string | null;
  lastError: string | null;
}

/** Per portal and way back (webhook, msgBox, parked, …): what waits, what failed, and disabled endpoints. */
export async function wayBackLoad(store: Store, now: Date): Promise<WayBackLoad[]> {
  const rows = await store.sql`
    select n.portal_id, n.channel,
           count(*) filter (where n.state = 'pending')::int as pending,
           count(*) filter (where n.state = 'failed')::int as failed,
           count(*) filter (where n.state = 'parked')::int as parked,
           count(*) filter (where n.state = 'delivered' and n.delivered_at > ${now.toISOString()}::timestamptz - interval '24 hours')::int as delivered,
           max(e.state) as endpoint, coalesce(max(e.last_error), (array_agg(n.last_error order by n.id desc) filter (where n.last_error is not null))[1]) as last_error
      from portal_notifications n left join portal_endpoints e on e.portal_id = n.portal_id and e.channel = n.channel
     group by 1, 2 order by 1, 2`;
  return rows.map((r) => ({
    portal: r.portal_id,
    channel: r.channel,
    pending: r.pending,
    failed: r.failed,
    parked: r.parked,
    deliveredLastDay: r.delivered,
    endpoint: r.endpoint,
    lastError: r.last_error,
  }));
}

/** Parked deliveries per tenant (null: not routable to any tenant). */
export async function parkedByTenant(store: Store): Promise<{ tenant: string | null; count: number }[]> {
  const rows = await store.sql`select tenant_id, count(*)::int as n from deliveries where state = 'parked' group by 1 order by 2 desc`;
  return rows.map((r) => ({ tenant: r.tenant_id, count: r.n }));
}
