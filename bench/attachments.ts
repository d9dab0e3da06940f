/**
 * `node --import tsx bench/attachments.ts`: the time a real `ozg-hub serve` process takes to
 * answer one /antrag delivery with 0, 1, 10, 100 and 101 one-byte attachments (the last one is
 * refused, 413), each size five times, median in ms. Shows the per-attachment cost, which the
 * bytes do not explain: with COPY per attachment it was ~90 ms each (Nagle/delayed-ACK stalls).
 */
import { randomBytes } from "node:crypto";
import { antragBody, ozgCloudForm } from "../test/support/forms.ts";
import { TOKENS, writeTestConfig } from "../test/support/config.ts";
import { createTestDatabase } from "../test/support/database.ts";
import { spawnHub } from "../test/support/process.ts";
import { stopBenchHub } from "./cleanup.ts";

const databaseUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const amqpUrl = process.env.AMQP_URL || "amqp://guest:guest@127.0.0.1:5672";
const COUNTS = (process.env.BENCH_PARTS ?? "0,1,10,100,101").split(",").map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const prefix = `b${randomBytes(4).toString("hex")}`;
const db = await createTestDatabase(databaseUrl);
const configDir = await writeTestConfig(prefix, { gateway: { relay: {}, groupCommit: {} } });
const hub = await spawnHub({ DATABASE_URL: db.url, AMQP_URL: amqpUrl, OZG_HUB_CONFIG: configDir }, undefined, { ready: true });
try {
  for (const n of COUNTS) {
    const times: number[] = [];
    let status = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const files = Array.from({ length: n }, (_, i) => ({ part: "attachment" as const, name: `a${i}.txt`, type: "text/plain", content: "x" }));
      const body = antragBody(ozgCloudForm({ transactionId: `bench-${n}-${r}` }), files);
      const t0 = performance.now();
      const res = await fetch(`${hub.url}/antrag`, { method: "POST", headers: { authorization: `Bearer ${TOKENS.formsolutions}` }, body });
      await res.arrayBuffer();
      times.push(performance.now() - t0);
      status = res.status;
    }
    times.sort((a, b) => a - b);
    console.log(
      `${String(n).padStart(3)} one-byte attachments: ${status}, median ${times[Math.floor(times.length / 2)]!.toFixed(0)} ms (min ${times[0]!.toFixed(0)}, max ${times.at(-1)!.toFixed(0)})`,
    );
  }
} finally {
  await stopBenchHub(hub, { amqpUrl, prefix, db, configDir });
}
