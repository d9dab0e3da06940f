import net from "node:net";
import type { TestProject } from "vitest/node";

/**
 * Finds Postgres and RabbitMQ once for the whole run: the URLs from the environment, else the
 * local defaults when they answer, else containers started with testcontainers (where Docker
 * exists). Test files read the result with `inject("databaseUrl")` / `inject("amqpUrl")`.
 */
const LOCAL_DB = "postgres://postgres@127.0.0.1:5432/postgres";
const LOCAL_AMQP = "amqp://guest:guest@127.0.0.1:5672";

function answers(url: string, fallbackPort: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port || fallbackPort) });
    socket.setTimeout(1500);
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(false));
  });
}

export default async function setup(project: TestProject) {
  const stops: (() => Promise<unknown>)[] = [];
  let databaseUrl = process.env.DATABASE_URL;
  let amqpUrl = process.env.AMQP_URL;
  if (!databaseUrl) {
    if (await answers(LOCAL_DB, 5432)) databaseUrl = LOCAL_DB;
    else {
      const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
      const pg = await new PostgreSqlContainer("postgres:16-alpine").start();
      stops.push(() => pg.stop());
      databaseUrl = pg.getConnectionUri();
    }
  }
  if (!amqpUrl) {
    if (await answers(LOCAL_AMQP, 5672)) amqpUrl = LOCAL_AMQP;
    else {
      const { RabbitMQContainer } = await import("@testcontainers/rabbitmq");
      const mq = await new RabbitMQContainer("rabbitmq:3.13-management-alpine").start();
      stops.push(() => mq.stop());
      amqpUrl = mq.getAmqpUrl();
    }
  }
  project.provide("databaseUrl", databaseUrl);
  project.provide("amqpUrl", amqpUrl);
  return async () => {
    for (const stop of stops) await stop();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    amqpUrl: string;
  }
}
