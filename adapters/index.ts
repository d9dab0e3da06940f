import type { Adapter, AdapterContext, AdapterFactory } from "../gateway/index.ts";
import type { AdapterKind } from "./config.ts";
import { fitconnectAdapter } from "./fitconnect/index.ts";
import { osciAdapter } from "./osci/index.ts";
import { restAdapter } from "./rest/index.ts";
import { xtaAdapter } from "./xta/index.ts";

/**
 * Every protocol ozg-hub speaks. A new protocol is a new folder, one line here and one in
 * `adapters/config.ts` (its config sections, which load without protocol code); the keys are
 * the delivery channels, the same in both lists (checked by the `satisfies` below).
 */
export const adapters = {
  rest: restAdapter,
  xta: xtaAdapter,
  osci: osciAdapter,
  fitconnect: fitconnectAdapter,
} satisfies Record<AdapterKind, AdapterFactory>;

/** Builds every registered adapter for one process, each with the channel it is registered under. */
export function buildAdapters(ctx: AdapterContext): (Adapter & { channel: AdapterKind })[] {
  return (Object.entries(adapters) as [AdapterKind, AdapterFactory][]).map(([channel, factory]) => ({ ...factory(ctx), channel }));
}
