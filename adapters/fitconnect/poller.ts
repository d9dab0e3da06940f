import { BackgroundLoop, backoffMs, logsFailure, messageOf, OutageError, type AdapterContext, type Lease } from "../../gateway/index.ts";
import { createClient, type FitConnectClient } from "./client.ts";
import type { Destination } from "./config.ts";
import { decisions } from "./decisions.ts";
import type { FitConnectMetrics } from "./metrics.ts";
import { pickUp, sendPending, type PickupOutcome } from "./pickup.ts";
import { trackReplies } from "./way-back.ts";

export interface PollRound {
  listed: number;
  outcomes: Partial<Record<PickupOutcome | "failed", number>>;
}

/**
 * Picks up one destination's submissions: sends decisions still pending, then lists the
 * submissions ready for pickup page by page and takes each through `pickUp`. One instance
 * polls a destination at a time: the poller holds a Postgres advisory lock on a connection of
 * its own while it runs, so two instances never fetch the same submission. A callback only
 * wakes the poller up.
 */
export class DestinationPoller {
  private readonly loop = new BackgroundLoop(() => this.run());
  private woken = false;
  readonly client: FitConnectClient;
  private readonly lease: Lease;

  constructor(
    private readonly ctx: AdapterContext,
    readonly dest: Destination,
    private readonly metrics: FitConnectMetrics,
    client?: FitConnectClient,
  ) {
    const c = dest.config;
    this.lease = ctx.lease(`ozg-hub:fitconnect-destination:${c.id}`);
    this.client =
      client ??
      createClient({ apiUrl: c.apiUrl, tokenUrl: c.tokenUrl, clientId: c.clientId, clientSecret: dest.clientSecret, destinationId: c.id, clock: ctx.clock });
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.releaseLease();
  }

  /** Polls now instead of after the pause (a callback announced new submissions). */
  wake(): void {
    this.woken = true;
    this.loop.wake();
  }

  /** Takes the destination's lease; false while another instance holds it. */
  acquireLease(): Promise<boolean> {
    return this.lease.acquire();
  }

  releaseLease(): Promise<void> {
    return this.lease.release();
  }

  /**
   * One pass: pending decisions, the senders' answers to our replies, then every page of
   * submissions ready for pickup. Throws on outages.
   */
  async pollOnce(): Promise<PollRound> {
    const deps = { ctx: this.ctx, dest: this.dest, client: this.client, decisions: decisions(this.ctx.tables) };
    await sendPending(deps);
    await trackReplies(this.ctx, this.dest, this.client);
    const round: PollRound = { listed: 0, outcomes: {} };
    const { pageSize } = this.dest.config;
    // Plain offset paging. Picked-up submissions leave the list, so a page may slide past
    // some; the loop polls again at once after a round that found any, and catches them then.
    const seen = new Set<string>();
    for (let offset = 0; ; offset += pageSize) {
      const page = await this.client.listSubmissions(offset, pageSize);
      for (const ref of page.submissions) {
        if (seen.has(ref.submissionId)) continue;
        seen.add(ref.submissionId);
        round.listed++;
        let outcome: PickupOutcome | "failed";
        try {
          outcome = await pickUp(deps, ref);
        } catch (err) {
          // An outage ends the round (the loop backs off); anything else is this submission's
          // alone: it stays ready for pickup and must not hold up the ones behind it.
          if (err instanceof OutageError) throw err;
          outcome = "failed";
          this.ctx.log.error(
            { destination: this.dest.config.id, submissionId: ref.submissionId, err: messageOf(err) },
            "FIT-Connect submission could not be picked up, left for the next round",
          );
        }
        round.outcomes[outcome] = (round.outcomes[outcome] ?? 0) + 1;
        this.metrics.submissions.inc({ destination: this.dest.config.id, outcome });
        // The gateway is over its backlog: leave the rest ready for pickup until the next round.
        if (outcome === "busy") return round;
      }
      if (page.submissions.length < pageSize || offset + pageSize >= page.totalCount) break;
    }
    return round;
  }

  private async run(): Promise<void> {
    let failures = 0;
    const c = this.dest.config;
    while (this.loop.running) {
      let delay = c.pollIntervalMs;
      this.woken = false;
      try {
        if (await this.acquireLease()) {
          const round = await this.pollOnce();
          this.metrics.polls.inc({ destination: c.id, outcome: "ok" });
          failures = 0;
          // More may be waiting when anything new was decided this round.
          // A busy gateway waits the normal interval.
          if (!round.outcomes.busy && round.listed > (round.outcomes["decided-before"] ?? 0) + (round.outcomes.failed ?? 0)) delay = 0;
        }
      } catch (err) {
        failures++;
        this.metrics.polls.inc({ destination: c.id, outcome: "failed" });
        delay = backoffMs(failures, c.pollIntervalMs, c.backoffMaxMs);
        if (logsFailure(failures)) this.ctx.log.warn({ destination: c.id, failures, err: messageOf(err) }, "FIT-Connect poll failed, backing off");
        await this.lease.check();
      }
      if (!this.loop.running) break;
      if (this.woken) continue;
      await this.loop.sleep(delay);
    }
  }
}
