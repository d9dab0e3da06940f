import { once } from "node:events";
import type { TransactionSql } from "postgres";
import type { ConfirmChannel } from "amqplib";
import { messageOf } from "../errors.ts";
import { BackgroundLoop } from "../loop.ts";
import type { Logger } from "../logger.ts";
import type { HubConfig } from "../config/load.ts";
import type { Store } from "../store/db.ts";
import { endPublishSpan, startPublishSpan } from "../tracing.ts";
import { BacklogCount } from "./backlog.ts";
import type { Broker } from "./broker.ts";

export interface RelaySettings {
  exchange: string;
  workers: number;
  batchSize: number;
  maxInFlight: number;
  pollIntervalMs: number;
  confirmTimeoutMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  reconnectIntervalMs: number;
}

/** The relay's settings from the config: its section and the broker's exchange and confirm timeout. */
export function relaySettingsOf(config: HubConfig): RelaySettings {
  return { exchange: config.gateway.amqp.exchange, confirmTimeoutMs: config.gateway.amqp.confirmTimeoutMs, ...config.gateway.relay };
}

/** The metrics the relay keeps (prom-client's, or stand-ins that forward them from a worker thread). */
export interface RelayMetrics {
  published: { inc(labels: { tenant: string; subscriber: string }): void };
  publishFailures: { inc(n: number): void };
  publishLatency: { observe(seconds: number): void };
  relayInFlight: { inc(n: number): void; dec(n: number): void };
}

/** What the rest of the process needs of a relay, wherever it runs (this thread or a worker). */
export interface RelayControl {
  start(): void;
  stop(): Promise<void>;
  /** Asks for a round now (after a commit that wrote outbox rows). */
  wake(): void;
  /** Outbox rows not yet confirmed, as last counted at most `maxAgeMs` ago. */
  backlog(maxAgeMs?: number): number;
}

/** An outbox row as the relay reads it: payload and headers as stored text, ready to send. */
interface Row {
  id: number | string;
  messageId: string;
  deliveryId: string;
  tenantId: string;
  subscriberId: string;
  routingKey: string;
  headers: string;
  payload: string;
  createdAtMs: number;
  attempts: number;
}

/**
 * Moves outbox rows to the broker. A round claims due rows, an equal share per tenant (so one
 * tenant's flood does not delay another's), with FOR UPDATE SKIP LOCKED (so
 * several instances share the work without coordination, and a delivery being published
 * cannot be cancelled), publishes them on the confirm channel and, once the broker confirmed
 * them, marks them published in the same transaction. Rounds are pipelined: as soon as one
 * round's rows are written to the channel the next round is claimed, so up to `workers` rounds
 * (and `maxInFlight` messages) wait for confirms at the same time, each settling its rows in
 * one statement. Commits at intake wake the relay at once (in-process signal); other
 * instances' rows are found by polling. A crash before the marking commit leaves the rows due:
 * they are published again (at-least-once; the stable message id lets consumers drop the repeat).
 */
export class Relay implements RelayControl {
  private readonly loop = new BackgroundLoop(() => this.run());
  private readonly open = new Set<Promise<void>>();
  private inFlight = 0;
  private woken = false;
  private pausedUntil = 0;
  private lastOutageLog = 0;
  private lastSweep = 0;
  private readonly backlogCount: BacklogCount;
  /** The last claim filled some tenant's share: more rows are probably due. */
  private more = false;

  constructor(
    private readonly store: Store,
    private readonly broker: Broker,
    private readonly settings: () => RelaySettings,
    private readonly metrics: RelayMetrics,
    private readonly log: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.backlogCount = new BacklogCount(store);
  }

  /** Starts claiming rounds. */
  start(): void {
    this.loop.start();
  }

  /** Finishes the rounds in flight, then stops. */
  async stop(): Promise<void> {
    this.woken = true;
    await this.loop.stop();
  }

  /** Asks for a round now rather than at the next poll (called after a commit). */
  wake(): void {
    this.woken = true;
    this.loop.wake();
  }

  /**
   * Outbox rows not yet confirmed by the broker, as last counted (at most `maxAgeMs` ago; an
   * older count is refreshed in the background, so callers never wait for it).
   */
  backlog(maxAgeMs = 500): number {
    return this.backlogCount.value(maxAgeMs);
  }

