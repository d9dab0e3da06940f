import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Cluster } from "./cluster.ts";
import type { FaultWindow } from "./report.ts";
import type { TcpProxy } from "../test/support/tcp-proxy.ts";

const run = promisify(execFile);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** kill -9 of one instance; the harness starts it again at once (the fault ends when the restart is issued). */
export async function killAndRestart(c: Cluster, i: number): Promise<FaultWindow> {
  const start = Date.now();
  await c.kill(i);
  const end = Date.now();
  await c.startInstance(i);
  return { what: `kill -9 instance ${i}`, start, end };
}

/** kill -9 of one instance that stays dead; the others must take over its backlog. */
export async function killForGood(c: Cluster, i: number): Promise<FaultWindow> {
  const start = Date.now();
  await c.kill(i);
  return { what: `kill -9 instance ${i} (not restarted)`, start, end: Date.now() };
}

/** Cuts the given proxies (every open connection dropped, new ones refused) for `ms`. */
export async function cut(proxies: TcpProxy[], ms: number, what: string): Promise<FaultWindow> {
  const start = Date.now();
  for (const p of proxies) p.cut();
  try {
    await sleep(ms);
  } finally {
    for (const p of proxies) p.restore();
  }
  return { what, start, end: Date.now() };
}

/**
 * Stops the RabbitMQ application for `ms` and starts it again. The broker is shared with other
 * work on the machine: the outage is kept short, and start_app runs even if the wait fails.
 */
export async function rabbitmqStopStart(ms: number): Promise<FaultWindow> {
  const start = Date.now();
  await run("rabbitmqctl", ["stop_app"], { timeout: 60_000 });
  try {
    await sleep(ms);
  } finally {
    await run("rabbitmqctl", ["start_app"], { timeout: 120_000 });
  }
  return { what: `rabbitmqctl stop_app / start_app (${ms} ms)`, start, end: Date.now() };
}

/** Restarts the Postgres cluster; every connection of every client is dropped. */
export async function postgresRestart(version = process.env.CHAOS_PG_VERSION ?? "15", cluster = "main"): Promise<FaultWindow> {
  const start = Date.now();
  await run("pg_ctlcluster", ["--skip-systemctl-redirect", version, cluster, "restart"], { timeout: 120_000 });
  return { what: `pg_ctlcluster ${version} ${cluster} restart`, start, end: Date.now() };
}
