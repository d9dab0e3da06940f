import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import type { Sql } from "postgres";
import { afterAll, expect } from "vitest";
import { writeTestConfig, TOKENS } from "../test/support/config.ts";
import { antragBody, ozgCloudForm } from "../test/support/forms.ts";
import { spawnHub, type HubProcess } from "../test/support/process.ts";

/** One answer to one /antrag request; status 0: no answer within 20 s. */
export interface Answer {
  id: string;
  status: number;
}

/**
 * What the cluster fault tests share: a config with broker names of their own and a short
 * reconnect interval, `serve` processes on it, and a steady /antrag load (one request per
 * 100 ms and instance) whose answers are kept for the checks.
 */
export class ClusterLoad {
  readonly answers: Answer[] = [];
  readonly hubs: HubProcess[] = [];
  private n = 0;

  private constructor(
    readonly prefix: string,
    readonly configDir: string,
  ) {}

  static async start(tag: string, env: { DATABASE_URL: string; AMQP_URL: string }, instances = 2): Promise<ClusterLoad> {
    const prefix = `${tag}${randomBytes(3).toString("hex")}`;
    const configDir = await writeTestConfig(prefix, {
      gateway: { relay: { batchSize: 200, workers: 2, pollIntervalMs: 200, backoffInitialMs: 100, backoffMaxMs: 1000, reconnectIntervalMs: 500 } },
    });
    const load = new ClusterLoad(prefix, configDir);
    for (let i = 0; i < instances; i++) load.hubs.push(await spawnHub({ ...env, OZG_HUB_CONFIG: configDir }, undefined, { ready: true }));
    return load;
  }

  /** Every instance under load for `ms`. */
  async run(ms: number): Promise<void> {
    await Promise.all(this.hubs.map((h) => this.loadOne(h, Date.now() + ms)));
  }

  private async loadOne(hub: HubProcess, until: number): Promise<void> {
    while (Date.now() < until) {
      const id = `${this.prefix}-${this.n++}`;
      const status = await fetch(`${hub.url}/antrag`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKENS.formsolutions}` },
        body: antragBody(ozgCloudForm({ transactionId: id }), []),
        signal: AbortSignal.timeout(20_000),
      }).then(
        (r) => r.status,
        () => 0,
      );
      this.answers.push({ id, status });
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  accepted(): string[] {
    return this.answers.filter((a) => a.status === 202).map((a) => a.id);
  }

  count(status: number): number {
    return this.answers.filter((a) => a.status === status).length;
  }

  statuses(): number[] {
    return [...new Set(this.answers.map((a) => a.status))].sort();
  }

  /** Source ids of the deliveries stored in `sql`'s database. */
  static async stored(sql: Sql): Promise<Set<string>> {
    return new Set((await sql<{ id: string }[]>`select source_message_id as id from deliveries`).map((r) => r.id));
  }

  /** Outbox rows not yet confirmed by the broker. */
  static async unpublished(sql: Sql): Promise<number> {
    return (await sql<{ n: number }[]>`select count(*)::int as n from outbox where published_at is null and kind = 'amqp'`)[0]!.n;
  }

  /** Every answer a 202 or a 503: an outage may refuse a request, never fail it otherwise. */
  expectOnly202Or503(): void {
    const statuses = this.statuses();
    expect(
      statuses.every((s) => s === 202 || s === 503),
      `statuses ${statuses.join(",")}`,
    ).toBe(true);
  }

  /** No instance exited during the run (the output's end is shown when one did). */
  expectHubsRunning(): void {
    for (const h of this.hubs) expect(h.child.exitCode, h.output.join("").slice(-2000)).toBeNull();
  }

  /** The source ids of consumed application events, each once. */
  static sourceIds(consumed: { body: unknown }[]): Set<string> {
    return new Set(consumed.map((m) => (m.body as { data: { sourceId: string } }).data.sourceId));
  }

  async stop(): Promise<void> {
    for (const h of this.hubs) h.child.kill("SIGKILL");
    await rm(this.configDir, { recursive: true, force: true });
  }
}

/**
 * Registers clean-up steps while a test starts nodes, hubs and connections; after the describe
 * block they run in reverse order, each failure ignored so the rest still runs.
 */
export function cleanupAfterAll(): (step: () => Promise<unknown>) => void {
  const steps: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of steps.reverse()) await c().catch(() => {});
  });
  return (step) => {
    steps.push(step);
  };
}
