/**
 * The mapping step alone, per format: parse the document, select and apply the mapping, validate
 * the canonical result — with expressions compiled once, on one core, no I/O. Each format runs
 * its most complete golden fixture; the rate is per second of CPU time of this process. Runnable alone: `node --import tsx bench/mapping.ts`.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { MappingSet, parseDocument } from "../gateway/mapping/engine.ts";
import { readFixtureInput } from "../gateway/mapping/fixture.ts";
import { limitsSchema } from "../gateway/config/schema.ts";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const CASES: { format: string; fixture: string; pin?: boolean }[] = [
  { format: "xgewerbeanzeige", fixture: "anmeldung-kiel-umlauts.input.xml" },
  { format: "xdomea", fixture: "gewerbeanmeldung-kiel-2-4.input.xml" },
  { format: "xfall", fixture: "gewerbeanmeldung-augsburg.input.xml" },
  { format: "fitconnect", fixture: "gewerbeanmeldung-kiel.input.json" },
  { format: "ozg-cloud", fixture: "gewerbeanmeldung-kiel.input.json", pin: true },
  { format: "canonical", fixture: "gewerbe-kiel.input.json", pin: true },
  { format: "generic", fixture: "portal-xml-augsburg-umlauts.input.xml", pin: true },
];

export async function benchMappings(opts: { seconds?: number } = {}): Promise<{ format: string; perSecond: number }[]> {
  const seconds = opts.seconds ?? Number(process.env.BENCH_MAPPING_SECONDS ?? 1.5);
  const loaded = await MappingSet.load(path.join(REPO, "mappings"));
  if (!loaded.ok) throw new Error(`mappings do not load: ${JSON.stringify(loaded.problems)}`);
  const set = loaded.set;
  const results: { format: string; perSecond: number }[] = [];
  // BENCH_MAPPING_ONLY=xdomea,xfall runs only those formats (for profiling one of them).
  const only = process.env.BENCH_MAPPING_ONLY?.split(",");
  for (const c of CASES.filter((x) => !only || only.includes(x.format))) {
    const file = path.join(REPO, "mappings", c.format, "fixtures", c.fixture);
    const bytes = await readFile(file);
    const read = await readFixtureInput(file);
    if (!read.ok) throw new Error(read.message);
    const base = { ...read.input, format: c.pin ? c.format : read.input.format };
    const once = async () => {
      const parsed = parseDocument(bytes, base.contentType, limitsSchema.parse({}));
      if (!parsed.ok) throw new Error(parsed.detail);
      const outcome = await set.map({ ...base, document: parsed.document, xml: parsed.xml });
      if (!outcome.ok || outcome.format !== c.format) throw new Error(`${c.format}: ${outcome.ok ? outcome.format : outcome.message}`);
    };
    for (let i = 0; i < 300; i++) await once(); // warm-up: JIT, caches
    // Rate per second of this process's CPU time, so that other work on a shared machine does
    // not count against the mapping; the loop runs for `seconds` of wall time.
    // BENCH_MAPPING_COUNT=n runs exactly n applications instead, for instruction counts
    // (valgrind --tool=callgrind) that compare two versions independently of the machine's load.
    const count = Number(process.env.BENCH_MAPPING_COUNT ?? 0);
    let n = 0;
    const cpu0 = process.cpuUsage();
    const until = Date.now() + seconds * 1000;
    while (count > 0 ? n < count : Date.now() < until) {
      for (let i = 0; i < 50; i++) await once();
      n += 50;
    }
    const cpu = process.cpuUsage(cpu0);
    results.push({ format: c.format, perSecond: n / ((cpu.user + cpu.system) / 1e6) });
  }
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await benchMappings();
  console.log("mapping step alone (parse + map + validate), one core");
  console.log("format          | applications/s");
  console.log("--------------- | --------------");
  for (const r of results) console.log(`${r.format.padEnd(15)} | ${Math.round(r.perSecond).toLocaleString("en-US").padStart(14)}`);
}
