/**
 * Reading XML alone (parseXml on the bytes), per fixture: the part of the mapping step that XML
 * formats add. `BENCH_XML_COUNT=n` reads exactly `n` times after the warm-up, for instruction
 * counts (valgrind --tool=callgrind, a run with 2,000 minus one with 0); otherwise it prints
 * microseconds of CPU time per reading. Runnable alone: `node --import tsx bench/xml-read.ts`.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseXml } from "../gateway/mapping/xml.ts";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const FIXTURES = (process.env.BENCH_XML_FIXTURES ?? "xgewerbeanzeige/fixtures/anmeldung-kiel-umlauts.input.xml").split(",");

for (const fixture of FIXTURES) {
  const bytes = readFileSync(path.join(REPO, "mappings", fixture));
  for (let i = 0; i < 2000; i++) parseXml(bytes, 64); // warm-up: JIT, known names
  const count = Number(process.env.BENCH_XML_COUNT ?? 20_000);
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < count; i++) if (!parseXml(bytes, 64).ok) throw new Error(`${fixture} does not read`);
  const cpu = process.cpuUsage(cpu0);
  if (count > 0) console.log(`${fixture}: ${((cpu.user + cpu.system) / count).toFixed(1)} µs per reading`);
}
