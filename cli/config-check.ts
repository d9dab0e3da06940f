import { formatProblem, type ConfigProblem } from "../gateway/config/load.ts";
import { envSettings } from "../gateway/services.ts";
import { adapterProblems, loadHubRuntime } from "./hub.ts";

/**
 * `ozg-hub config check [dir]`: every problem with file, line and path; non-zero exit on any.
 * Besides the files' schemas, every adapter's prepare step runs on the config, as at start:
 * unreadable keys, wrong passphrases and unusable certificates show here too.
 */
export async function configCheck(dir = envSettings().configDir): Promise<number> {
  const r = await loadHubRuntime(dir);
  const problems: ConfigProblem[] = r.ok ? await adapterProblems(r.runtime) : r.problems;
  if (!r.ok || problems.length > 0) {
    for (const p of problems) console.error(formatProblem(p));
    console.error(`${problems.length} problem${problems.length === 1 ? "" : "s"} in ${dir}`);
    return 1;
  }
  const { config, mappings } = r.runtime;
  const subscribers = config.tenants.reduce((n, t) => n + t.subscribers.length, 0);
  console.log(`ok: ${config.tenants.length} tenants, ${subscribers} subscribers, ${config.portals.length} portals, ${mappings.mappings.length} mappings`);
  return 0;
}
