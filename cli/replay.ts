import { userInfo } from "node:os";
import { formatProblem } from "../gateway/config/load.ts";
import { replayAllParked, replayDelivery, type ReplayResult } from "../gateway/replay.ts";
import { configSpec } from "./hub.ts";
import { loadRuntime } from "../gateway/runtime.ts";
import { envSettings } from "../gateway/services.ts";
import { openStore } from "../gateway/store/db.ts";
import { badUsage, isBad, takeFlag, takeOption, unknownOption, type BadUsage } from "./usage.ts";

export const REPLAY_USAGE = `  replay <delivery-id> [--actor <name>]
  replay --all-parked [--format <mapping-id>] [--actor <name>]
                   map and route parked deliveries again with the config and mappings on disk;
                   a running ozg-hub's relay publishes what gets routed; the timeline names
                   --actor (default: the operating-system user) as who replayed`;

/** Who runs the command, for the timeline: the OS account, as the shell knows it. */
function osUser(env: NodeJS.ProcessEnv): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? env.LOGNAME ?? "unknown";
  }
}

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
export async function replayCommand(argv: string[], env: NodeJS.ProcessEnv = process.env, out = console.log, err = console.error): Promise<number | BadUsage> {
  const args = [...argv];
  const all = takeFlag(args, "--all-parked");
  const format = takeOption(args, "--format", "a mapping id");
  const actorName = takeOption(args, "--actor", "a name");
  if (isBad(format)) return format;
  if (isBad(actorName)) return actorName;
  const unknown = unknownOption(args);
  if (unknown) return unknown;
  if (all && args.length > 0) return badUsage(`--all-parked replays every parked delivery and takes no delivery id (got ${args.join(" ")})`);
  if (!all && args.length === 0) return badUsage("a delivery id or --all-parked is needed");
  if (!all && args.length > 1) return badUsage(`one delivery id at a time (got ${args.length}); --all-parked replays them all`);
  if (!all && format !== undefined) return badUsage("--format selects among all parked deliveries: use it with --all-parked");
  const ids = args;
  const actor = `${actorName ?? osUser(env)} (cli)`;

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
      ? await replayAllParked(deps, { format, actor, onResult: (r, done, total) => print(r, `[${done}/${total}] `) })
      : [await replayDelivery(deps, ids[0]!, { actor })];
    if (!all) print(results[0]!);
    if (all) out(`${results.filter((r) => r.kind === "routed").length} of ${results.length} parked deliveries routed`);
    return results.some((r) => r.kind === "parked" || r.kind === "not_found") ? 1 : 0;
  } finally {
    await store.close();
  }
}
