import { formatProblem } from "../gateway/config/load.ts";
import { loadRuntime } from "../gateway/runtime.ts";
import { envSettings } from "../gateway/services.ts";

/** `ozg-hub config check [dir]`: every problem with file, line and path; non-zero exit on any. */
export async function configCheck(dir = envSettings().configDir): Promise<number> {
  const r = await loadRuntime(dir);
  if (!r.ok) {
    for (const p of r.problems) console.error(formatProblem(p));
    console.error(`${r.problems.length} problem${r.problems.length === 1 ? "" : "s"} in ${dir}`);
    return 1;
  }
  const { config, mappings } = r.runtime;
  const subscribers = config.tenants.reduce((n, t) => n + t.subscribers.length, 0);
  console.log(`ok: ${config.tenants.length} tenants, ${subscribers} subscribers, ${config.portals.length} portals, ${mappings.mappings.length} mappings`);
  return 0;
}
