import amqp from "amqplib";
import postgres from "postgres";

/**
 * The raw floors of this machine, measured in the same run as ozg-hub so that results are
 * ratios rather than absolute numbers that depend on the hardware of the day.
 */

/** Confirmed publishes per second into a quorum queue, `concurrency` publishes in flight. */
export async function amqpConfirmFloor(url: string, o: { concurrency: number; n: number; bytes: number; queue: string }): Promise<number> {
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue(o.queue, { durable: true, arguments: { "x-queue-type": "quorum" } });
    const body = Buffer.alloc(o.bytes, 0x61);
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: o.concurrency }, async () => {
        while (next++ < o.n) {
          await new Promise<void>((resolve, reject) => ch.sendToQueue(o.queue, body, { persistent: true }, (err) => (err ? reject(err) : resolve())));
        }
      }),
    );
    const rate = o.n / ((performance.now() - started) / 1000);
    await ch.deleteQueue(o.queue);
    return rate;
  } finally {
    await conn.close();
  }
}

/** Single-row commits per second (each insert its own transaction), `concurrency` connections. */
export async function postgresCommitFloor(url: string, o: { concurrency: number; n: number; bytes: number; table: string }): Promise<number> {
  // At most 32 connections: the server is shared and has a connection limit; more callers queue.
  const sql = postgres(url, { max: Math.min(o.concurrency, 32), onnotice: () => {} });
  try {
    await sql.unsafe(`create table ${o.table} (id bigserial primary key, body text not null)`);
    const body = "a".repeat(o.bytes);
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: o.concurrency }, async () => {
        while (next++ < o.n) await sql.unsafe(`insert into ${o.table} (body) values ($1)`, [body]);
      }),
    );
    const rate = o.n / ((performance.now() - started) / 1000);
    await sql.unsafe(`drop table ${o.table}`);
    return rate;
  } finally {
    await sql.end();
  }
}
