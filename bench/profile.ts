/**
 * `npm run bench:profile`: one load step against a `serve` process started with `--cpu-prof`,
 * then where its CPU went and what the database did per delivery:
 * - the per-stage cost table: µs of ozg-hub's process per delivery by stage of the pipeline
 *   (bench/stages.ts attributes the profile's samples of the step to stages by source file and
 *   function; the process's CPU time from /proc is shared out in those proportions), and rows
 *   inserted, updated and deleted per delivery per table (pg_stat_user_tables, exact on the
 *   bench's own database; pg_stat_statements would need shared_preload_libraries);
 * - unless `--stages` is given, also self time by function and by source file, per thread, and
 *   the frames behind each stage.
 * BENCH_N (default 2000) and BENCH_CONCURRENCY (default 32) set the step; BENCH_TOP the length of
 * the lists; BENCH_GATEWAY (JSON) overrides gateway settings for the run, e.g.
 * `BENCH_GATEWAY='{"groupCommit":{"windowMs":1,"maxBatch":32,"maxGroups":8}}'`.
 */
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { TOKENS, REPO, writeTestConfig } from "../test/support/config.ts";
import { createTestDatabase } from "../test/support/database.ts";
import { spawnHub } from "../test/support/process.ts";
import { stopBenchHub } from "./cleanup.ts";
import { cpuSplit, processStat } from "./cpu.ts";
import { benchFanOut } from "./fanout.ts";
import { restLoad, submission } from "./rest.ts";
import { attribute, sourceOf, STAGES, type Attribution, type Profile } from "./stages.ts";
import { relayDone, rowsPerDelivery, settledTableRows } from "./table-rows.ts";

const databaseUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const amqpUrl = process.env.AMQP_URL || "amqp://guest:guest@127.0.0.1:5672";
const N = Number(process.env.BENCH_N ?? 2000);
const C = Number(process.env.BENCH_CONCURRENCY ?? 32);
const TOP = Number(process.env.BENCH_TOP ?? 25);
const STAGES_ONLY = process.argv.includes("--stages");
const BYTES = 5 * 1024;

type DbCounters = Record<"xact_commit" | "tup_inserted" | "tup_updated" | "tup_deleted" | "tup_fetched", number>;

async function dbCounters(url: string): Promise<DbCounters> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_stat_clear_snapshot()`;
    const [r] = await sql<Record<string, string>[]>`
      select xact_commit, tup_inserted, tup_updated, tup_deleted, tup_fetched from pg_stat_database where datname = current_database()`;
    return Object.fromEntries(Object.entries(r!).map(([k, v]) => [k, Number(v)])) as DbCounters;
  } finally {
    await sql.end();
  }
}

/** µs of the monotonic clock shared by process.hrtime and the V8 profiler. */
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

async function main() {
  const prefix = `prof${randomBytes(3).toString("hex")}`;
  const profDir = await mkdtemp(path.join(tmpdir(), "ozg-hub-prof-"));
  const db = await createTestDatabase(databaseUrl);
  const overrides = JSON.parse(process.env.BENCH_GATEWAY ?? "{}") as Record<string, unknown>;
  const configDir = await writeTestConfig(prefix, { gateway: { relay: {}, groupCommit: {}, ...overrides } });
  const env = {
    DATABASE_URL: db.url,
    AMQP_URL: amqpUrl,
    OZG_HUB_CONFIG: configDir,
  };
  const fanOut = await benchFanOut(configDir, "formsolutions", submission("fan-out", BYTES));
  const hub = await spawnHub(env, undefined, { ready: true, nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profDir}`] });
  const queue = `${prefix}.${fanOut.tenant}.${fanOut.subscribers.includes("dms") ? "dms" : fanOut.subscribers[0]}`;
  const token = TOKENS.formsolutions;
  let stepWindow: [number, number];
  let cpuUsEach: { user: number; system: number };
  let rows: ReturnType<typeof rowsPerDelivery>;
  try {
    console.log(
      `ozg-hub profile — ${new Date().toISOString()} — node ${process.version}, ${os.cpus().length} cores, load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
    console.log(
      `~${BYTES / 1024} KB canonical JSON via POST /api/v1/applications; fan-out ${fanOut.subscribers.length} (${fanOut.tenant}: ${fanOut.subscribers.join(", ")})`,
    );
    await restLoad({ url: hub.url, token, amqpUrl, queue, n: 300, concurrency: 8, bytes: BYTES, tag: "warmup" });
    const tablesBefore = await settledTableRows(db.url);
    const before = await dbCounters(db.url);
    const ticksBefore = processStat(hub.child.pid!);
    const from = nowUs();
    const { result: r, split } = await cpuSplit(hub.child.pid!, () =>
      restLoad({ url: hub.url, token, amqpUrl, queue, n: N, concurrency: C, bytes: BYTES, tag: "step" }),
    );
    // Until the relay has marked and settled the step's last rows: the window includes that.
    await relayDone(db.url);
    const ticksAfter = processStat(hub.child.pid!);
    stepWindow = [from, nowUs()];
    const tablesAfter = await settledTableRows(db.url);
    const after = await dbCounters(db.url);
    rows = rowsPerDelivery(tablesBefore, tablesAfter, N);
    cpuUsEach = { user: ((ticksAfter.user - ticksBefore.user) * 10_000) / N, system: ((ticksAfter.system - ticksBefore.system) * 10_000) / N };
    const ms = split ? ((split.cores["ozg-hub"] ?? 0) / r.perSecond) * 1000 : NaN;
    console.log(
      `c=${C} n=${N}: ${r.perSecond.toFixed(0)}/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms (to the 202: p50 ${r.acceptedP50Ms.toFixed(1)} ms, p99 ${r.acceptedP99Ms.toFixed(1)} ms); ozg-hub ${ms.toFixed(2)} ms CPU per delivery during the step`,
    );
    if (split)
      console.log(
        `cores: ${Object.entries(split.cores)
          .map(([k, v]) => `${k} ${v.toFixed(2)}`)
          .join(", ")}; machine ${(split.machineBusy * 100).toFixed(0)} % busy`,
      );
    console.log(
      `per delivery: ${(Object.keys(after) as (keyof DbCounters)[]).map((k) => `${k} ${((after[k] - before[k]) / N).toFixed(2)}`).join(", ")} (incl. the stats' own reads)`,
    );
  } finally {
    await stopBenchHub(hub, { amqpUrl, prefix, db, configDir });
  }
  // One profile per thread (main, relay, the TypeScript loader's), named CPU.<date>.<time>.<pid>.<thread>.<n>.
  const files = (await readdir(profDir)).filter((f) => f.endsWith(".cpuprofile")).sort();
  if (files.length === 0) throw new Error("no profile written");
  const stages: Attribution = { us: new Map(), frames: new Map() };
  const perThread = new Map<string, Map<string, number>>();
  for (const file of files) {
    const p = JSON.parse(await readFile(path.join(profDir, file), "utf8")) as Profile;
    const thread = file.split(".")[4] === "0" ? "main" : p.nodes.some((n) => n.callFrame.url.includes("gateway/publish/relay-worker")) ? "relay" : undefined;
    if (thread) {
      const own: Attribution = { us: new Map(), frames: new Map() };
      attribute(p, REPO, thread, stepWindow[0], stepWindow[1], own);
      perThread.set(thread, own.us as Map<string, number>);
      for (const [k, v] of own.us) stages.us.set(k, (stages.us.get(k) ?? 0) + v);
      for (const [k, m] of own.frames)
        for (const [f, v] of m) stages.frames.set(k, (stages.frames.get(k) ?? new Map<string, number>()).set(f, (stages.frames.get(k)?.get(f) ?? 0) + v));
    }
    if (!STAGES_ONLY) {
      console.log(`\n=== thread ${file.split(".")[4]}${thread ? ` (${thread})` : ""}: ${path.join(profDir, file)} (open in Chrome DevTools)`);
      report(p);
    }
  }
  printStages(stages, perThread, cpuUsEach);
  console.log(`\nrows per delivery in Postgres (pg_stat_user_tables, n=${N}, after the relay marked them):`);
  console.log("  table                    inserted  updated  deleted");
  for (const t of rows) console.log(`  ${t.table.padEnd(24)} ${t.ins.toFixed(2).padStart(8)} ${t.upd.toFixed(2).padStart(8)} ${t.del.toFixed(2).padStart(8)}`);
  const sum = (k: "ins" | "upd" | "del") => rows.reduce((a, t) => a + t[k], 0).toFixed(2);
  console.log(`  ${"all".padEnd(24)} ${sum("ins").padStart(8)} ${sum("upd").padStart(8)} ${sum("del").padStart(8)}`);
}

