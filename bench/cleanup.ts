import { rm } from "node:fs/promises";
import amqp from "amqplib";
import type { HubProcess } from "../test/support/process.ts";

/** Removes the queues and exchanges a benchmark hub with the sample tenants declared under `prefix`. */
export async function removeBrokerNames(amqpUrl: string, prefix: string): Promise<void> {
  const conn = await amqp.connect(amqpUrl);
  try {
    const ch = await conn.createChannel();
    for (const t of ["kiel", "augsburg"])
      for (const s of ["gewerbe", "dms"]) for (const q of [`${prefix}.${t}.${s}`, `${prefix}.${t}.${s}.dlq`]) await ch.deleteQueue(q).catch(() => {});
    await ch.deleteExchange(`${prefix}.applications`).catch(() => {});
    await ch.deleteExchange(`${prefix}.dead-letter`).catch(() => {});
  } finally {
    await conn.close();
  }
}

/** Removes queues (the naive peer's). */
export async function removeQueues(amqpUrl: string, queues: string[]): Promise<void> {
  const conn = await amqp.connect(amqpUrl);
  try {
    const ch = await conn.createChannel();
    for (const queue of queues) await ch.deleteQueue(queue).catch(() => {});
  } finally {
    await conn.close();
  }
}

/** Stops a benchmark's `serve` process and removes what it created: broker names, database, config directory. */
export async function stopBenchHub(hub: HubProcess, o: { amqpUrl: string; prefix: string; db: { drop(): Promise<void> }; configDir: string }): Promise<void> {
  hub.child.kill("SIGTERM");
  await hub.exited;
  await removeBrokerNames(o.amqpUrl, o.prefix);
  await o.db.drop();
  await rm(o.configDir, { recursive: true, force: true });
}
