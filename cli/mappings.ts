import path from "node:path";
import { configSpec } from "./hub.ts";
import { loadConfig } from "../gateway/config/load.ts";
import { formatProblem } from "../gateway/config/load.ts";
import { MappingSet } from "../gateway/mapping/engine.ts";
import { explainFailure } from "../gateway/mapping/explain.ts";
import { readFixtureInput } from "../gateway/mapping/fixture.ts";
import { formatReport, runGolden } from "../gateway/mapping/golden.ts";
import { envSettings } from "../gateway/services.ts";

export const MAPPINGS_USAGE = `  mappings test [dir] [--update] [--only <id>]
                   run every fixture case under dir (default: the configured mappings)
                   against its expected file; --update rewrites the expected files
  mappings try <mapping-id> <file> [--context <file>] [--mappings <dir>]
                   map one JSON/XML file and print the canonical application or the error`;

/** The mappings directory of the deployment config, else ./mappings. */
async function defaultDir(): Promise<string> {
  const loaded = await loadConfig(envSettings().configDir, configSpec);
  return loaded.ok ? path.resolve(loaded.config.dir, loaded.config.gateway.mappings) : path.resolve("mappings");
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
}

/** `ozg-hub mappings test|try ...`; returns the exit code. */
export async function mappingsCommand(
  argv: string[],
  out = console.log,
  err = console.error,
  progress: (line: string) => void = () => {},
): Promise<number | undefined> {
  const [sub, ...rest] = argv;
  const args = [...rest];
  if (sub === "test") {
    const update = args.includes("--update");
    const only = option(args, "--only");
    const positional = args.filter((a) => !a.startsWith("--"));
    const dir = path.resolve(positional[0] ?? (await defaultDir()));
    // One progress line per case on stderr while the run lasts; the report follows at the end.
    let n = 0;
    const report = await runGolden(dir, {
      update,
      only,
      channels: configSpec.channels,
      onCase: (c) => progress(`[${++n}] ${c.ok ? "ok  " : "FAIL"} ${c.format}/${c.name}`),
    });
    (report.ok ? out : err)(formatReport(report));
    return report.ok ? 0 : 1;
  }
  if (sub === "try") {
    const context = option(args, "--context");
    const mappingsDir = option(args, "--mappings");
    const [id, file] = args;
    if (!id || !file) return undefined;
    const loaded = await MappingSet.load(path.resolve(mappingsDir ?? (await defaultDir())), configSpec.channels);
    if (!loaded.ok) {
      err(loaded.problems.map(formatProblem).join("\n"));
      return 1;
    }
    const mapping = loaded.set.get(id);
    if (!mapping) {
      err(`no mapping with id "${id}" (known: ${loaded.set.mappings.map((m) => m.id).join(", ")})`);
      return 1;
    }
    const read = await readFixtureInput(path.resolve(file), context ? path.resolve(context) : undefined);
    if (!read.ok) {
      err(read.message);
      return 1;
    }
    const outcome = await loaded.set.map({ ...read.input, format: id });
    if (outcome.ok) {
      out(JSON.stringify(outcome.applications.length === 1 ? outcome.applications[0] : outcome.applications, null, 2));
      return 0;
    }
    err(await explainFailure(mapping, read.input, outcome));
    return 1;
  }
  return undefined;
}