/** The stage table: the process's CPU per delivery (/proc) shared out by the profile's busy samples. */
function printStages(a: Attribution, perThread: Map<string, Map<string, number>>, cpu: { user: number; system: number }) {
  const busy = [...a.us.values()].reduce((x, y) => x + y, 0);
  const total = cpu.user + cpu.system;
  console.log(
    `\nwhere one delivery's cost goes in ozg-hub's process: ${total.toFixed(0)} µs CPU per delivery (user ${cpu.user.toFixed(0)}, system ${cpu.system.toFixed(0)}), shared out by ${(busy / 1e6).toFixed(2)} s of busy profile samples`,
  );
  console.log("  stage                                  main µs  relay µs  total µs  share");
  for (const stage of STAGES) {
    const us = (t?: Map<string, number>) => ((t?.get(stage) ?? 0) / busy) * total;
    const all = us(perThread.get("main")) + us(perThread.get("relay"));
    console.log(
      `  ${stage.padEnd(38)} ${us(perThread.get("main")).toFixed(0).padStart(7)} ${us(perThread.get("relay")).toFixed(0).padStart(9)} ${all.toFixed(0).padStart(9)} ${((all / total) * 100).toFixed(1).padStart(5)} %`,
    );
  }
  if (STAGES_ONLY) return;
  console.log("\nframes behind each stage (top 5, share of the stage):");
  for (const stage of STAGES) {
    const m = a.frames.get(stage);
    if (!m) continue;
    const sum = [...m.values()].reduce((x, y) => x + y, 0);
    const top = [...m].sort((x, y) => y[1] - x[1]).slice(0, 5);
    console.log(`  ${stage}: ${top.map(([f, t]) => `${f} ${((t / sum) * 100).toFixed(0)} %`).join("; ")}`);
  }
}

/** Self time per function and per file, as shares of all samples. */
function report(p: Profile) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const files = new Map<string, number>();
  for (const [id, t] of self) {
    const f = byId.get(id)!.callFrame;
    const file = sourceOf(f.url, REPO) || "(native)";
    const key = `${f.functionName || "(anonymous)"} ${file}:${f.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + t);
    const pkg = file.startsWith("~/")
      ? file
          .split("/")
          .slice(0, file.startsWith("~/@") ? 3 : 2)
          .join("/")
      : file;
    files.set(pkg, (files.get(pkg) ?? 0) + t);
  }
  const top = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP)
      .map(([k, t]) => `  ${((t / total) * 100).toFixed(1).padStart(5)} %  ${k}`)
      .join("\n");
  console.log(`\nself time by function (${(total / 1e6).toFixed(1)} s sampled):\n${top(fn)}`);
  console.log(`\nself time by file or package:\n${top(files)}`);
}

await main();