  private async run(): Promise<void> {
    while (this.loop.running) {
      const s = this.settings();
      let delay = s.pollIntervalMs;
      const pause = this.pausedUntil - Date.now();
      const full = this.open.size >= s.workers || this.inFlight >= s.maxInFlight;
      if (pause > 0) delay = pause;
      else if (!full) {
        try {
          this.woken = false;
          const claimed = await this.round();
          if (claimed === 0 && Date.now() - this.lastSweep > SWEEP_INTERVAL_MS) await this.sweep();
          if (claimed >= s.batchSize || (claimed > 0 && this.more)) continue;
        } catch (err) {
          this.failed(err);
          continue;
        }
      }
      // At capacity, a finishing round wakes the loop; until then a wake-up changes nothing.
      if (this.woken && delay === s.pollIntervalMs && !full) continue;
      await this.loop.sleep(delay);
    }
    await Promise.all(this.open);
  }

  /**
   * The broker (or the database) failed the round: pause new rounds for the short fixed
   * reconnect interval. Not a growing backoff: the next round's first step is a connect
   * attempt to the broker's nodes (claiming nothing while none answers), a cheap probe, so the
   * relay notices a node's return within that interval however long the outage lasted.
   */
  private failed(err: unknown): void {
    this.pausedUntil = Date.now() + this.settings().reconnectIntervalMs;
    this.outage(err);
  }

  private outage(err: unknown): void {
    const now = Date.now();
    if (now - this.lastOutageLog > 10_000) {
      this.lastOutageLog = now;
      this.log.warn({ err: messageOf(err) }, "outbox relay cannot publish, will retry");
    }
  }

  /**
   * Claims due rows and writes them to the channel; returns how many it claimed as soon as
   * they are written. The round's transaction stays open in the background until the broker
   * confirmed (or refused) them and they are marked; then its deliveries are settled.
   */
  async round(): Promise<number> {
    const s = this.settings();
    // Connected first: while no broker node answers, rows stay as they are, unclaimed.
    await this.broker.channel();
    return new Promise<number>((claimed, fail) => {
      let answered = false;
      let had = 0;
      const answer = (n: number) => {
        answered = true;
        had = n;
        claimed(n);
      };
      // SQL rather than drizzle here: the payload is read as text and published as it is stored
      // (no parse and re-serialise), and the marking is one statement; the relay's cost is
      // dominated by round trips and per-row work.
      const done = this.store.sql
        .begin(async (tx) => {
          const now = this.clock();
          const rows = await this.claim(tx, now, s.batchSize);
          if (rows.length === 0) {
            answer(0);
            return [] as string[];
          }
          this.inFlight += rows.length;
          this.metrics.relayInFlight.inc(rows.length);
          let outcomes: (Error | undefined)[];
          try {
            const ch = await this.broker.channel();
            const confirms = publishAll(ch, s.exchange, rows, s.confirmTimeoutMs, (r) =>
              this.metrics.publishLatency.observe((Date.now() - r.createdAtMs) / 1000),
            );
            answer(rows.length); // written to the channel: the next round may start
            outcomes = await confirms;
          } catch (err) {
            outcomes = rows.map(() => (err instanceof Error ? err : new Error(String(err))));
          } finally {
            this.inFlight -= rows.length;
            this.metrics.relayInFlight.dec(rows.length);
          }
          if (!answered) answer(rows.length);
          const ok = rows.filter((_, i) => !outcomes[i]);
          const refused = rows.filter((_, i) => outcomes[i] instanceof Refused);
          const lost = rows.filter((_, i) => outcomes[i] && !(outcomes[i] instanceof Refused));
          await this.markPublished(tx, ok);
          // Refused (nacked) messages back off one by one; the rest of the round is published.
          const errorOf = (r: Row) => outcomes[rows.indexOf(r)]!;
          if (refused.length > 0) {
            await this.markFailed(tx, refused, errorOf, s);
            this.broker.renewChannel();
          }
          if (lost.length > 0) {
            // The connection went (or confirms did not come): due again at once, on the next node.
            const err = errorOf(lost[0]!);
            await this.markFailed(tx, lost, errorOf);
            if (err instanceof ConfirmTimeout) this.broker.abandon();
            this.failed(err);
          }
          return [...new Set(ok.map((r) => r.deliveryId))];
        })
        .then((deliveryIds) => (deliveryIds.length > 0 ? this.settle(deliveryIds) : undefined))
        .catch((err: unknown) => {
          if (answered) this.failed(err);
          else fail(err);
        })
        .finally(() => {
          this.open.delete(done);
          // A slot is free: rows may be waiting for it, or a wake-up came while all slots were
          // taken. (Not after an empty round otherwise: that would spin.)
          if (had > 0 || this.woken) this.wake();
        });
      this.open.add(done);
    });
  }

