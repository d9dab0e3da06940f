/**
 * The contract between protocol adapters and the core. An adapter turns its protocol into one
 * `InboundDelivery`, hands it to `Gateway.intake` and turns the `IntakeResult` back into its
 * protocol's answer. Nothing else of gateway/ is meant for adapters.
 */

/**
 * Every channel a delivery can arrive on: the kinds of the adapter registry (`adapters/index.ts`
 * is checked against this list) plus channels whose deliveries exist before their adapter does
 * (mapping fixtures, replays). The one list; config, mapping and fixture schemas read it.
 */
export const channels = ["rest", "xta", "osci", "fitconnect"] as const;

export type Channel = (typeof channels)[number];

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
  /** Protocol metadata (XTA MessageMetaData, OSCI headers, form control block); offered to mappings as `$meta`. */
  metadata?: Record<string, unknown>;
  /** Mapping id, when the protocol itself fixes the format (e.g. the OZG-Cloud intake). */
  format?: string;
  /**
   * Addressing from the transport (XTA Reader, OSCI addressee). Fills the application's
   * `recipient` fields that the content itself leaves empty.
   */
  recipient?: TransportRecipient;
}

export interface TransportRecipient {
  xtaReader?: string;
  ags?: string;
  ars?: string;
  organisationUnitId?: string;
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
 * | duplicate    | 202 + same receipt, Idempotent-Replayed | 9024 MessageID already used | 9xxx duplicate |
 * | malformed    | 400 problem       | 9030 / MessageSchemaViolation      | 9200            |
 * | invalid      | 422 problem       | MessageSchemaViolation             | 9200            |
 * | too_large    | 413 problem       | 9023 size limit                    | 9xxx            |
 */
export type IntakeResult =
  | { kind: "accepted"; receipt: Receipt }
  | { kind: "duplicate"; receipt: Receipt }
  | { kind: "malformed"; detail: string }
  | { kind: "invalid"; problems: Problem[] }
  | { kind: "too_large"; limit: number; what: "document" | "attachment" | "delivery" | "attachments" }
  /** Nothing stored: the broker is behind by more than the configured backlog; try again later. */
  | { kind: "busy"; retryAfterSeconds: number };

/** A delivery's state and timeline, as its sender may see it. */
export interface DeliveryStatus {
  deliveryId: string;
  reference: string;
  channel: Channel;
  sourceMessageId: string | null;
  state: string;
  stateSince: Date;
  receivedAt: Date;
  tenantId: string | null;
  format: string | null;
  parkReason: { stage: string; message: string } | null;
  /** The applications made of the delivery, one per record, each with its own tenant. */
  applications?: { id: string; tenantId: string; leikaKey: string | null }[];
  timeline: { at: Date; type: string; detail: Record<string, unknown> | null }[];
  /** Status reports of the subscribers, oldest first (see the status event contract). */
  statuses: StatusReport[];
}

/** One status reported by a subscriber; the Bescheid only described (its bytes are fetched apart). */
export interface StatusReport {
  id: string;
  at: Date;
  applicationId: string;
  status: string;
  subscriber: string;
  /** caseReference, message, question, reason and the document's name, contentType, size, sha256, as reported. */
  detail: Record<string, unknown>;
}

/** The part of the core that adapters use. */
export interface Gateway {
  intake(delivery: InboundDelivery): Promise<IntakeResult>;
  /** The delivery's status, only for the portal that delivered it (otherwise undefined). */
  status(deliveryId: string, portalId: string): Promise<DeliveryStatus | undefined>;
}

/**
 * The outcome of an adapter's prepare step: the ready settings of one config (keys read,
 * certificates parsed, TLS contexts built) or the problems that make that config unusable.
 */
export type Prepared<S> = { ok: true; settings: S } | { ok: false; problems: import("./config/load.ts").ConfigProblem[] };

/**
 * What an adapter gets from the core when it is built. `runtime()` is read per request, so
 * that a config reload reaches adapters without restarting them.
 */
export interface AdapterContext {
  gateway: Gateway;
  runtime: () => import("./runtime.ts").Runtime;
  store: import("./store/db.ts").Store;
  log: import("./logger.ts").Logger;
  metrics: import("./metrics.ts").Metrics;
  clock: () => Date;
  /**
   * Registers the adapter's prepare step. It runs on the config in force now (problems throw a
   * `ConfigError`, the process does not start) and on every reloaded config before that is
   * applied: problems refuse the reload, and the old config and its settings stay. Returns the
   * settings of the config in force; a request reads it once and keeps what it got.
   */
  prepare<S>(step: (runtime: import("./runtime.ts").Runtime) => Prepared<S>): () => S;
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
