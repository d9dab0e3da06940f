import type { PortalNotification, WayBack } from "../contract.ts";
import { messageOf } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import type { Runtime } from "../runtime.ts";
import type { Store } from "../store/db.ts";

type Row = {
  id: string;
  message_id: string;
  delivery_id: string;
  portal_id: string;
  channel: string;
  attempts: number;
  payload: string;
  delivery_channel: string;
  source_message_id: string | null;
  metadata: Record<string, unknown> | null;
};

/** Push ways back by notification channel, as the adapters declared them. */
export type Senders = ReadonlyMap<string, NonNullable<WayBack["senders"]>[string]>;

function timedOut(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error("the attempt timed out")), { once: true }));
}

/** Delay before attempt `attempt + 1`: doubling from the initial delay, capped, with ±20 % jitter. */
export function backoffMs(attempt: number, initialMs: number, maxMs: number, random = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * Brings status notifications to the portals over the push ways back that adapters declare
 * (`WayBack.senders`: the webhook, a portal's own XTA server, …), at least once. Due rows are claimed
 * with FOR UPDATE SKIP LOCKED and leased (their next attempt moved past the request timeout)
 * before the request, so several instances share the work and a crash mid-request only delays
 * a notification. Every attempt lands on the delivery's timeline. A notification that exhausts
 * its attempts disables that way back to the portal (its endpoint): the portal's other
 * notifications on that channel wait (not lost) until the portal or an operator enables it again.
 */
export class NotificationDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private again = false;

  private senders: Senders = new Map();

  constructor(private readonly deps: { store: Store; runtime: () => Runtime; metrics: Metrics; log: Logger; clock: () => Date }) {}

  /** The adapters' push ways back; rows of other channels are left to the portals to pull. */
  use(senders: Senders): void {
    this.senders = senders;
    this.wake();
  }

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
    const channels = [...this.senders.keys()];
    if (channels.length === 0) return 0;
    const rows = await this.deps.store.sql<Row[]>`
      with due as (
        update portal_notifications set attempts = attempts + 1, next_attempt_at = ${lease}
         where id in (
           select n.id from portal_notifications n
            where n.state = 'pending' and n.channel in ${this.deps.store.sql(channels)} and n.next_attempt_at <= ${now.toISOString()}
              and not exists (select 1 from portal_endpoints e where e.portal_id = n.portal_id and e.channel = n.channel and e.state = 'disabled')
            order by n.next_attempt_at, n.id limit ${s.batchSize}
            for update skip locked)
        returning id, message_id, delivery_id, portal_id, channel, attempts, payload)
      select due.id, due.message_id, due.delivery_id, due.portal_id, due.channel, due.attempts, due.payload::text as payload,
             d.channel as delivery_channel, d.source_message_id, d.metadata
        from due join deliveries d on d.id = due.delivery_id`;
    await Promise.all(rows.map((r) => this.attempt(r)));
    return rows.length;
  }

  private async attempt(r: Row): Promise<void> {
    const s = this.settings;
    let error: string | undefined;
    let detail: Record<string, unknown> | void = undefined;
    try {
      const send = this.senders.get(r.channel);
      if (!send) throw new Error(`no way back over ${r.channel} in this process`);
      const notification: PortalNotification = {
        messageId: r.message_id,
        deliveryId: r.delivery_id,
        portalId: r.portal_id,
        channel: r.channel,
        attempt: r.attempts,
        payload: JSON.parse(r.payload) as Record<string, unknown>,
        delivery: { channel: r.delivery_channel, sourceMessageId: r.source_message_id, metadata: r.metadata },
        signal: AbortSignal.timeout(s.timeoutMs),
      };
      // A sender that ignores the signal still ends its attempt at the timeout.
      detail = await Promise.race([send(notification), timedOut(notification.signal!)]);
    } catch (err) {
      error = messageOf(err);
    }
    const at = this.deps.clock();
    const { sql } = this.deps.store;
    if (error === undefined) {
      this.deps.metrics.notifications.inc({ portal: r.portal_id, channel: r.channel, outcome: "delivered" });
      await sql.begin(async (tx) => {
        await tx`update portal_notifications set state = 'delivered', delivered_at = ${at.toISOString()}, last_error = null where id = ${r.id}`;
        await tx`insert into events (delivery_id, at, type, detail) values (${r.delivery_id}, ${at.toISOString()}, 'notified', ${JSON.stringify({ messageId: r.message_id, channel: r.channel, attempt: r.attempts, ...(detail ?? {}) })}::jsonb)`;
        await tx`insert into portal_endpoints (portal_id, channel, state, last_success_at) values (${r.portal_id}, ${r.channel}, 'enabled', ${at.toISOString()})
                 on conflict (portal_id, channel) do update set last_success_at = excluded.last_success_at`;
      });
      return;
    }
    const giveUp = r.attempts >= s.maxAttempts;
    const next = new Date(at.getTime() + backoffMs(r.attempts, s.backoffInitialMs, s.backoffMaxMs));
    this.deps.metrics.notifications.inc({ portal: r.portal_id, channel: r.channel, outcome: giveUp ? "gave_up" : "failed" });
    this.deps.log.warn(
      { portal: r.portal_id, channel: r.channel, messageId: r.message_id, attempt: r.attempts, err: error },
      giveUp ? "way back to the portal gave up, endpoint disabled" : "way back to the portal failed, will retry",
    );
    await sql.begin(async (tx) => {
      await tx`update portal_notifications set state = ${giveUp ? "failed" : "pending"}, last_error = ${error}, next_attempt_at = ${next.toISOString()} where id = ${r.id}`;
      const failure = { messageId: r.message_id, channel: r.channel, attempt: r.attempts, error, ...(giveUp ? {} : { nextAttemptAt: next.toISOString() }) };
      await tx`insert into events (delivery_id, at, type, detail) values (${r.delivery_id}, ${at.toISOString()}, ${giveUp ? "notify-gave-up" : "notify-failed"}, ${JSON.stringify(failure)}::jsonb)`;
      if (giveUp) {
        await tx`insert into portal_endpoints (portal_id, channel, state, last_error, disabled_at) values (${r.portal_id}, ${r.channel}, 'disabled', ${error}, ${at.toISOString()})
                 on conflict (portal_id, channel) do update set state = 'disabled', last_error = excluded.last_error, disabled_at = excluded.disabled_at`;
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
