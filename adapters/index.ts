import type { z } from "zod";
import { composeConfigSpec } from "../gateway/config/compose.ts";
import type { AdapterConfigSpec } from "../gateway/config/fields.ts";
import type { Adapter, AdapterContext, AdapterFactory } from "../gateway/index.ts";
import { fitconnectConfig } from "./fitconnect/sections.ts";
import { fitconnectAdapter } from "./fitconnect/index.ts";
import { osciConfig } from "./osci/config.ts";
import { osciAdapter } from "./osci/index.ts";
import { restConfig } from "./rest/config.ts";
import { restAdapter } from "./rest/index.ts";
import { xtaConfig } from "./xta/config.ts";
import { xtaAdapter } from "./xta/index.ts";

/** One protocol: the config sections it adds (`config.ts`) and the factory that builds it (`index.ts`). */
interface Registration {
  config: AdapterConfigSpec;
  adapter: AdapterFactory;
}

/**
 * Every protocol ozg-hub speaks, one line each, registered with its spec and its constructor
 * together under the channel name. A new protocol is a new folder and one line here. The core
 * never imports this list: the composition root (cli/hub.ts) hands it `configSpec` and the
 * adapters `buildAdapters` makes.
 */
export const registry = {
  rest: { config: restConfig, adapter: restAdapter },
  xta: { config: xtaConfig, adapter: xtaAdapter },
  osci: { config: osciConfig, adapter: osciAdapter },
  fitconnect: { config: fitconnectConfig, adapter: fitconnectAdapter },
} satisfies Record<string, Registration>;

/** The registered protocols: the delivery channels. */
export type AdapterKind = keyof typeof registry;

const kinds = Object.keys(registry) as AdapterKind[];

/** The config spec for the core: its schemas extended by every registered adapter's sections. */
export const configSpec = composeConfigSpec(
  Object.fromEntries(kinds.map((k) => [k, registry[k].config as AdapterConfigSpec])) as Record<AdapterKind, AdapterConfigSpec>,
  { defaultChannels: ["rest"] },
);

/** Builds every registered adapter for one process, each with the channel it is registered under. */
export function buildAdapters(ctx: AdapterContext): (Adapter & { channel: AdapterKind })[] {
  return kinds.map((channel) => ({ ...registry[channel].adapter(ctx), channel }));
}

type Specs = { [K in AdapterKind]: (typeof registry)[K]["config"] };
/** The sections the registered adapters add to one kind of config file, typed, by adapter. */
type Typed<P extends "gateway" | "portal" | "tenant"> = {
  [K in keyof Specs as Specs[K] extends Record<P, z.ZodType> ? K : never]?: Specs[K] extends Record<P, infer S extends z.ZodType> ? z.output<S> : never;
};
/** The sections of the subscriber kinds the adapters serve as mailboxes, by adapter. */
type PullTyped = {
  [K in keyof Specs as Specs[K] extends { pullSubscriber: { section: z.ZodType } } ? K : never]?: Specs[K] extends {
    pullSubscriber: { section: infer S extends z.ZodType };
  }
    ? z.output<S>
    : never;
};

/* eslint-disable @typescript-eslint/no-empty-object-type -- declaration merging */
// The core's config types name no adapter; here the registry adds each adapter's section to them,
// so that adapters read their own sections typed (and the core never sees them).
declare module "../gateway/config/schema.ts" {
  interface GatewaySections extends Typed<"gateway"> {}
  interface PortalSections extends Typed<"portal"> {}
  interface TenantSections extends Typed<"tenant"> {}
  interface SubscriberSections extends PullTyped {}
}
/* eslint-enable @typescript-eslint/no-empty-object-type */
