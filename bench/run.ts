/**
 * `npm run bench`: applications of ~5 KB through the REST intake of a real `ozg-hub serve`
 * process until a consumer has them from the subscriber queue, at 1, 8, 32 and 128 in flight,
 * side by side with the naive peer (bench/peer.ts) doing the same job the plain way (publishing
 * to as many queues as ozg-hub's router fans the submission out to, shown in the header); in the
 * same run the floors of this machine (Postgres single-row commits, amqplib confirmed publishes
 * to a quorum queue) and the ratios; with BENCH_PROCESSES=1,2,3 the same load on several
 * `serve` processes; then the peak RSS growth of the process for one 200 MB attachment. Other
 * benchmarks (mapping, XTA) join when their modules are present.
 */
import { existsSync } from "node:fs";
import os from "node:os";
import { rm } from "node:fs/promises";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { TOKENS, REPO, writeTestConfig } from "../test/support/config.ts";
import { createTestDatabase } from "../test/support/database.ts";
import { spawnHub, type HubProcess } from "../test/support/process.ts";
import { spawnPeer } from "./peer-process.ts";
import { removeBrokerNames, removeQueues } from "./cleanup.ts";
import { benchFanOut } from "./fanout.ts";
import { cpuSplit, type CpuSplit } from "./cpu.ts";
import { amqpConfirmFloor, postgresCommitFloor } from "./floors.ts";
import { memoryOf, resetPeak } from "./memory.ts";
import { uploadLarge } from "../test/support/large-upload.ts";
import { restLoad, submission, type LoadResult } from "./rest.ts";

const databaseUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const amqpUrl = process.env.AMQP_URL || "amqp://guest:guest@127.0.0.1:5672";
const BYTES = 5 * 1024;
const LEVELS = (process.env.BENCH_CONCURRENCY ?? "1,8,32,128").split(",").map(Number);
/** `BENCH_PROCESSES=1,2,3`: also run with that many `serve` processes (at SCALE_LEVELS in flight). */
const PROCESSES = (process.env.BENCH_PROCESSES ?? "1").split(",").map(Number);
const SCALE_LEVELS = (process.env.BENCH_SCALE_CONCURRENCY ?? "32,128").split(",").map(Number);
const N = Number(process.env.BENCH_N ?? 1500);
const MB = 1024 * 1024;

