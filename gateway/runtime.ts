import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PortalDirectory } from "./auth/portals.ts";
import type { ConfigSpec } from "./config/compose.ts";
import { loadConfig, problemInGateway, type ConfigProblem, type HubConfig } from "./config/load.ts";
import { MappingSet } from "./mapping/engine.ts";
import { Router } from "./routing/router.ts";

/**
 * Everything read from config and mapping files, validated together. The running process
 * holds one and swaps it whole on reload, so a request sees either the old or the new one.
 */
export interface Runtime {
  config: HubConfig;
  mappings: MappingSet;
  router: Router;
  portals: PortalDirectory;
  /** What the registered adapters add, as the composition root handed it in. */
  spec: ConfigSpec;
}

export function mappingsDir(config: HubConfig): string {
  return path.resolve(config.dir, config.gateway.mappings);
}

/** The mappings that ship with ozg-hub (`mappings/` beside `gateway/`, also in the image). */
export const SHIPPED_MAPPINGS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../mappings");

/**
 * A mappings directory that is not there, said so that the reader can fix it: a copy of the
 * sample `config/` elsewhere keeps `mappings: ../mappings`, which then points at nothing.
 */
function missingMappings(config: HubConfig, dir: string): ConfigProblem {
  const shipped = existsSync(SHIPPED_MAPPINGS) ? `; the mappings that ship with ozg-hub are in ${SHIPPED_MAPPINGS}` : "";
  return problemInGateway(
    config,
    ["mappings"],
    `mappings: "${config.gateway.mappings}" (relative to ${config.dir}) is ${dir}, which does not exist: set mappings: in gateway.yaml to the directory that holds your mapping folders${shipped}`,
  );
}

/** Reads the config directory with the composed `spec` (see `composeConfigSpec`), then the mappings it names. */
export async function loadRuntime(dir: string, spec: ConfigSpec): Promise<{ ok: true; runtime: Runtime } | { ok: false; problems: ConfigProblem[] }> {
  const loaded = await loadConfig(dir, spec);
  if (!loaded.ok) return loaded;
  const { config } = loaded;
  if (!existsSync(mappingsDir(config))) return { ok: false, problems: [missingMappings(config, mappingsDir(config))] };
  const mappings = await MappingSet.load(mappingsDir(config), spec.channels);
  if (!mappings.ok) return mappings;

  const problems: ConfigProblem[] = [];
  const known = (id: string) => mappings.set.get(id) !== undefined;
  for (const p of config.portals) {
    if (p.mapping && !known(p.mapping)) problems.push({ file: `portals/${p.id}`, path: "mapping", message: `unknown mapping "${p.mapping}"` });
  }
  for (const t of config.tenants) {
    t.subscribers.forEach((s, i) =>
      s.filter.formats?.forEach((f, j) => {
        if (!known(f)) problems.push({ file: `tenants/${t.id}`, path: `subscribers[${i}].filter.formats[${j}]`, message: `unknown mapping "${f}"` });
      }),
    );
  }
  if (problems.length > 0) return { ok: false, problems };
  const portals = new PortalDirectory(config.portals, (p) => spec.clientCertificates(p));
  return { ok: true, runtime: { config, mappings: mappings.set, router: new Router(config), portals, spec } };
}
