import type { Adapter, AdapterContext, AdapterFactory, Channel } from "../gateway/index.ts";
import { osciAdapter } from "./osci/index.ts";
import { restAdapter } from "./rest/index.ts";
import { xtaAdapter } from "./xta/index.ts";

/**
 * Every protocol ozg-hub speaks. A new protocol is a new folder and one line here; its key is
 * the delivery channel, so it must be one of the core's `channels`.
 */
export const adapters = {
  rest: restAdapter,
  xta: xtaAdapter,
  osci: osciAdapter,
} satisfies Partial<Record<Channel, AdapterFactory>>;

/** The registered protocols. */
export type AdapterKind = keyof typeof adapters;

/** Builds every registered adapter for one process. */
export function buildAdapters(ctx: AdapterContext): Adapter[] {
  return Object.values(adapters).map((factory: AdapterFactory) => factory(ctx));
}
