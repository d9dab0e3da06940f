/**
 * The naive peer: the same job written the plain way with the same libraries, as a yardstick
 * for ozg-hub. One INSERT in its own transaction, a confirmed publish inline to each quorum
 * queue of PEER_QUEUES (comma-separated: as many as ozg-hub's fan-out for the same submission,
 * so both designs do the same job), then 202. No outbox, no mapping, no validation, no auth.
 * Started by bench/run.ts as a process of its own: `node --import tsx bench/peer.ts` with PORT,
 * DATABASE_URL, AMQP_URL and PEER_QUEUES; prints "listening" when ready.
 */
import { randomUUID } from "node:crypto";
import { serve } from "@hono/node-server";
import amqp from "amqplib";
import { Hono } from "hono";
import postgres from "postgres";

const sql = postgres(process.env.DATABASE_URL!, { max: 32, onnotice: () => {} });
const queues = process.env.PEER_QUEUES!.split(",");
await sql`create table if not exists peer_applications (id uuid primary key, body jsonb not null, received_at timestamptz not null default now())`;
const conn = await amqp.connect(process.env.AMQP_URL!);
const ch = await conn.createConfirmChannel();
for (const queue of queues) await ch.assertQueue(queue, { durable: true, arguments: { "x-queue-type": "quorum" } });

const app = new Hono();
app.post("/api/v1/applications", async (c) => {
  const body = await c.req.text();
  const id = randomUUID();
  await sql`insert into peer_applications (id, body) values (${id}, ${body}::jsonb)`;
  const event = Buffer.from(`{"specversion":"1.0","id":"${id}","type":"application.received","data":${body}}`);
  await Promise.all(
    queues.map(
      (queue) =>
        new Promise<void>((resolve, reject) => ch.sendToQueue(queue, event, { persistent: true, messageId: id }, (err) => (err ? reject(err) : resolve()))),
    ),
  );
  return c.json({ id }, 202);
});

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: "127.0.0.1" }, () => console.log("listening"));
process.once("SIGTERM", () => {
  server.close();
  void conn
    .close()
    .finally(() => sql.end())
    .finally(() => process.exit(0));
});
