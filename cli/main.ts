import { configCheck } from "./config-check.ts";
import { MAPPINGS_USAGE, mappingsCommand } from "./mappings.ts";
import { PURGE_USAGE, purgeCommand } from "./purge.ts";
import { REPLAY_USAGE, replayCommand } from "./replay.ts";
import { migrateCommand } from "./migrate.ts";
import { serve } from "./serve.ts";
import { TOPOLOGY_USAGE, topologyCommand } from "./topology.ts";

const USAGE = `usage: ozg-hub <command>

  serve            run the gateway (migrates first)
  migrate          apply database migrations
  config check     validate config/ and mappings/; print every problem
${MAPPINGS_USAGE}
${REPLAY_USAGE}
${PURGE_USAGE}
${TOPOLOGY_USAGE}

Environment: DATABASE_URL, AMQP_URL, OZG_HUB_CONFIG (default ./config), PORT (default 8080), LOG_LEVEL.`;

/** Dispatches a command line; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "serve":
      return serve();
    case "migrate":
      return migrateCommand();
    case "config":
      if (rest[0] === "check") return configCheck(rest[1]);
      break;
    case "topology":
      return topologyCommand(rest);
    case "mappings": {
      const code = await mappingsCommand(rest, console.log, console.error, console.error);
      if (code !== undefined) return code;
      break;
    }
    case "replay": {
      const code = await replayCommand(rest);
      if (code !== undefined) return code;
      break;
    }
    case "purge": {
      const code = await purgeCommand(rest);
      if (code !== undefined) return code;
      break;
    }
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE);
      return 0;
  }
  console.error(USAGE);
  return 2;
}
