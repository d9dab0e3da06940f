import { formatProblem } from "../gateway/config/load.ts";
import { replayAllParked, replayDelivery, type ReplayResult } from "../gateway/replay.ts";
import { configSpec } from "./hub.ts";
import { loadRuntime } from "../gateway/runtime.ts";
import { envSettings } from "../gateway/services.ts";
import { openStore } from "../gateway/store/db.ts";

export const REPLAY_USAGE = `  replay <delivery-id>
  replay --all-parked [--format <mapping-id>]
                   map and route parked deliveries again with the config and mappings on disk;
                   a running ozg-hub's relay publishes what gets routed`;

function describe(r: ReplayResult): string {
  switch (r.kind) {
    case "routed":
      return `${r.deliveryId} routed to ${r.tenantId} (${r.format}), ${r.outboxRows} message(s) queued`;
    case "parked":
      return `${r.deliveryId} still parked at ${r.stage}: ${r.message}`;
    case "not_parked":
      return `${r.deliveryId} is ${r.state}, not parked: nothing to do`;
    case "not_found":
      return `${r.deliveryId}: no such delivery`;
    default: {
      const never: never = r;
      return never;
    }
  }
}

/** `ozg-hub replay ...`; exit 0 when nothing is left parked by this run (or nothing was to do). */
export async function replayCommand(argv: string[], env: NodeJS.ProcessEnv = process.env, out = console.log, err = console.error): Promise<number | undefined> {
  const args = [...argv];
  const all = args.includes("--all-parked");
  if (all) args.splice(args.indexOf("--all-parked"), 1);
  const fi = args.indexOf("--format");
  const format = fi >= 0 ? args.splice(fi, 2)[1] : undefined;
  if ((fi >= 0 && !format) || args.some((a) => a.startsWith("--"))) return undefined;
  const ids = args;
  if (all ? ids.length > 0 : ids.length !== 1 || format !== undefined) return undefined;

  const settings = envSettings(env);
  const loaded = await loadRuntime(settings.configDir, configSpec);
  if (!loaded.ok) {
    err(loaded.problems.map(formatProblem).join("\n"));
    return 1;
  }
  const store = openStore(settings.databaseUrl, { max: 2 });
  try {
    const deps = { store, runtime: () => loaded.runtime, clock: () => new Date() };
    // Each result is printed as it happens, numbered, so a long run shows where it is.
    const print = (r: ReplayResult, prefix = "") => (r.kind === "parked" || r.kind === "not_found" ? err : out)(prefix + describe(r));
    const results = all
      ? await replayAllParked(deps, { format, onResult: (r, done, total) => print(r, `[${done}/${total}] `) })
      : [await replayDelivery(deps, ids[0]!)];
    if (!all) print(results[0]!);
    if (all) out(`${results.filter((r) => r.kind === "routed").length} of ${results.length} parked deliveries routed`);
    return results.some((r) => r.kind === "parked" || r.kind === "not_found") ? 1 : 0;
  } finally {
    await store.close();
  }
}