/** CPU milliseconds one process group spent per delivery during a load step. */
const cpuMsEach = (split: CpuSplit, group: string, r: LoadResult) => ((split.cores[group] ?? 0) / r.perSecond) * 1000;
const servicesMsEach = (split: CpuSplit, r: LoadResult) => (((split.cores.postgres ?? 0) + (split.cores.rabbitmq ?? 0)) / r.perSecond) * 1000;
/** Busy CPU of the whole machine per delivery (every process: the design, its servers, the load client, the kernel). */
const machineMsEach = (split: CpuSplit, r: LoadResult) => ((split.machineBusy * os.cpus().length) / r.perSecond) * 1000;
const load = () => fmt(os.loadavg()[0]!, 2);
const fmt = (x: number, digits = 0) => x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main() {
  const prefix = `bench${randomBytes(3).toString("hex")}`;
  const db = await createTestDatabase(databaseUrl);
  // The shipped relay and group-commit settings, not the quick-polling ones of the tests.
  const configDir = await writeTestConfig(prefix, { gateway: { relay: {}, groupCommit: {} } });
  const env = { DATABASE_URL: db.url, AMQP_URL: amqpUrl, OZG_HUB_CONFIG: configDir };
  const hub = await spawnHub(env, undefined, { ready: true });
  const extra: HubProcess[] = [];
  // The peer publishes to as many queues as ozg-hub's router fans the same submission out to;
  // the load client consumes one of them on each side (the others fill alike on both).
  const fanOut = await benchFanOut(configDir, "formsolutions", submission("fan-out", BYTES));
  const consumed = fanOut.subscribers.includes("dms") ? "dms" : fanOut.subscribers[0]!;
  const queue = `${prefix}.${fanOut.tenant}.${consumed}`;
  const peerQueues = fanOut.subscribers.map((s) => `${prefix}.peer.${s}`);
  const peerQueue = `${prefix}.peer.${consumed}`;
  const peer = await spawnPeer({ DATABASE_URL: db.url, AMQP_URL: amqpUrl, PEER_QUEUES: peerQueues.join(",") });
  const token = TOKENS.formsolutions;
  try {
    console.log(`ozg-hub benchmark — ${new Date().toISOString()} — node ${process.version}, ${os.cpus().length} cores, load ${load()}`);
    console.log(`payload ~${BYTES / 1024} KB canonical JSON via POST /api/v1/applications → consumer of ${queue}`);
    console.log(
      `fan-out ${fanOut.subscribers.length} (tenant ${fanOut.tenant}: ${fanOut.subscribers.join(", ")}): ozg-hub publishes each delivery to ${fanOut.subscribers.length} subscriber queue(s), the peer to as many`,
    );
    console.log(`naive peer (bench/peer.ts): one INSERT per transaction, confirmed publishes inline to ${peerQueues.length} quorum queue(s), 202\n`);
    await restLoad({ url: hub.url, token, amqpUrl, queue, n: 200, concurrency: 8, bytes: BYTES, tag: "warmup" });
    await restLoad({ url: peer.url, token, amqpUrl, queue: peerQueue, n: 200, concurrency: 8, bytes: BYTES, tag: "warmup" });

    console.log("in flight | ozg-hub /s | p50 ms | p99 ms | peer /s | p50 ms | p99 ms | hub/peer | pg floor /s | hub/pg | amqp floor /s | load 1m");
    console.log("--------- | ---------- | ------ | ------ | ------- | ------ | ------ | -------- | ----------- | ------ | ------------- | -------");
    const results: LoadResult[] = [];
    const splits: { concurrency: number; split: CpuSplit }[] = [];
    const costs: {
      concurrency: number;
      hub: number;
      peer: number;
      hubServices: number;
      peerServices: number;
      hubMachine: number;
      peerMachine: number;
    }[] = [];
    for (const c of LEVELS) {
      const n = c === 1 ? Math.min(N, 400) : N;
      const { result: r, split } = await cpuSplit(hub.child.pid!, () =>
        restLoad({ url: hub.url, token, amqpUrl, queue, n, concurrency: c, bytes: BYTES, tag: `c${c}` }),
      );
      if (split) splits.push({ concurrency: c, split });
      const { result: p, split: peerSplit } = await cpuSplit(
        peer.pid,
        () => restLoad({ url: peer.url, token, amqpUrl, queue: peerQueue, n, concurrency: c, bytes: BYTES, tag: `peer-c${c}` }),
        "peer",
      );
      if (split && peerSplit)
        costs.push({
          concurrency: c,
          hub: cpuMsEach(split, "ozg-hub", r),
          peer: cpuMsEach(peerSplit, "peer", p),
          hubServices: servicesMsEach(split, r),
          peerServices: servicesMsEach(peerSplit, p),
          hubMachine: machineMsEach(split, r),
          peerMachine: machineMsEach(peerSplit, p),
        });
      const pg = await postgresCommitFloor(databaseUrl, { concurrency: c, n, bytes: BYTES, table: `${prefix}_floor_${c}` });
      const mq = await amqpConfirmFloor(amqpUrl, { concurrency: c, n, bytes: BYTES, queue: `${prefix}.floor.${c}` });
      results.push(r);
      console.log(
        [
          String(c).padStart(9),
          fmt(r.perSecond).padStart(10),
          fmt(r.p50Ms, 1).padStart(6),
          fmt(r.p99Ms, 1).padStart(6),
          fmt(p.perSecond).padStart(7),
          fmt(p.p50Ms, 1).padStart(6),
          fmt(p.p99Ms, 1).padStart(6),
          fmt(r.perSecond / p.perSecond, 2).padStart(8),
          fmt(pg).padStart(11),
          fmt(r.perSecond / pg, 2).padStart(6),
          fmt(mq).padStart(13),
          load().padStart(7),
        ].join(" | "),
      );
    }

    // Where the two cores went: the floors above had the machine to themselves, the pipeline shares it.
    if (splits.length > 0) console.log("\nCPU during each ozg-hub step (cores; machine busy):");
    for (const { concurrency, split } of splits) {
      const cores = ["ozg-hub", "postgres", "rabbitmq", "load client"].map((g) => `${g} ${fmt(split.cores[g] ?? 0, 2)}`).join(", ");
      console.log(`  c=${String(concurrency).padEnd(3)} ${cores}; machine ${fmt(split.machineBusy * 100)} % busy`);
    }

    // On a shared machine the throughput follows the CPU share each process gets; CPU time per
    // delivery does not, so it is the fairer comparison of the work each design does.
    if (costs.length > 0)
      console.log("\nCPU time per delivery, ms (own process; Postgres + RabbitMQ during the step, which other users of those servers inflate):");
    for (const k of costs) {
      console.log(
        `  c=${String(k.concurrency).padEnd(3)} ozg-hub ${fmt(k.hub, 2)} vs peer ${fmt(k.peer, 2)} (${fmt(k.peer / k.hub, 2)}×); services ${fmt(k.hubServices, 2)} vs ${fmt(k.peerServices, 2)}`,
      );
    }

    // The whole machine's busy CPU per delivery bounds what either design can reach once the cores
    // are full: cores / cost. Where both run near that bound, hub/peer cannot exceed the ratio of
    // the two bounds, whatever the latency does.
    if (costs.length > 0)
      console.log(`
whole machine's busy CPU per delivery, ms, and the rate it allows on ${os.cpus().length} cores:`);
    for (const k of costs) {
      const cores = os.cpus().length * 1000;
      console.log(
        `  c=${String(k.concurrency).padEnd(3)} ozg-hub ${fmt(k.hubMachine, 2)} (≤ ${fmt(cores / k.hubMachine)}/s) vs peer ${fmt(k.peerMachine, 2)} (≤ ${fmt(cores / k.peerMachine)}/s): bound of hub/peer ${fmt(k.peerMachine / k.hubMachine, 2)}×`,
      );
    }

    // Scale out: more `serve` processes on the same Postgres and RabbitMQ, requests spread round-robin.
    if (PROCESSES.some((k) => k > 1)) {
      await peer.stop(); // its connections count against the server's limit, which the processes need
      console.log(`\nserve processes | in flight | /s | p50 ms | p99 ms | × ${PROCESSES[0]} process(es) | load 1m`);
      const first = new Map<number, LoadResult>();
      for (const k of PROCESSES) {
        while (extra.length < k - 1) extra.push(await spawnHub(env, undefined, { ready: true }));
        const urls = [hub.url, ...extra.slice(0, k - 1).map((h) => h.url)];
        for (const c of SCALE_LEVELS) {
          const r = await restLoad({ url: urls, token, amqpUrl, queue, n: N, concurrency: c, bytes: BYTES, tag: `p${k}-c${c}` });
          if (k === PROCESSES[0]) first.set(c, r);
          const one = first.get(c); // the same section's first line at this level, minutes apart at most
          console.log(
            `${String(k).padStart(15)} | ${String(c).padStart(9)} | ${fmt(r.perSecond)} | ${fmt(r.p50Ms, 1)} | ${fmt(r.p99Ms, 1)} | ${one ? fmt(r.perSecond / one.perSecond, 2) : "-"} | ${load()}`,
          );
        }
      }
    }

    const xtaModule = path.join(REPO, "bench/xta.ts");
    if (existsSync(xtaModule)) {
      const { benchXta } = (await import(xtaModule)) as {
        benchXta(o: { n: number; concurrency: number }): Promise<{ perSecond: number; p50Ms: number; p99Ms: number }>;
      };
      const rest8 = results.find((r) => r.concurrency === 8) ?? results[results.length - 1]!;
      const x = await benchXta({ n: Math.min(N, 1000), concurrency: 8 });
      console.log(
        `\nXTA sendMessage (HTTPS, client certificates), concurrency 8: ${fmt(x.perSecond)}/s, p50 ${fmt(x.p50Ms, 1)} ms, p99 ${fmt(x.p99Ms, 1)} ms — ${fmt(x.perSecond / rest8.perSecond, 2)}× the REST path at concurrency ${rest8.concurrency}`,
      );
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
    await peer.stop().catch(() => {});
    for (const h of [hub, ...extra]) {
      h.child.kill("SIGTERM");
      await h.exited;
    }
    await removeBrokerNames(amqpUrl, prefix);
    await removeQueues(amqpUrl, peerQueues);
    await db.drop();
    await rm(configDir, { recursive: true, force: true });
  }
}

function bigForm() {
  return {
    control: { transactionId: `bench-large-${Date.now()}`, zustaendigeStelle: "9030230", leikaIds: ["99123456760000"], formId: "bauantrag", name: "Bauantrag" },
    formData: [
      {
        name: "antragsteller",
        formItems: [
          { name: "vorname", stringValue: "Erika" },
          { name: "nachname", stringValue: "Mustermann" },
        ],
      },
    ],
  };
}

await main();
