import { Writable } from "node:stream";
import type { AdapterContext, Prepared } from "../contract.ts";
import type { ConfigProblem } from "../config/load.ts";
import { createLogger } from "../logger.ts";
import { createMetrics } from "../metrics.ts";
import type { Runtime } from "../runtime.ts";
import { lookupsOf } from "./port.ts";

/**
 * A port for building adapters only to run their prepare steps on one config (`config check`):
 * every step's problems are collected, nothing is served, stored or started. Anything but
 * prepare, lookups, log and metrics fails when used.
 */
export function checkingPort(runtime: Runtime): { ctx: AdapterContext; problems(): Promise<ConfigProblem[]> } {
  const results: Promise<Prepared<unknown>>[] = [];
  const ctx: AdapterContext = {
    gateway: unavailable("gateway") as AdapterContext["gateway"],
    lookups: lookupsOf(() => runtime),
    tables: unavailable("tables") as AdapterContext["tables"],
    transaction: unavailable("transaction") as AdapterContext["transaction"],
    lease: unavailable("lease") as AdapterContext["lease"],
    log: createLogger({ level: "silent", destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
    metrics: createMetrics(),
    clock: () => new Date(),
    onReload: () => {},
    prepare(step) {
      const first = Promise.resolve(step(runtime.config));
      results.push(first);
      return () => undefined as never;
    },
  };
  return {
    ctx,
    problems: async () => (await Promise.all(results)).flatMap((r) => (r.ok ? [] : r.problems)),
  };
}

/** Stands for what a checking port does not offer: may be passed around and wrapped, fails when called. */
function unavailable(what: string): unknown {
  return new Proxy(() => {}, {
    apply: () => {
      throw new Error(`${what} is not available while checking a config`);
    },
    get: (_t, key) => (key === "then" || typeof key === "symbol" ? undefined : unavailable(`${what}.${String(key)}`)),
  });
}
