import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { Writable } from "node:stream";
import type { Hono } from "hono";
import { inject } from "vitest";
import { createApp } from "../../gateway/http/app.ts";
import { createLogger } from "../../gateway/logger.ts";
import { topologyOf } from "../../gateway/publish/topology.ts";
import { rejectionQueue, statusNames } from "../../gateway/status/consumer.ts";
import type { Services } from "../../gateway/services.ts";
import { assembleHub } from "../../cli/hub.ts";
import { TestBroker } from "./broker.ts";
import { writeTestConfig } from "./config.ts";
import { createTestDatabase } from "./database.ts";

export { editYaml, REPO, TOKENS, writeTestConfig } from "./config.ts";

export interface TestHub {
  app: Hono;
  services: Services;
  databaseUrl: string;
  amqpUrl: string;
  prefix: string;
  configDir: string;
  broker: TestBroker;
  logs: string[];
  queue(tenant: string, subscriber: string): string;
  allQueues(): string[];
  /** Stops this process's services (in-flight work finishes) and starts new ones on the same database. */
  restart(opts?: { relay?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

/** A whole ozg-hub in this process against a fresh database and its own broker names. */
export async function startTestHub(
  opts: {
    amqpUrl?: string;
    gateway?: Record<string, unknown>;
    mappings?: string;
    relay?: boolean;
    /**
     * The relay in a worker thread, as `serve` runs it. Off by default here: the relay then
     * logs into `logs` and its metrics land at once; serve processes (chaos, bench) use the thread.
     */
    relayThread?: boolean;
    /** The URL the hub's services use for its database, e.g. through a `TcpProxy` a test can cut. */
    databaseVia?: (url: string) => string;
  } = {},
): Promise<TestHub> {
  const amqpUrl = opts.amqpUrl ?? inject("amqpUrl");
  const db = await createTestDatabase(inject("databaseUrl"));
  const prefix = `t${randomBytes(4).toString("hex")}`;
  const configDir = await writeTestConfig(prefix, opts);
  const logs: string[] = [];
  const log = createLogger({
    level: "info",
    destination: new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    }),
  });
  /** One process's worth of services on the hub's database and config. */
  const boot = async (relay: boolean) => {
    const { services, adapters } = await assembleHub({
      configDir,
      databaseUrl: opts.databaseVia?.(db.url) ?? db.url,
      amqpUrl,
      log,
      dbPoolSize: 5,
      relayThread: opts.relayThread ?? false,
    });
    services.useAdapters(adapters);
    for (const a of adapters) await a.start?.();
    if (relay) {
      services.start();
      if (opts.amqpUrl === undefined) await services.broker.channel(); // topology declared
    }
    return { services, adapters, app: createApp(services, adapters) };
  };
  let current = await boot(opts.relay !== false);
  const halt = async () => {
    for (const a of current.adapters) await a.stop?.();
    await current.services.stop();
  };
  const broker = await TestBroker.connect(inject("amqpUrl"));
  const t = topologyOf(current.services.runtime().config);
  const hub: TestHub = {
    app: current.app,
    services: current.services,
    databaseUrl: db.url,
    amqpUrl,
    prefix,
    configDir,
    broker,
    logs,
    queue: (tenant, subscriber) => `${prefix}.${tenant}.${subscriber}`,
    allQueues: () => t.queues.map((q) => q.queue),
    async restart(o = {}) {
      await halt();
      current = await boot(o.relay !== false);
      hub.app = current.app;
      hub.services = current.services;
    },
    async stop() {
      await halt();
      const s = statusNames(current.services.runtime().config.gateway);
      await broker.deleteAll(
        prefix,
        [t.exchange, t.deadLetterExchange, s.exchange],
        [
          ...t.queues.flatMap((q) => [q.queue, q.deadLetterQueue]),
          s.queue,
          s.deadLetterQueue,
          ...current.services.runtime().config.tenants.map((tenant) => rejectionQueue(s, tenant.id)),
        ],
      );
      await broker.close();
      await db.drop();
      await rm(configDir, { recursive: true, force: true });
    },
  };
  return hub;
}
