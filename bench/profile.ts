/**
 * `npm run bench:profile`: one load step against a `serve` process started with `--cpu-prof`,
 * then where its CPU went (self time by function and by source file) and what the database did
 * per delivery (transactions, rows written, from pg_stat_database). A narrower tool than
 * `npm run bench` for comparing one change before and after. BENCH_N (default 2000) and
 * BENCH_CONCURRENCY (default 32) set the step; BENCH_TOP the length of the lists;
 * BENCH_GATEWAY (JSON) overrides gateway settings for the run, e.g.
 * `BENCH_GATEWAY='{"groupCommit":{"windowMs":1,"maxBatch":32,"maxGroups":8}}'`.
 */
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { TOKENS, REPO, writeTestConfig } from "../test/support/config.ts";
import { createTestDatabase } from "../test/support/database.ts";
import { spawnHub } from "../test/support/process.ts";
import { stopBenchHub } from "./cleanup.ts";
import { cpuSplit, processStat } from "./cpu.ts";
import { restLoad } from "./rest.ts";

const databaseUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const amqpUrl = process.env.AMQP_URL || "amqp://guest:guest@127.0.0.1:5672";
const N = Number(process.env.BENCH_N ?? 2000);
const C = Number(process.env.BENCH_CONCURRENCY ?? 32);
const TOP = Number(process.env.BENCH_TOP ?? 25);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

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
  const hub = await spawnHub(env, undefined, { ready: true, nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profDir}`] });
  const queue = `${prefix}.kiel.dms`;
  const token = TOKENS.formsolutions;
  try {
    await restLoad({ url: hub.url, token, amqpUrl, queue, n: 300, concurrency: 8, bytes: 5 * 1024, tag: "warmup" });
    // pg_stat_database lags by up to the stats flush interval: let the warm-up settle first.
    await new Promise((r) => setTimeout(r, 1500));
    const before = await dbCounters(db.url);
    const ticksBefore = processStat(hub.child.pid!);
    const { result: r, split } = await cpuSplit(hub.child.pid!, () =>
      restLoad({ url: hub.url, token, amqpUrl, queue, n: N, concurrency: C, bytes: 5 * 1024, tag: "step" }),
    );
    const ticksAfter = processStat(hub.child.pid!);
    await new Promise((r) => setTimeout(r, 1500));
    const after = await dbCounters(db.url);
    const ms = split ? ((split.cores["ozg-hub"] ?? 0) / r.perSecond) * 1000 : NaN;
    console.log(
      `c=${C} n=${N}: ${r.perSecond.toFixed(0)}/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms (to the 202: p50 ${r.acceptedP50Ms.toFixed(1)} ms, p99 ${r.acceptedP99Ms.toFixed(1)} ms); ozg-hub ${ms.toFixed(2)} ms CPU per delivery`,
    );
    console.log(
      `ozg-hub CPU per delivery: user ${(((ticksAfter.user - ticksBefore.user) * 10) / N).toFixed(2)} ms, system ${(((ticksAfter.system - ticksBefore.system) * 10) / N).toFixed(2)} ms`,
    );
    if (split)
      console.log(
        `cores: ${Object.entries(split.cores)
          .map(([k, v]) => `${k} ${v.toFixed(2)}`)
          .join(", ")}; machine ${(split.machineBusy * 100).toFixed(0)} % busy`,
      );
    console.log(
      `per delivery: ${(Object.keys(after) as (keyof DbCounters)[]).map((k) => `${k} ${((after[k] - before[k]) / N).toFixed(2)}`).join(", ")} (incl. the load client's and stats' own)`,
    );
  } finally {
    await stopBenchHub(hub, { amqpUrl, prefix, db, configDir });
  }
  // One profile per thread (main, relay, the TypeScript loader's), named CPU.<date>.<time>.<pid>.<thread>.<n>.
  const files = (await readdir(profDir)).filter((f) => f.endsWith(".cpuprofile"));
  if (files.length === 0) throw new Error("no profile written");
  for (const file of files.sort()) {
    console.log(`\n=== thread ${file.split(".")[4]}: ${path.join(profDir, file)} (open in Chrome DevTools)`);
    report(JSON.parse(await readFile(path.join(profDir, file), "utf8")) as Profile);
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
    const file = f.url.replace(`file://${REPO}/`, "").replace(/^.*node_modules\//, "~/") || "(native)";
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
