import { BackgroundLoop, backoffMs, logsFailure, messageOf, type AdapterContext, type Lease } from "../../gateway/index.ts";
import type { ReadyAccount } from "./accounts.ts";
import type { XtaSettings } from "./auth.ts";
import type { XtaAccountConfig } from "./config.ts";
import { createXtaClient, type XtaClient } from "./client.ts";
import { xtaMetrics, type XtaMetrics } from "./metrics.ts";

export interface PollRound {
  fetched: number;
  committed: number;
  duplicates: number;
  /** Messages intake refused (left in the remote box, logged). */
  refused: number;
}

/**
 * Reads one external XTA mailbox: checkAccountActive → getStatusList → getMessage → intake →
 * close. `close` follows only a committed (or already committed: duplicate) intake, so a crash
 * in between leaves the message in the remote box; the next round fetches it again, intake
 * answers `duplicate`, and it is closed then. One instance polls an account at a time: the
 * poller holds a Postgres advisory lock on a connection of its own while it runs.
 */
export class AccountPoller {
  private readonly loop = new BackgroundLoop(() => this.run());
  private client: XtaClient | undefined;
  private readonly lease: Lease;
  private readonly metrics: XtaMetrics;

  constructor(
    private readonly ctx: AdapterContext,
    readonly account: XtaAccountConfig,
    private readonly connect: () => Promise<XtaClient>,
  ) {
    this.lease = ctx.lease(`ozg-hub:xta-account:${account.id}`);
    this.metrics = xtaMetrics(ctx.metrics.registry);
  }

  get portalId(): string {
    return this.account.portal ?? this.account.id;
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.releaseLease();
  }

  /** Takes the account's lease; false while another instance holds it. */
  acquireLease(): Promise<boolean> {
    return this.lease.acquire();
  }

  releaseLease(): Promise<void> {
    return this.lease.release();
  }

  /** One pass over the remote box. Throws on outages (the loop backs off). */
  async pollOnce(): Promise<PollRound> {
    this.client ??= await this.connect();
    const client = this.client;
    await client.checkAccountActive();
    const list = await client.getStatusList(this.account.maxListItems);
    const round: PollRound = { fetched: 0, committed: 0, duplicates: 0, refused: 0 };
    for (const id of list.messageIds) {
      const m = await client.getMessage(id);
      round.fetched++;
      const result = await this.ctx.gateway.intake({
        channel: "xta",
        portalId: this.portalId,
        sourceMessageId: m.meta.messageId,
        attachments: m.attachments.map((a, i) => ({
          name: a.filename ?? `attachment-${i + 1}`,
          contentType: a.contentType,
          ...(a.description ? { group: a.description } : {}),
          content: a.bytes,
        })),
        document: async () => ({
          contentType: m.message.contentType,
          bytes: m.message.bytes,
          sourceMessageId: m.meta.messageId,
          metadata: { xta: { ...m.meta, account: this.account.id } },
          recipient: { xtaReader: m.meta.reader },
        }),
      });
      if (result.kind === "accepted" || result.kind === "duplicate") {
        this.metrics.fetched.inc({ account: this.account.id, result: result.kind === "accepted" ? "committed" : "duplicate" });
        await client.close(m.requestId || list.requestId, [id]);
        if (result.kind === "accepted") round.committed++;
        else round.duplicates++;
      } else if (result.kind === "busy") {
        break; // ozg-hub is behind: leave the rest in the remote mailbox for a later round
      } else {
        round.refused++;
        this.metrics.fetched.inc({ account: this.account.id, result: "refused" });
        this.ctx.log.warn({ account: this.account.id, messageId: id, refusal: result.kind }, "XTA message refused by intake, left in the remote mailbox");
      }
    }
    return round;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.loop.running) {
      let delay = this.account.pollIntervalMs;
      try {
        if (await this.acquireLease()) {
          const round = await this.pollOnce();
          this.metrics.polls.inc({ account: this.account.id, outcome: "ok" });
          failures = 0;
          if (round.fetched > 0 && round.refused < round.fetched) delay = 0; // more may be waiting
        }
      } catch (err) {
        failures++;
        this.metrics.polls.inc({ account: this.account.id, outcome: "failed" });
        delay = backoffMs(failures, this.account.pollIntervalMs, this.account.backoffMaxMs);
        this.client = undefined; // reconnect: the certificate or the server may have changed
        if (logsFailure(failures)) this.ctx.log.warn({ account: this.account.id, failures, err: messageOf(err) }, "XTA mailbox poll failed, backing off");
        await this.lease.check();
      }
      if (!this.loop.running) break;
      await this.loop.sleep(delay);
    }
  }
}

/** Builds the client of an account whose keys the prepare step read. */
export async function connectAccount(a: ReadyAccount): Promise<XtaClient> {
  const c = a.config;
  return createXtaClient({
    managementUrl: c.managementUrl,
    msgBoxUrl: c.msgBoxUrl,
    sendUrl: c.sendUrl,
    pfx: a.pfx,
    passphrase: a.passphrase,
    ca: a.ca,
    author: c.author,
  });
}

export interface Pollers {
  /** Follows the current config: starts pollers for new accounts, stops those of removed or changed ones. */
  reconcile(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * One poller per configured account, kept in step with the config: an account added, removed or
 * changed in gateway.yaml (or its key files renewed) is picked up at the next reload (SIGHUP),
 * unchanged ones keep running.
 */
export function startPollers(ctx: AdapterContext, settings: () => XtaSettings): Pollers {
  let running = new Map<string, AccountPoller>();
  let stopped = false;
  // Reloads and stop are applied one after the other, never interleaved.
  let queue: Promise<void> = Promise.resolve();
  const serial = (step: () => Promise<void>) => (queue = queue.then(step, step));

  const reconcile = () =>
    serial(async () => {
      if (stopped) return;
      const wanted = new Map(settings().clientAccounts.map((a) => [a.key, a]));
      const leaving = [...running].filter(([k]) => !wanted.has(k));
      await Promise.all(leaving.map(([, p]) => p.stop()));
      const next = new Map([...running].filter(([k]) => wanted.has(k)));
      for (const [k, a] of wanted) {
        if (next.has(k)) continue;
        const p = new AccountPoller(ctx, a.config, () => connectAccount(a));
        p.start();
        next.set(k, p);
      }
      if (leaving.length > 0 || next.size !== running.size) {
        ctx.log.info(
          { accounts: [...next.values()].map((p) => p.account.id), stopped: leaving.map(([, p]) => p.account.id) },
          "XTA mailbox pollers follow the config",
        );
      }
      running = next;
    });

  void reconcile();
  return {
    reconcile,
    stop: () =>
      serial(async () => {
        stopped = true;
        await Promise.all([...running.values()].map((p) => p.stop()));
        running = new Map();
      }),
  };
}
