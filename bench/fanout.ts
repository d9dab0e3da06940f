import { configSpec } from "../cli/hub.ts";
import { loadConfig } from "../gateway/config/load.ts";
import { applicationSchema } from "../gateway/index.ts";
import { Router } from "../gateway/routing/router.ts";

/**
 * The subscribers ozg-hub's own router picks for the benchmark's submission under `configDir`:
 * the fan-out that the naive peer must match for the two designs to do the same job.
 */
export async function benchFanOut(configDir: string, portalId: string, submissionJson: string): Promise<{ tenant: string; subscribers: string[] }> {
  const loaded = await loadConfig(configDir, configSpec);
  if (!loaded.ok) throw new Error(`bench config invalid: ${JSON.stringify(loaded.problems)}`);
  const app = applicationSchema.parse({ ...(JSON.parse(submissionJson) as object), sourceFormat: "canonical" });
  const route = new Router(loaded.config).route(app, portalId);
  if (!route.ok) throw new Error(`the bench submission is not routable: ${route.message}`);
  return { tenant: route.tenant.id, subscribers: route.subscribers.map((s) => s.id) };
}
