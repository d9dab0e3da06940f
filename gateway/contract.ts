/**
 * The contract between protocol adapters and the core. An adapter turns its protocol into one
 * `InboundDelivery`, hands it to `Gateway.intake` and turns the `IntakeResult` back into its
 * protocol's answer. Nothing else of gateway/ is meant for adapters.
 */

import type { TransportRecipient } from "./recipient.ts";
import type { DeliveryStatus } from "./status/query.ts";

export type { TransportRecipient } from "./recipient.ts";
export type { DeliveryStatus, StatusReport } from "./status/query.ts";

/**
 * A channel a delivery can arrive on: the name an adapter is registered under. Data the core
 * receives from the composition root (`ConfigSpec.channels`), not a list it knows: the adapter
 * registry (`adapters/index.ts`) checks its keys, the core only carries them.
 */
export type Channel = string;

/** An attachment whose bytes are read once, in order, straight into the store. */
export interface InboundAttachment {
  name: string;
  contentType: string;
  /** The sender's grouping, e.g. OZG-Cloud's `representation` (the form as PDF/XML) or `attachment`. */
  group?: string;
  content: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Uint8Array;
}

/** The primary document (JSON, XML) of a delivery, exactly as received. */
export interface InboundDocument {
  contentType: string;
  bytes: Uint8Array;
  /** The sender's id for this delivery; with the portal it makes intake idempotent. */
  sourceMessageId?: string;
  /** Protocol metadata (a transport's message metadata and headers, a form's control block); offered to mappings as `$meta`. */
  metadata?: Record<string, unknown>;
  /** Mapping id, when the protocol itself fixes the format (e.g. the OZG-Cloud intake). */
  format?: string;
  /**
   * Addressing from the transport (a Reader, an addressee, a destination). Fills the
   * application's `recipient` fields that the content itself leaves empty, and where it names
   * a tenant (by `tenant`, or by identifiers a tenant is configured with) it decides the
   * tenant: a document naming another tenant is parked, never delivered to that other tenant.
   */
  recipient?: TransportRecipient;
  /** Signatures over the content the adapter verified; recorded on the timeline and carried in every application. */
  signatures?: ContentSignature[];
}

/** A signature over the content that the adapter verified: who signed, and how far ozg-hub trusts the signer. */
export interface ContentSignature {
  /** What the signer signed as, e.g. `author` (an OSCI content container's Author). */
  role: string;
  subject: string;
  issuer: string;
  /** Serial number, hex. */
  serial: string;
  /** pinned: a certificate the config pins; trusted: chains to a configured trust anchor; untrusted: neither (the signature itself verified). */
  trust: "pinned" | "trusted" | "untrusted";
  detail: string;
}

/**
 * What an adapter hands to the core.
 *
 * Attachments are consumed first and streamed into the open store transaction; `document()`
 * is called after them, so a multipart adapter can meet the JSON part at any position. It may
 * instead answer with a refusal (`malformed`, `invalid`), which rolls everything back.
 *
 * @example
 * await gateway.intake({
 *   channel: "rest", portalId: "formsolutions", sourceMessageId: req.header("Idempotency-Key"),
 *   attachments: [], document: async () => ({ contentType: "application/json", bytes }),
 * });
 */
export interface InboundDelivery {
  channel: Channel;
  portalId: string;
  /** Known before the body is read (e.g. an Idempotency-Key header): a repeat is answered without reading on. */
  sourceMessageId?: string;
  attachments: AsyncIterable<InboundAttachment> | Iterable<InboundAttachment>;
  document(): Promise<InboundDocument | Extract<IntakeResult, { kind: "malformed" | "invalid" | "too_large" }>>;
}

/** What a sender gets back for an accepted delivery, and again, unchanged, for a repeat of it. */
export interface Receipt {
  deliveryId: string;
  reference: string;
  sourceMessageId: string | null;
  receivedAt: Date;
  /** routed: on its way to subscribers; parked: held for an operator (unmappable or unroutable). */
  state: string;
  /** The applications made of the delivery, one per record (none while parked). */
  applications?: { id: string; tenantId: string }[];
}

