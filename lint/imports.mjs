// `npm run lint`: the import graph runs one way. Fails when any module imports itself round a
// loop, or when a module of the core (gateway/) reaches an adapter or the CLI through any chain
// of imports (ESLint's no-restricted-imports sees only the direct ones). madge reads the
// TypeScript sources with type-only imports included: a loop of types ties the layers as much.
import "./typescript-api.mjs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const { default: madge } = await import("madge");
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const folders = ["adapters", "gateway", "cli", "test", "bench", "chaos", "examples", "deploy"];
/** Layers the core must not reach. */
const above = ["adapters/", "cli/"];

const result = await madge(
  folders.map((f) => path.join(root, f)),
  {
    baseDir: root,
    fileExtensions: ["ts", "mjs"],
    tsConfig: path.join(root, "tsconfig.json"),
    detectiveOptions: { ts: { skipTypeImports: false }, es6: { skipTypeImports: false } },
  },
);
// An unresolved relative import would hide its edges; packages (node_modules) are not followed anyway.
const unresolved = (result.warnings().skipped ?? []).filter((s) => s.startsWith("."));
const cycles = result.circular();
const graph = result.obj();

/** For each core module, the first chain of imports by which it reaches a layer above it. */
function upwardChains() {
  const found = [];
  for (const start of Object.keys(graph).filter((m) => m.startsWith("gateway/"))) {
    const via = new Map([[start, undefined]]);
    const queue = [start];
    while (queue.length > 0) {
      const m = queue.shift();
      if (above.some((a) => m.startsWith(a))) {
        const chain = [m];
        for (let p = via.get(m); p !== undefined; p = via.get(p)) chain.unshift(p);
        found.push(chain);
        break;
      }
      for (const d of graph[m] ?? []) {
        if (via.has(d)) continue;
        via.set(d, m);
        queue.push(d);
      }
    }
  }
  return found;
}
const upward = upwardChains();

let failed = false;
if (unresolved.length > 0) {
  console.error(`imports: ${unresolved.length} relative import(s) not resolved: ${unresolved.join(", ")}`);
  failed = true;
}
if (cycles.length > 0) {
  console.error(`imports: ${cycles.length} import cycle(s):`);
  for (const c of cycles) console.error(`  ${[...c, c[0]].join(" -> ")}`);
  failed = true;
}
if (upward.length > 0) {
  console.error(`imports: ${upward.length} core module(s) reach ${above.join(" or ")}:`);
  for (const c of upward) console.error(`  ${c.join(" -> ")}`);
  failed = true;
}
if (failed) process.exit(1);
console.log(`imports: ${Object.keys(graph).length} modules, no import cycle, the core reaches no adapter`);
