import path from "node:path";
import { configSpec } from "./hub.ts";
import { loadConfig } from "../gateway/config/load.ts";
import { formatProblem } from "../gateway/config/load.ts";
import { MappingSet } from "../gateway/mapping/engine.ts";
import { explainFailure } from "../gateway/mapping/explain.ts";
import { readFixtureInput } from "../gateway/mapping/fixture.ts";
import { formatReport, runGolden } from "../gateway/mapping/golden.ts";
import { envSettings } from "../gateway/services.ts";
import { badUsage, isBad, takeFlag, takeOption, unknownOption, type BadUsage } from "./usage.ts";

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

/** `ozg-hub mappings test|try ...`; returns the exit code. */
export async function mappingsCommand(
  argv: string[],
  out = console.log,
  err = console.error,
  progress: (line: string) => void = () => {},
): Promise<number | BadUsage> {
  const [sub, ...rest] = argv;
  const args = [...rest];
  if (sub === "test") {
    const update = takeFlag(args, "--update");
    const only = takeOption(args, "--only", "a mapping id");
    if (isBad(only)) return only;
    const unknown = unknownOption(args);
    if (unknown) return unknown;
    if (args.length > 1) return badUsage(`one directory at a time (got ${args.join(" ")})`);
    const dir = path.resolve(args[0] ?? (await defaultDir()));
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
    const context = takeOption(args, "--context", "a file");
    const mappingsDir = takeOption(args, "--mappings", "a directory");
    if (isBad(context)) return context;
    if (isBad(mappingsDir)) return mappingsDir;
    const unknown = unknownOption(args);
    if (unknown) return unknown;
    const [id, file, ...extra] = args;
    if (!id || !file) return badUsage("mappings try needs a mapping id and a file");
    if (extra.length > 0) return badUsage(`unexpected argument "${extra[0]}"`);
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
  return badUsage(sub === undefined ? "test or try is needed" : `unknown subcommand "${sub}": test or try`);
}