export interface Problem {
  /** Where in the input: a JSON pointer-like path (`control.leikaIds[0]`) or an XML path. */
  path: string;
  message: string;
}

/**
 * Every expected outcome of an intake. Each adapter maps these to its protocol in one place:
 *
 * | kind         | REST              | XTA 2                              | OSCI 1.2        |
 * |--------------|-------------------|------------------------------------|-----------------|
 * | accepted     | 202 + receipt     | sendMessage response               | 0800 / 0801     |
 * | duplicate    | 202 + same receipt, Idempotent-Replayed (409 if changed) | 9024 MessageID already used | 9xxx duplicate |
 * | malformed    | 400 problem       | 9030 / MessageSchemaViolation      | 9200            |
 * | invalid      | 422 problem       | MessageSchemaViolation             | 9200            |
 * | too_large    | 413 problem       | 9023 size limit                    | 9xxx            |
 */
export type IntakeResult =
  | { kind: "accepted"; receipt: Receipt }
  /**
   * The portal delivered under this id before. `changed`: the repeat's document or attachments
   * differ from the first delivery's (REST answers 409; XTA and OSCI answer any repeat alike).
   */
  | { kind: "duplicate"; receipt: Receipt; changed?: boolean }
  | { kind: "malformed"; detail: string }
  | { kind: "invalid"; problems: Problem[] }
  | { kind: "too_large"; limit: number; what: "document" | "attachment" | "delivery" | "attachments" }
  /** Nothing stored: the broker is behind by more than the configured backlog; try again later. */
  | { kind: "busy"; retryAfterSeconds: number };

/** A delivery's primary document, exactly as received. */
export interface StoredDocument {
  bytes: Uint8Array;
  contentType: string | null;
  /** Hex sha256 of the bytes. */
  sha256: string | null;
}

/** A stored attachment: its description, and its bytes read slice by slice when asked for. */
export interface StoredAttachment {
  name: string;
  contentType: string;
  size: number;
  sha256: string | null;
  /** The slices in order, each read from the store when the previous one is consumed. */
  slices(): AsyncIterable<Uint8Array>;
}

/** The document (e.g. the Bescheid) a subscriber attached to a status report. */
export interface StatusDocument {
  bytes: Uint8Array;
  name: string;
  contentType: string;
}

/** The part of the core that adapters use: intake, and the stored records they serve back. */
export interface Gateway {
  intake(delivery: InboundDelivery): Promise<IntakeResult>;
  /** The delivery's status, only for the portal that delivered it (otherwise undefined). */
  status(deliveryId: string, portalId: string): Promise<DeliveryStatus | undefined>;
  /** When a delivery was received and the protocol metadata stored with it, found by the sender's id. */
  deliveryMetadata(portalId: string, sourceMessageId: string): Promise<{ receivedAt: Date; metadata: Record<string, unknown> } | undefined>;
  /** The deliveries a portal sent on a channel under its own ids, oldest first: received after `receivedAfter` if given, at most `limit`. */
  deliveriesOf(
    portalId: string,
    channel: Channel,
    opts: { receivedAfter?: Date; limit: number },
  ): Promise<{ sourceMessageId: string; receivedAt: Date; metadata: Record<string, unknown> }[]>;
  /** The original document, only for the tenant the whole delivery was routed to (not while parked). */
  originalDocument(deliveryId: string, tenantId: string): Promise<StoredDocument | undefined>;
  /** An attachment, only for the tenant its delivery was routed to. */
  attachment(attachmentId: string, tenantId: string): Promise<StoredAttachment | undefined>;
  /** The document of a status report, only for the portal that delivered the application. */
  statusDocument(deliveryId: string, statusId: string, portalId: string): Promise<StatusDocument | undefined>;
  /** Status and cancellation of deliveries by the portal that delivered them. */
  control: import("./status/control.ts").DeliveryControl;
  /** The boxes of pull subscribers (see `AdapterConfigSpec.pullSubscriber`). */
  mailbox: import("./mailbox/mailbox.ts").Mailbox;
  /** Status replies waiting for portals that fetch them over a pulled way back channel (one without a sender). */
  replies(channel: string): import("./mailbox/replies.ts").ReplyBox;
  /** A portal's push way back (e.g. its webhook): state, and enabling it again after exhausted attempts. */
  notificationEndpoint: {
    /** `url`: where the endpoint is configured; none: not configured. */
    status(portalId: string, channel: string, url: string | undefined): Promise<import("./notify/endpoints.ts").PortalEndpointStatus>;
    /** Enables it and queues the failed notifications anew; returns how many. */
    enable(portalId: string, channel: string): Promise<number>;
  };
}

