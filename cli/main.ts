import { configCheck } from "./config-check.ts";
import { MAPPINGS_USAGE, mappingsCommand } from "./mappings.ts";
import { PURGE_USAGE, purgeCommand } from "./purge.ts";
import { REPLAY_USAGE, replayCommand } from "./replay.ts";
import { migrateCommand } from "./migrate.ts";
import { serve } from "./serve.ts";
import { TOPOLOGY_USAGE, topologyCommand } from "./topology.ts";
import { badUsage, type BadUsage } from "./usage.ts";

/** Each command's lines of the help, shown alone under what was wrong with its command line. */
const COMMAND_USAGE: Record<string, string> = {
  serve: "  serve            run the gateway (migrates first)",
  migrate: "  migrate          apply database migrations",
  config: "  config check [dir]   validate config/ (or dir) and its mappings; print every problem",
  mappings: MAPPINGS_USAGE,
  replay: REPLAY_USAGE,
  purge: PURGE_USAGE,
  topology: TOPOLOGY_USAGE,
};

const USAGE = `usage: ozg-hub <command>

${Object.values(COMMAND_USAGE).join("\n")}

Environment: DATABASE_URL, AMQP_URL, OZG_HUB_CONFIG (default ./config), PORT (default 8080), LOG_LEVEL.`;

async function run(command: string | undefined, rest: string[]): Promise<number | BadUsage> {
  switch (command) {
    case "serve":
      return serve();
    case "migrate":
      return migrateCommand();
    case "config":
      if (rest[0] !== "check") return badUsage(rest[0] === undefined ? "check is needed" : `unknown subcommand "${rest[0]}": check`);
      if (rest.length > 2) return badUsage(`one directory at a time (got ${rest.slice(1).join(" ")})`);
      return configCheck(rest[1]);
    case "topology":
      return topologyCommand(rest);
    case "mappings":
      return mappingsCommand(rest, console.log, console.error, console.error);
    case "replay":
      return replayCommand(rest);
    case "purge":
      return purgeCommand(rest);
    default:
      return badUsage(command === undefined ? "a command is needed" : `unknown command "${command}"`);
  }
}

/** Dispatches a command line; returns the exit code (2: the command line itself was wrong). */
export async function main(argv: string[], err = console.error): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "help" || command === "--help" || command === "-h") {
    console.log(USAGE);
    return 0;
  }
  const code = await run(command, rest);
  if (typeof code === "number") return code;
  const own = command !== undefined && COMMAND_USAGE[command];
  err(own ? `ozg-hub ${command}: ${code.bad}\n\n${own}\n\n(ozg-hub --help lists every command)` : `ozg-hub: ${code.bad}\n\n${USAGE}`);
  return 2;
}
