import { sql } from "drizzle-orm";
import { bigint, bigserial, customType, index, integer, json, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { TransportRecipient } from "../recipient.ts";

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => "bytea" });

/**
 * Every delivery as received, before any interpretation: the raw primary document and where it
 * came from. A delivery is never deleted by the pipeline; its state moves forward.
 */
export const deliveries = pgTable(
  "deliveries",
  {
    id: uuid("id").primaryKey(),
    /** Short human reference printed on receipts (OZG-Cloud "vorgangNummer"). */
    reference: text("reference").notNull().unique(),
    channel: text("channel").notNull(),
    portalId: text("portal_id").notNull(),
    /** The sender's id (transactionId, Idempotency-Key, a protocol's message id); unique per portal. */
    sourceMessageId: text("source_message_id"),
    contentType: text("content_type"),
    document: bytea("document"),
    sha256: text("sha256"),
    /** Bytes of the document and all attachments. */
    size: bigint("size", { mode: "number" }).notNull().default(0),
    metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull().default({}),
    /** The transport's addressing (a Reader, an addressee) as intake used it; replay routes with it again. */
    recipient: jsonb("recipient").$type<TransportRecipient>(),
    /** parked | routed | published | cancelled (a delivery is written once, in its first state) */
    state: text("state").notNull(),
    parkReason: jsonb("park_reason").$type<{ stage: string; message: string; details?: unknown }>(),
    tenantId: text("tenant_id"),
    format: text("format"),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
    stateSince: timestamp("state_since", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("deliveries_portal_source_uq").on(t.portalId, t.sourceMessageId),
    index("deliveries_parked_idx")
      .on(t.receivedAt)
      .where(sql`${t.state} = 'parked'`),
    // The relay's idle sweep looks for deliveries left routed; few are, among many published.
    index("deliveries_routed_idx")
      .on(t.stateSince)
      .where(sql`${t.state} = 'routed'`),
    // The admin list, newest first, of all states.
    index("deliveries_received_idx").on(t.receivedAt),
  ],
);

export const attachments = pgTable(
  "attachments",
  {
    id: uuid("id").primaryKey(),
    deliveryId: uuid("delivery_id")
      .notNull()
      .references(() => deliveries.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    name: text("name").notNull(),
    contentType: text("content_type").notNull(),
    /** What the sender called the part, e.g. OZG-Cloud's `representation` vs `attachment`. */
    group: text("group"),
    size: bigint("size", { mode: "number" }).notNull().default(0),
    sha256: text("sha256"),
  },
  (t) => [index("attachments_delivery_idx").on(t.deliveryId)],
);

/** Attachment bytes in slices, so that neither writing nor reading holds a whole file in memory. */
export const attachmentChunks = pgTable(
  "attachment_chunks",
  {
    attachmentId: uuid("attachment_id")
      .notNull()
      .references(() => attachments.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    data: bytea("data").notNull(),
  },
  (t) => [primaryKey({ columns: [t.attachmentId, t.seq] })],
);

/** A canonical Application that a mapping made of a delivery: one per record of the message. */
export const applications = pgTable(
  "applications",
  {
    id: uuid("id").primaryKey(),
    deliveryId: uuid("delivery_id")
      .notNull()
      .references(() => deliveries.id, { onDelete: "cascade" }),
    tenantId: text("tenant_id").notNull(),
    format: text("format").notNull(),
    leikaKey: text("leika_key"),
    body: jsonb("body").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("applications_delivery_idx").on(t.deliveryId)],
);

/**
 * One row per (application, subscriber), written in the same transaction as the application.
 * The relay claims due rows with FOR UPDATE SKIP LOCKED over the partial index, publishes them
 * and marks them published; rows are kept (not deleted) so that they can be audited and replayed.
 */
export const outbox = pgTable(
  "outbox",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    /** Stable message id (application id + subscriber): consumers drop duplicates by it. */
    messageId: text("message_id").notNull().unique(),
    deliveryId: uuid("delivery_id")
      .notNull()
      .references(() => deliveries.id, { onDelete: "cascade" }),
    applicationId: uuid("application_id").notNull(),
    tenantId: text("tenant_id").notNull(),
    subscriberId: text("subscriber_id").notNull(),
    /** amqp, or the pull kind of a mailbox subscriber (`AdapterConfigSpec.pullSubscriber`) */
    kind: text("kind").notNull(),
    routingKey: text("routing_key").notNull(),
    headers: jsonb("headers").$type<Record<string, string>>().notNull(),
    /** json, not jsonb: stored and read back as the text intake wrote, which is what the relay publishes. */
    payload: json("payload").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    lastError: text("last_error"),
    publishedAt: timestamp("published_at", { withTimezone: true }),
  },
  (t) => [
    index("outbox_due_idx")
      .on(t.nextAttemptAt, t.id)
      .where(sql`${t.publishedAt} is null and ${t.kind} = 'amqp'`),
    // The relay claims due rows per tenant (round-robin), and finds the tenants with a backlog by skip scan.
    index("outbox_tenant_due_idx")
      .on(t.tenantId, t.nextAttemptAt, t.id)
      .where(sql`${t.publishedAt} is null and ${t.kind} = 'amqp'`),
    // Settling a delivery asks whether any of its rows is unpublished; without this index that
    // question scans the whole (never pruned) outbox, and the cost grows with history.
    index("outbox_delivery_idx").on(t.deliveryId),
    // A pull subscriber's mailbox lists its open messages in order (the index predicate names the one pull kind there is).
    index("outbox_mailbox_idx")
      .on(t.tenantId, t.subscriberId, t.id)
      .where(sql`${t.publishedAt} is null and ${t.kind} = 'xta-mailbox'`),
  ],
);

/** The timeline of a delivery: received, mapped, routed, parked, published to X, status ... */
export const events = pgTable(
  "events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    deliveryId: uuid("delivery_id")
      .notNull()
      .references(() => deliveries.id, { onDelete: "cascade" }),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    type: text("type").notNull(),
    detail: jsonb("detail").$type<Record<string, unknown>>(),
  },
  (t) => [index("events_delivery_idx").on(t.deliveryId, t.id)],
);

/**
 * Status events reported by subscribers, as accepted (validated, tenant checked). `source` +
 * `eventId` make a repeat harmless. The Bescheid, when one came, is kept as received.
 */
export const statusReports = pgTable(
  "status_reports",
  {
    id: uuid("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    subscriberId: text("subscriber_id").notNull(),
    source: text("source").notNull(),
    eventId: text("event_id").notNull(),
    applicationId: uuid("application_id").notNull(),
    deliveryId: uuid("delivery_id")
      .notNull()
      .references(() => deliveries.id, { onDelete: "cascade" }),
    status: text("status").notNull(),
    /** The event's `data` without the document bytes. */
    data: jsonb("data").$type<Record<string, unknown>>().notNull(),
    document: bytea("document"),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("status_reports_event_uq").on(t.tenantId, t.source, t.eventId), index("status_reports_delivery_idx").on(t.deliveryId, t.receivedAt)],
);

/**
 * Notifications of a status to the portal that delivered the application, one per status
 * report, written in the same transaction. Its own table (not the application outbox): the
 * webhook dispatcher claims due rows with FOR UPDATE SKIP LOCKED over the partial index, leases
 * them while it calls the portal, and records every attempt. channel: the way back an adapter chose
 * (a push channel such as webhook, a pulled one, …) or parked.
 */
export const portalNotifications = pgTable(
  "portal_notifications",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    /** The CloudEvent id and webhook-id: receivers drop repeats by it. */
    messageId: text("message_id").notNull().unique(),
    deliveryId: uuid("delivery_id")
      .notNull()
      .references(() => deliveries.id, { onDelete: "cascade" }),
    statusReportId: uuid("status_report_id")
      .notNull()
      .references(() => statusReports.id, { onDelete: "cascade" }),
    portalId: text("portal_id").notNull(),
    channel: text("channel").notNull(),
    /** pending | delivered | failed (attempts exhausted) | parked (no way back configured) */
    state: text("state").notNull(),
    reason: text("reason"),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    lastError: text("last_error"),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
  },
  (t) => [
    index("portal_notifications_due_idx")
      .on(t.nextAttemptAt, t.id)
      .where(sql`${t.state} = 'pending'`),
    index("portal_notifications_delivery_idx").on(t.deliveryId),
  ],
);

/**
 * A portal's push way back (its webhook, its own server, …): disabled after a notification
 * exhausted its attempts, until the portal or an operator enables it again.
 */
export const portalEndpoints = pgTable(
  "portal_endpoints",
  {
    portalId: text("portal_id").notNull(),
    /** The notification channel, e.g. webhook. */
    channel: text("channel").notNull().default("webhook"),
    /** enabled | disabled */
    state: text("state").notNull(),
    lastError: text("last_error"),
    lastSuccessAt: timestamp("last_success_at", { withTimezone: true }),
    disabledAt: timestamp("disabled_at", { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.portalId, t.channel] })],
);