/** A certificate file named by the config, listed with its expiry on the console. */
export interface CertificateSource {
  /** What it is for, e.g. "TLS: HTTPS listener". */
  use: string;
  /** Relative to the config directory. */
  file: string;
  /** A PKCS#12 file: the certificate that belongs to its key, opened with this passphrase. */
  pkcs12?: { passphraseEnv?: string };
}

/**
 * The outcome of an adapter's prepare step: the ready settings of one config (keys read,
 * certificates parsed, TLS contexts built) or the problems that make that config unusable.
 * `certificates` names the certificate files the settings use, for the console's expiry list.
 */
export type Prepared<S> = { ok: true; settings: S; certificates?: CertificateSource[] } | { ok: false; problems: import("./config/load.ts").ConfigProblem[] };

/** A prepare step: reads one config's adapter sections and files. May be async (key imports). */
export type PrepareStep<S> = (config: import("./config/load.ts").HubConfig) => Prepared<S> | Promise<Prepared<S>>;

/** What the config in force says, read anew on every call so that a reload reaches adapters. */
export interface Lookups {
  portal(id: string): import("./config/schema.ts").PortalConfig | undefined;
  /** The portal that holds this bearer token. */
  portalByToken(token: string): import("./config/schema.ts").PortalConfig | undefined;
  /** The portal pinned (`rest.certificateSha256`) to this client certificate fingerprint. */
  portalByCertificate(fingerprint: string): import("./config/schema.ts").PortalConfig | undefined;
  tenants(): readonly import("./config/schema.ts").TenantConfig[];
  /** Whether a mapping with this id is loaded. */
  hasMapping(id: string): boolean;
  /** The gateway's size and depth limits. */
  limits(): import("./config/schema.ts").Limits;
  /** An adapter's own section of gateway.yaml (undefined when absent). */
  section<K extends AdapterSection>(kind: K): import("./config/schema.ts").GatewayConfig[K];
}

/** The gateway.yaml sections that belong to adapters. */
export type AdapterSection = Exclude<keyof import("./config/schema.ts").GatewayConfig, CoreSection>;
type CoreSection = "instance" | "limits" | "amqp" | "relay" | "groupCommit" | "mappings" | "problemTypeBase" | "admin" | "status";

/** A lock that only one instance holds at a time (e.g. per polled account); freed when its holder dies. */
export interface Lease {
  /** Takes the lock; false while another instance holds it. */
  acquire(): Promise<boolean>;
  release(): Promise<void>;
  /** After a failed round: gives the lock up when its connection no longer answers. */
  check(): Promise<void>;
}

/** A drizzle handle without the core's schema, for the tables an adapter owns (or a transaction on them). */
export type OwnTables = import("drizzle-orm/pg-core").PgDatabase<import("drizzle-orm/postgres-js").PostgresJsQueryResultHKT>;

/** Entries on a delivery's timeline (the console's and the status API's history of it). */
export interface Timeline {
  record(deliveryId: string, at: Date, type: string, detail: Record<string, unknown>): Promise<void>;
}

