import type { Server } from "node:http";
import { serve as listen } from "@hono/node-server";
import { createApp } from "../gateway/http/app.ts";
import { createLogger } from "../gateway/logger.ts";
import { ConfigError, envSettings, type Services } from "../gateway/services.ts";
import { assembleHub } from "./hub.ts";

/** `ozg-hub serve`: migrate, start the relay and adapters, listen; SIGHUP reloads, SIGTERM drains. */
export async function serve(): Promise<number> {
  const env = envSettings();
  const log = createLogger();
  let services: Services;
  let built: Awaited<ReturnType<typeof assembleHub>>["adapters"];
  try {
    // Every adapter's prepare step has read its keys and certificates before anything starts.
    ({ services, adapters: built } = await assembleHub({ ...env, amqpUrl: env.amqpUrlGiven ? env.amqpUrl : undefined, log }));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
  await services.migrate();
  services.useAdapters(built);
  for (const a of built) await a.start?.();
  services.start();
  const app = createApp(services, built);
  const server = listen({ fetch: app.fetch, port: env.port, hostname: process.env.HOST ?? "0.0.0.0" }) as Server;
  server.requestTimeout = 0; // large uploads may take long; limits are by size
  log.info({ port: env.port, config: env.configDir }, "ozg-hub listening");

  process.on("SIGHUP", () => void services.reload());
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, "draining: no new requests, finishing those in flight");
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      await closed;
      for (const a of built) await a.stop?.();
      await services.stop();
      log.info("stopped");
      resolve(0);
    };
    process.once("SIGTERM", () => void stop("SIGTERM"));
    process.once("SIGINT", () => void stop("SIGINT"));
  });
}
