import type { Adapter, AdapterContext, AdapterFactory } from "../gateway/index.ts";
import { fitconnectAdapter } from "./fitconnect/index.ts";
import { osciAdapter } from "./osci/index.ts";
import { restAdapter } from "./rest/index.ts";
import { xtaAdapter } from "./xta/index.ts";

/** Every protocol ozg-hub speaks. A new protocol is a new folder and one line here. */
export type AdapterKind = "rest" | "xta" | "osci" | "fitconnect";

export const adapters = {
  rest: restAdapter,
  xta: xtaAdapter,
  osci: osciAdapter,
  fitconnect: fitconnectAdapter,
} satisfies Record<AdapterKind, AdapterFactory>;

/** Builds every registered adapter for one process. */
export function buildAdapters(ctx: AdapterContext): Adapter[] {
  return Object.values(adapters).map((factory: AdapterFactory) => factory(ctx));
}