/**
 * What an adapter gets from the core when it is built: a narrow port. Everything in the core's
 * tables is reached through `gateway`; `tables` is a database handle only for the tables the
 * adapter owns (declared in its own tables.ts, created by the store's migrations), which it wraps
 * in an interface of its own that tests can fake.
 */
export interface AdapterContext {
  gateway: Gateway;
  lookups: Lookups;
  tables: OwnTables;
  /** One transaction over the adapter's own tables and the timelines of deliveries: both commit or neither. */
  transaction<T>(work: (tx: { tables: OwnTables; timeline: Timeline }) => Promise<T>): Promise<T>;
  /** An advisory lease by name, e.g. `ozg-hub:<adapter>-account:<id>`. */
  lease(name: string): Lease;
  log: import("./logger.ts").Logger;
  /** `registry` for the adapter's own metrics; `deliveries` counts refusals before intake. */
  metrics: Pick<import("./metrics.ts").Metrics, "registry" | "deliveries">;
  clock: () => Date;
  /**
   * Registers the adapter's prepare step. It runs on the config in force now (problems throw a
   * `ConfigError`, the process does not start) and on every reloaded config before that is
   * applied: problems refuse the reload, and the old config and its settings stay. Returns the
   * settings of the config in force; a request reads it once and keeps what it got. An async
   * step's first settings are there once the core has awaited it (before adapters start).
   */
  prepare<S>(step: PrepareStep<S>): () => S;
  /** Runs `listener` after each applied config reload (SIGHUP), e.g. to follow added or removed accounts. */
  onReload(listener: () => Promise<void> | void): void;
  /** Takes one request from the portal's token bucket (`rateLimit` in its config). */
  rateLimit?(portal: import("./config/schema.ts").PortalConfig): import("./auth/rate-limit.ts").RateDecision;
}

/** One status notification due for a portal, as an adapter's sender gets it. */
export interface PortalNotification {
  /** The CloudEvent id; receivers drop repeats by it. The same in every attempt. */
  messageId: string;
  deliveryId: string;
  portalId: string;
  /** The way back the adapter chose, e.g. `webhook`. */
  channel: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** The portal status CloudEvent (schemas/portal-status-event.v1.json), the Bescheid inline as base64. */
  payload: Record<string, unknown>;
  /** How the application came in: channel, the sender's message id and the protocol metadata stored at intake. */
  delivery: { channel: string; sourceMessageId: string | null; metadata: Record<string, unknown> | null };
  /** Aborted when the attempt has taken longer than the configured timeout. */
  signal?: AbortSignal;
}

/** The way back chosen for a status: a channel to push or pull it over, or parked with a reason (console). */
export type WayBackChoice = { channel: string; state: "pending" } | { channel: "parked"; state: "parked"; reason: string };

/** How an adapter carries status replies back to the portals that delivered through it. */
export interface WayBack {
  /** Chooses, when a status is accepted, how it reaches the portal. No I/O: it runs inside the status transaction. */
  choose(portal: import("./config/schema.ts").PortalConfig | undefined, delivery: PortalNotification["delivery"]): WayBackChoice;
  /**
   * Push channels: sends one due notification. Resolving means delivered (the detail it returns lands
   * on the timeline's `notified` event); throwing is a failed attempt, retried with backoff up to the
   * configured attempts. Channels without a sender are pulled by the portal through the adapter's routes.
   */
  senders?: Record<string, (n: PortalNotification) => Promise<Record<string, unknown> | void>>;
}

/** A protocol adapter: its HTTP routes (mounted at the root, under its own prefix) and an optional lifecycle. */
export interface Adapter {
  routes: import("hono").Hono;
  /** Background work (pollers); started after migrations, stopped before the store closes. */
  start?(): Promise<void>;
  stop?(): Promise<void>;
  /** How statuses travel back to portals that delivered over this adapter; none: they are parked for the console. */
  wayBack?: WayBack;
}

export type AdapterFactory = (ctx: AdapterContext) => Adapter;