/**
 * Operator console sessions: the admin token is exchanged once for a random session id whose
 * sha256 is kept here (in Postgres, so every instance knows every session), with its role and
 * the CSRF token that every action must carry.
 */
export const consoleSessions = pgTable(
  "console_sessions",
  {
    idSha256: text("id_sha256").primaryKey(),
    /** viewer | operator */
    role: text("role").notNull(),
    /** Who, for the audit log: a short prefix of the admin token's sha256, never the token. */
    actor: text("actor").notNull(),
    csrf: text("csrf").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("console_sessions_expires_idx").on(t.expiresAt)],
);

/** Every operator action (login, replay, cancel, download), who did it and to what. */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    actor: text("actor").notNull(),
    role: text("role").notNull(),
    action: text("action").notNull(),
    target: text("target"),
    detail: jsonb("detail").$type<Record<string, unknown>>(),
  },
  (t) => [index("audit_log_at_idx").on(t.at)],
);

/**
 * Replays of several deliveries started in the console: the instance that started one works
 * through it and appends each result here, so that any instance can show its progress.
 */
export const consoleJobs = pgTable("console_jobs", {
  id: uuid("id").primaryKey(),
  actor: text("actor").notNull(),
  total: integer("total").notNull(),
  results: jsonb("results").$type<unknown[]>().notNull().default([]),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  finishedAt: timestamp("finished_at", { withTimezone: true }),
});