  /**
   * Claims due rows round-robin across tenants: every tenant with a backlog gets an equal share
   * of the batch (at least one row), oldest due first within the tenant. One tenant's flood, or
   * its rows waiting in backoff, therefore never stands in front of another tenant's rows. The
   * tenants are found by a skip scan over outbox_tenant_due_idx (one index probe per tenant, not
   * a scan of the backlog); each share is taken with SKIP LOCKED, as before.
   */
  private async claim(tx: TransactionSql, now: Date, batchSize: number): Promise<Row[]> {
    const tenants = await tx<{ tenantId: string }[]>`
      with recursive t(tenant_id) as (
        (select tenant_id from outbox where published_at is null and kind = 'amqp' order by tenant_id limit 1)
        union all
        select (select o.tenant_id from outbox o
                where o.published_at is null and o.kind = 'amqp' and o.tenant_id > t.tenant_id
                order by o.tenant_id limit 1)
        from t where t.tenant_id is not null)
      select tenant_id as "tenantId" from t where tenant_id is not null`;
    if (tenants.length === 0) return [];
    const share = Math.max(1, Math.floor(batchSize / tenants.length));
    const rows = await tx<Row[]>`
      select o.* from unnest(${tenants.map((t) => t.tenantId)}::text[]) as t(tenant_id)
      cross join lateral (
        select id, message_id as "messageId", delivery_id as "deliveryId", tenant_id as "tenantId",
               subscriber_id as "subscriberId", routing_key as "routingKey", headers::text as headers,
               payload::text as payload, (extract(epoch from created_at) * 1000)::float8 as "createdAtMs", attempts
        from outbox
        where tenant_id = t.tenant_id and published_at is null and kind = 'amqp' and next_attempt_at <= ${now.toISOString()}
        order by next_attempt_at, id
        limit ${share}
        for update skip locked) o`;
    // A tenant that filled its share may have more due: the loop should claim again at once.
    const perTenant = new Map<string, number>();
    for (const r of rows) perTenant.set(r.tenantId, (perTenant.get(r.tenantId) ?? 0) + 1);
    this.more = [...perTenant.values()].some((n) => n >= share);
    return rows;
  }

  /**
   * Moves deliveries whose outbox rows are all published to state `published`. Runs after the
   * marking transaction committed: two workers may mark rows of one delivery concurrently, and
   * inside their transactions neither sees the other's rows as published; after its commit, the
   * later of the two sees both.
   */
  private async settle(deliveryIds: string[]): Promise<void> {
    const at = this.clock().toISOString();
    await this.store.sql`
      update deliveries d set state = 'published', state_since = ${at}
      where d.id = any(${deliveryIds}::uuid[]) and d.state = 'routed'
        and not exists (select 1 from outbox o where o.delivery_id = d.id and o.published_at is null)`;
  }

  /**
   * Settles deliveries whose rows were all marked published but whose settle step never ran
   * (the process died between the marking commit and `settle`). Runs when the relay is idle,
   * once at start and then at most every SWEEP_INTERVAL_MS, on whichever worker is idle first.
   */
  private async sweep(): Promise<void> {
    this.lastSweep = Date.now();
    const at = this.clock().toISOString();
    const settled = await this.store.sql`
      update deliveries d set state = 'published', state_since = ${at}
      where d.state = 'routed' and d.state_since < ${new Date(this.clock().getTime() - SWEEP_INTERVAL_MS).toISOString()}
        and exists (select 1 from outbox o where o.delivery_id = d.id)
        and not exists (select 1 from outbox o where o.delivery_id = d.id and o.published_at is null)`;
    if (settled.count > 0) this.log.info({ deliveries: settled.count }, "settled deliveries left routed by an interrupted relay");
  }

  /** Marks rows published and records a "published" event for each, in one statement. */
  private async markPublished(tx: TransactionSql, rows: Row[]): Promise<void> {
    if (rows.length === 0) return;
    const at = this.clock();
    const ids = rows.map((r) => String(r.id));
    await tx`
      with p as (
        update outbox set published_at = ${at.toISOString()}, attempts = attempts + 1, last_error = null
        where id = any(${ids}::bigint[])
        returning delivery_id, subscriber_id, message_id
      )
      insert into events (delivery_id, at, type, detail)
      select delivery_id, ${at.toISOString()}, 'published', jsonb_build_object('subscriber', subscriber_id, 'messageId', message_id) from p`;
    for (const r of rows) this.metrics.published.inc({ tenant: r.tenantId, subscriber: r.subscriberId });
  }

