import { configSpec } from "../adapters/index.ts";
import { buildAdapters } from "../adapters/index.ts";
import type { ConfigProblem } from "../gateway/config/load.ts";
import { checkingPort } from "../gateway/port/check.ts";
import { adapterPort } from "../gateway/port/port.ts";
import { loadRuntime, type Runtime } from "../gateway/runtime.ts";
import { createServices, type ServiceOptions, type Services } from "../gateway/services.ts";

/**
 * The composition root: the one place where the adapter registry is handed to the core. `serve`,
 * `config check` and the tests assemble a gateway here; the core receives the composed config
 * spec (schemas and channels) and the built adapters as arguments and imports neither, as a hono
 * app is handed its sub-apps by `app.route()` without them knowing it.
 */
export { configSpec };

/** The config directory read with the registered adapters' sections. */
export function loadHubRuntime(dir: string): ReturnType<typeof loadRuntime> {
  return loadRuntime(dir, configSpec);
}

/** A hub's services with every registered adapter built on them and prepared (keys, certificates read); nothing started yet. */
export async function assembleHub(o: Omit<ServiceOptions, "spec">): Promise<{ services: Services; adapters: ReturnType<typeof buildAdapters> }> {
  const services = await createServices({ ...o, spec: configSpec });
  const adapters = buildAdapters(adapterPort(services));
  await services.prepared();
  return { services, adapters };
}

/** The problems the adapters' prepare steps find in a config that passed its schemas. */
export async function adapterProblems(runtime: Runtime): Promise<ConfigProblem[]> {
  const port = checkingPort(runtime);
  buildAdapters(port.ctx);
  return port.problems();
}
