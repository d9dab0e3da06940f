import type { Cluster } from "./cluster.ts";
import { cut, killAndRestart, killForGood, postgresRestart, rabbitmqStopStart, sleep } from "./faults.ts";
import type { FaultWindow } from "./report.ts";
import type { TcpProxy } from "../test/support/tcp-proxy.ts";

export interface ScenarioContext {
  cluster: Cluster;
  /** The proxy between the recording consumer and RabbitMQ. */
  consumerProxy: TcpProxy;
  /** Length of the load phase. */
  durationMs: number;
}

export interface Scenario {
  name: string;
  instances: number;
  postgresProxy?: boolean;
  /** What this run did, printed below the table (e.g. a stand-in for a fault in short mode). */
  note: string;
  /** Injects the faults while the load runs; returns once the load phase may end. */
  inject(ctx: ScenarioContext): Promise<FaultWindow[]>;
}

/**
 * Faults spread over the load phase: `n` faults, each started at an even share of the
 * duration, with the remainder of the phase left for steady state after the last.
 */
async function spread(ctx: ScenarioContext, n: number, fault: (k: number) => Promise<FaultWindow>): Promise<FaultWindow[]> {
  const t0 = Date.now();
  const out: FaultWindow[] = [];
  for (let k = 0; k < n; k++) {
    await sleep(Math.max(0, t0 + ((k + 1) * ctx.durationMs) / (n + 1.5) - Date.now()));
    out.push(await fault(k));
  }
  await sleep(Math.max(0, t0 + ctx.durationMs - Date.now()));
  return out;
}

/**
 * The scenarios, in the order they run. The short mode (CI) never stops the shared RabbitMQ or
 * Postgres: it cuts TCP proxies in front of them instead and says so in the note.
 */
export function scenarios(short: boolean): Scenario[] {
  const outage = short ? 2000 : 4000;
  return [
    {
      name: "kill-9",
      instances: 1,
      note: `kill -9 of the only instance ${short ? 2 : 4} times, restarted by the harness`,
      inject: (ctx) => spread(ctx, short ? 2 : 4, () => killAndRestart(ctx.cluster, 0)),
    },
    {
      name: "broker-cut",
      instances: 1,
      note: `hub-to-RabbitMQ connection cut by TCP proxy for ${outage} ms, ${short ? 1 : 3} times`,
      inject: (ctx) => spread(ctx, short ? 1 : 3, () => cut([ctx.cluster.brokerProxy], outage, "broker connection cut")),
    },
    short
      ? {
          name: "broker-down",
          instances: 1,
          note: "short mode: RabbitMQ is shared and not stopped; stand-in: hub and consumer connections both cut by TCP proxy",
          inject: (ctx) => spread(ctx, 1, () => cut([ctx.cluster.brokerProxy, ctx.consumerProxy], outage, "broker away for all")),
        }
      : {
          name: "rabbitmq-restart",
          instances: 1,
          note: "rabbitmqctl stop_app, 3 s, start_app",
          inject: (ctx) => spread(ctx, 1, () => rabbitmqStopStart(3000)),
        },
    short
      ? {
          name: "postgres-cut",
          instances: 1,
          postgresProxy: true,
          note: "short mode: Postgres is shared and not restarted; stand-in: hub-to-Postgres connections cut by TCP proxy",
          inject: (ctx) => spread(ctx, 1, () => cut([ctx.cluster.postgresProxy!], outage, "postgres connection cut")),
        }
      : {
          name: "postgres-restart",
          instances: 1,
          note: "pg_ctlcluster --skip-systemctl-redirect 15 main restart",
          inject: (ctx) => spread(ctx, 1, () => postgresRestart()),
        },
    {
      name: "two-instances",
      instances: 2,
      note: "2 instances share Postgres and RabbitMQ; instance 1 killed -9 mid-run, not restarted",
      inject: (ctx) => spread(ctx, 1, () => killForGood(ctx.cluster, 1)),
    },
    {
      name: "three-instances",
      instances: 3,
      note: short
        ? "3 instances; instance 2 killed -9 mid-run, not restarted"
        : "3 instances; instance 2 killed -9 and restarted, then instance 0 killed -9 for good",
      inject: (ctx) =>
        short
          ? spread(ctx, 1, () => killForGood(ctx.cluster, 2))
          : spread(ctx, 2, (k) => (k === 0 ? killAndRestart(ctx.cluster, 2) : killForGood(ctx.cluster, 0))),
    },
  ];
}
