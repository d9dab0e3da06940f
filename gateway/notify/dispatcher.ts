import { messageOf } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import type { Runtime } from "../runtime.ts";
import type { Store } from "../store/db.ts";
import { webhookHeaders } from "./signature.ts";

type Row = { id: string; message_id: string; delivery_id: string; portal_id: string; attempts: number; payload: string };

/** Delay before attempt `attempt + 1`: doubling from the initial delay, capped, with ±20 % jitter. */
export function backoffMs(attempt: number, initialMs: number, maxMs: number, random = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * Brings status notifications to the portals' webhooks, at least once. Due rows are claimed
 * with FOR UPDATE SKIP LOCKED and leased (their next attempt moved past the request timeout)
 * before the request, so several instances share the work and a crash mid-request only delays
 * a notification. Every attempt lands on the delivery's timeline. A notification that exhausts
 * its attempts disables the portal's endpoint: its other notifications wait (not lost) until
 * the portal or an operator enables it again.
 */
export class NotificationDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private again = false;

  constructor(private readonly deps: { store: Store; runtime: () => Runtime; metrics: Metrics; log: Logger; clock: () => Date }) {}

  private get settings() {
    return this.deps.runtime().config.gateway.status.webhooks;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Looks for due notifications now (after a status was accepted). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.loop().finally(() => {
        this.running = undefined;
        if (!this.stopped) this.schedule(this.again ? 0 : this.settings.pollIntervalMs);
        this.again = false;
      });
    }, ms);
  }

  private async loop(): Promise<void> {
    try {
      while (!this.stopped && (await this.round()) > 0);
    } catch (err) {
      this.deps.log.warn({ err: messageOf(err) }, "notification round failed, will retry");
    }
  }

  /** One round: claims due notifications, sends them, records the outcomes. Returns how many it claimed. */
  async round(): Promise<number> {
    const s = this.settings;
    const now = this.deps.clock();
    const lease = new Date(now.getTime() + s.timeoutMs + 30_000).toISOString();
    const rows = await this.deps.store.sql<Row[]>`
      update portal_notifications set attempts = attempts + 1, next_attempt_at = ${lease}
       where id in (
         select id from portal_notifications
          where state = 'pending' and channel = 'webhook' and next_attempt_at <= ${now.toISOString()}
            and portal_id not in (select portal_id from webhook_endpoints where state = 'disabled')
          order by next_attempt_at, id limit ${s.batchSize}
          for update skip locked)
      returning id, message_id, delivery_id, portal_id, attempts, payload::text as payload`;
    await Promise.all(rows.map((r) => this.attempt(r)));
    return rows.length;
  }

  private async attempt(r: Row): Promise<void> {
    const s = this.settings;
    const webhook = this.deps.runtime().portals.byId(r.portal_id)?.webhook;
    let error: string | undefined;
    let status: number | undefined;
    try {
      if (!webhook) throw new Error("the portal has no webhook configured any more");
      const secret = process.env[webhook.secretEnv];
      if (!secret) throw new Error(`the signing secret (${webhook.secretEnv}) is not set`);
      const body = r.payload;
      const res = await fetch(webhook.url, {
        method: "POST",
        headers: { "content-type": "application/cloudevents+json", ...webhookHeaders({ id: r.message_id, timestamp: this.deps.clock(), body, secret }) },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(s.timeoutMs),
      });
      status = res.status;
      await res.body?.cancel().catch(() => {});
      if (res.status < 200 || res.status > 299) error = `HTTP ${res.status}`;
    } catch (err) {
      error = messageOf(err);
    }
    const at = this.deps.clock();
    const { sql } = this.deps.store;
    if (error === undefined) {
      this.deps.metrics.notifications.inc({ portal: r.portal_id, channel: "webhook", outcome: "delivered" });
      await sql.begin(async (tx) => {
        await tx`update portal_notifications set state = 'delivered', delivered_at = ${at.toISOString()}, last_error = null where id = ${r.id}`;
        await tx`insert into events (delivery_id, at, type, detail) values (${r.delivery_id}, ${at.toISOString()}, 'notified', ${JSON.stringify({ messageId: r.message_id, channel: "webhook", attempt: r.attempts, httpStatus: status })}::jsonb)`;
        await tx`insert into webhook_endpoints (portal_id, state, last_success_at) values (${r.portal_id}, 'enabled', ${at.toISOString()})
                 on conflict (portal_id) do update set last_success_at = excluded.last_success_at`;
      });
      return;
    }
    const giveUp = r.attempts >= s.maxAttempts;
    const next = new Date(at.getTime() + backoffMs(r.attempts, s.backoffInitialMs, s.backoffMaxMs));
    this.deps.metrics.notifications.inc({ portal: r.portal_id, channel: "webhook", outcome: giveUp ? "gave_up" : "failed" });
    this.deps.log.warn(
      { portal: r.portal_id, messageId: r.message_id, attempt: r.attempts, err: error },
      giveUp ? "webhook gave up, endpoint disabled" : "webhook attempt failed, will retry",
    );
    await sql.begin(async (tx) => {
      await tx`update portal_notifications set state = ${giveUp ? "failed" : "pending"}, last_error = ${error}, next_attempt_at = ${next.toISOString()} where id = ${r.id}`;
      const detail = { messageId: r.message_id, channel: "webhook", attempt: r.attempts, error, ...(giveUp ? {} : { nextAttemptAt: next.toISOString() }) };
      await tx`insert into events (delivery_id, at, type, detail) values (${r.delivery_id}, ${at.toISOString()}, ${giveUp ? "notify-gave-up" : "notify-failed"}, ${JSON.stringify(detail)}::jsonb)`;
      if (giveUp) {
        await tx`insert into webhook_endpoints (portal_id, state, last_error, disabled_at) values (${r.portal_id}, 'disabled', ${error}, ${at.toISOString()})
                 on conflict (portal_id) do update set state = 'disabled', last_error = excluded.last_error, disabled_at = excluded.disabled_at`;
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