  /**
   * Counts a failed attempt. With settings (a refusal), each row waits by its own attempts:
   * `backoffInitialMs` doubling up to `backoffMaxMs`, jittered. Without (the connection went),
   * the rows stay due: the next round publishes them on whichever node answers.
   */
  private async markFailed(tx: TransactionSql, rows: Row[], errorOf: (r: Row) => Error, s?: RelaySettings): Promise<void> {
    this.metrics.publishFailures.inc(rows.length);
    const now = this.clock();
    const ids = rows.map((r) => String(r.id));
    const delays = rows.map((r) => (s ? backoff(s, r.attempts + 1) : 0));
    const errors = rows.map((r) => errorOf(r).message.slice(0, 500));
    await tx`
      update outbox o set attempts = o.attempts + 1, last_error = d.error,
        next_attempt_at = ${now.toISOString()}::timestamptz + make_interval(secs => d.ms / 1000.0)
      from unnest(${ids}::bigint[], ${delays}::float8[], ${errors}::text[]) as d(id, ms, error)
      where o.id = d.id`;
  }
}

/** The broker refused a message (basic.nack), e.g. a quorum queue without a leader for a moment. */
class Refused extends Error {}

/** No confirm came in time: the connection may be dead without knowing it. */
class ConfirmTimeout extends Error {}

/** How often an idle relay looks for deliveries left `routed` after a crash, and how old they must be. */
const SWEEP_INTERVAL_MS = 60_000;

function backoff(s: RelaySettings, attempt: number): number {
  const base = Math.min(s.backoffMaxMs, s.backoffInitialMs * 2 ** Math.min(attempt - 1, 20));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

/**
 * Publishes every row without waiting in between, then waits for all confirms at once
 * (bounded by `timeoutMs`). Returns, per row, undefined for a confirm or the error.
 */
export async function publishAll(
  ch: ConfirmChannel,
  exchange: string,
  rows: Row[],
  timeoutMs: number,
  onConfirm: (row: Row) => void = () => {},
): Promise<(Error | undefined)[]> {
  const confirms: Promise<Error | undefined>[] = [];
  /** Publish spans not ended yet: a timeout ends them with its error. */
  const open = new Set<ReturnType<typeof startPublishSpan>>();
  for (const r of rows) {
    const body = Buffer.from(r.payload);
    const headers = JSON.parse(r.headers) as Record<string, string>;
    // The span continues the trace stored with the row; consumers continue the publish span.
    const traced = startPublishSpan(headers.traceparent, {
      "messaging.system": "rabbitmq",
      "messaging.operation.type": "send",
      "messaging.destination.name": exchange,
      "messaging.rabbitmq.destination.routing_key": r.routingKey,
      "messaging.message.id": r.messageId,
      "ozg.delivery": r.deliveryId,
    });
    if (traced?.traceparent) headers.traceparent = traced.traceparent;
    if (traced) open.add(traced);
    let writable = true;
    confirms.push(
      new Promise((resolve) => {
        writable = ch.publish(
          exchange,
          r.routingKey,
          body,
          {
            persistent: true,
            mandatory: false,
            contentType: "application/cloudevents+json",
            messageId: r.messageId,
            timestamp: Math.floor(r.createdAtMs / 1000),
            type: "de.ozghub.application.received.v1",
            appId: "ozg-hub",
            headers,
          },
          (err: unknown) => {
            if (!err) onConfirm(r);
            // amqplib reports a basic.nack as "message nacked", a lost channel as "channel closed".
            const outcome = !err
              ? undefined
              : messageOf(err) === "message nacked"
                ? new Refused(`broker refused ${r.messageId}: ${messageOf(err)}`)
                : new Error(`broker did not confirm ${r.messageId}: ${messageOf(err)}`);
            if (open.delete(traced)) endPublishSpan(traced, outcome);
            resolve(outcome);
          },
        );
      }),
    );
    // The channel's buffer is full: let the socket drain before writing more.
    if (!writable) await Promise.race([once(ch, "drain"), once(ch, "close")]);
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const settled = await Promise.race([Promise.all(confirms), timeout]);
  clearTimeout(timer);
  if (settled === "timeout") {
    const err = new ConfirmTimeout(`no broker confirm within ${timeoutMs} ms`);
    for (const t of open) endPublishSpan(t, err);
    return rows.map(() => err);
  }
  return settled;
}
