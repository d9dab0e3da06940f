/**
 * `npm run bench`: applications of ~5 KB through the REST intake of a real `ozg-hub serve`
 * process until a consumer has them from the subscriber queue, at a few concurrencies; in the
 * same run the floors of this machine (Postgres single-row commits, amqplib confirmed publishes
 * to a quorum queue) and the ratios; then the peak RSS growth of the process for one 200 MB
 * attachment. Other benchmarks (mapping, XTA) join when their modules are present.
 */
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { TOKENS, REPO, writeTestConfig } from "../test/support/config.ts";
import { createTestDatabase } from "../test/support/database.ts";
import { spawnHub } from "../test/support/process.ts";
import { removeBrokerNames } from "./cleanup.ts";
import { cpuSplit, type CpuSplit } from "./cpu.ts";
import { amqpConfirmFloor, postgresCommitFloor } from "./floors.ts";
import { memoryOf, resetPeak, uploadLarge } from "./memory.ts";
import { restLoad, type LoadResult } from "./rest.ts";

const databaseUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const amqpUrl = process.env.AMQP_URL || "amqp://guest:guest@127.0.0.1:5672";
const BYTES = 5 * 1024;
const LEVELS = (process.env.BENCH_CONCURRENCY ?? "1,8,32").split(",").map(Number);
const N = Number(process.env.BENCH_N ?? 1500);
const MB = 1024 * 1024;

const fmt = (x: number, digits = 0) => x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main() {
  const prefix = `bench${randomBytes(3).toString("hex")}`;
  const db = await createTestDatabase(databaseUrl);
  const configDir = await writeTestConfig(prefix);
  const hub = await spawnHub({ DATABASE_URL: db.url, AMQP_URL: amqpUrl, OZG_HUB_CONFIG: configDir }, undefined, { ready: true });
  const queue = `${prefix}.kiel.dms`;
  try {
    console.log(`ozg-hub benchmark — ${new Date().toISOString()} — node ${process.version}, ${(await import("node:os")).cpus().length} cores`);
    console.log(`payload ~${BYTES / 1024} KB canonical JSON via POST /api/v1/applications → consumer of ${queue}\n`);
    await restLoad({ url: hub.url, token: TOKENS.formsolutions, amqpUrl, queue, n: 200, concurrency: 8, bytes: BYTES, tag: "warmup" });

    console.log("concurrency | intake→queue /s | p50 ms | p99 ms | pg commit floor /s | ratio | amqp confirm floor /s | ratio");
    console.log("----------- | --------------- | ------ | ------ | ------------------ | ----- | --------------------- | -----");
    const results: LoadResult[] = [];
    const splits: { concurrency: number; split: CpuSplit }[] = [];
    for (const c of LEVELS) {
      const n = c === 1 ? Math.min(N, 400) : N;
      const { result: r, split } = await cpuSplit(hub.child.pid!, () => restLoad({ url: hub.url, token: TOKENS.formsolutions, amqpUrl, queue, n, concurrency: c, bytes: BYTES, tag: `c${c}` }));
      if (split) splits.push({ concurrency: c, split });
      const pg = await postgresCommitFloor(databaseUrl, { concurrency: c, n, bytes: BYTES, table: `${prefix}_floor_${c}` });
      const mq = await amqpConfirmFloor(amqpUrl, { concurrency: c, n, bytes: BYTES, queue: `${prefix}.floor.${c}` });
      results.push(r);
      console.log(
        `${String(c).padStart(11)} | ${fmt(r.perSecond).padStart(15)} | ${fmt(r.p50Ms, 1).padStart(6)} | ${fmt(r.p99Ms, 1).padStart(6)} | ${fmt(pg).padStart(18)} | ${fmt(r.perSecond / pg, 2).padStart(5)} | ${fmt(mq).padStart(21)} | ${fmt(r.perSecond / mq, 2).padStart(5)}`,
      );
    }

    // Where the two cores went: the floors above had the machine to themselves, the pipeline shares it.
    if (splits.length > 0) console.log("\nCPU during each step (cores; machine busy):");
    for (const { concurrency, split } of splits) {
      const cores = ["ozg-hub", "postgres", "rabbitmq", "load client"].map((g) => `${g} ${fmt(split.cores[g] ?? 0, 2)}`).join(", ");
      console.log(`  c=${String(concurrency).padEnd(3)} ${cores}; machine ${fmt(split.machineBusy * 100)} % busy`);
    }

    const xtaModule = path.join(REPO, "bench/xta.ts");
    if (existsSync(xtaModule)) {
      const { benchXta } = (await import(xtaModule)) as { benchXta(o: { n: number; concurrency: number }): Promise<{ perSecond: number; p50Ms: number; p99Ms: number }> };
      const rest8 = results.find((r) => r.concurrency === 8) ?? results[results.length - 1]!;
      const x = await benchXta({ n: Math.min(N, 1000), concurrency: 8 });
      console.log(`\nXTA sendMessage (HTTPS, client certificates), concurrency 8: ${fmt(x.perSecond)}/s, p50 ${fmt(x.p50Ms, 1)} ms, p99 ${fmt(x.p99Ms, 1)} ms — ${fmt(x.perSecond / rest8.perSecond, 2)}× the REST path at concurrency ${rest8.concurrency}`);
    }
    const mappingModule = path.join(REPO, "bench/mapping.ts");
    if (existsSync(mappingModule)) {
      const { benchMappings } = (await import(mappingModule)) as { benchMappings(): Promise<{ format: string; perSecond: number }[]> };
      console.log("\nmapping step alone (parse + map + validate, one core):");
      for (const m of await benchMappings()) console.log(`  ${m.format.padEnd(20)} ${fmt(m.perSecond).padStart(8)} /s`);
    }

    const pid = hub.child.pid!;
    const resettable = resetPeak(pid);
    const idle = memoryOf(pid);
    const upload = await uploadLarge({ url: hub.url, token: TOKENS.formsolutions, bytes: 200 * 1000 * 1000, form: bigForm() });
    const after = memoryOf(pid);
    console.log(
      `\n200 MB attachment via POST /antrag: HTTP ${upload.status}; RSS idle ${fmt(idle.rss / MB)} MB, peak during upload ${fmt(after.peak / MB)} MB → growth ${fmt((after.peak - idle.rss) / MB)} MB` +
        (resettable ? "" : " (peak mark could not be reset: figure includes start-up)"),
    );
    if (upload.status !== 202) throw new Error(`upload failed: ${upload.body}`);
  } finally {
    hub.child.kill("SIGTERM");
    await hub.exited;
    await removeBrokerNames(amqpUrl, prefix);
    await db.drop();
    await rm(configDir, { recursive: true, force: true });
  }
}

function bigForm() {
  return {
    control: { transactionId: `bench-large-${Date.now()}`, zustaendigeStelle: "9030230", leikaIds: ["99123456760000"], formId: "bauantrag", name: "Bauantrag" },
    formData: [{ name: "antragsteller", formItems: [{ name: "vorname", stringValue: "Erika" }, { name: "nachname", stringValue: "Mustermann" }] }],
  };
}

await main();
