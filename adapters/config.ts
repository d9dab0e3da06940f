import type { z } from "zod";
import { composeConfigSpec } from "../gateway/config/compose.ts";
import type { AdapterConfigSpec } from "../gateway/config/fields.ts";
import { fitconnectConfig } from "./fitconnect/sections.ts";
import { osciConfig } from "./osci/config.ts";
import { restConfig } from "./rest/config.ts";
import { xtaConfig } from "./xta/config.ts";

/**
 * The config sections of every adapter, by adapter kind; the keys are the delivery channels.
 * Zod only, so reading it loads no protocol code; the adapters themselves are registered in
 * `adapters/index.ts` under the same keys (checked there).
 */
export const adapterConfigs = {
  rest: restConfig,
  xta: xtaConfig,
  osci: osciConfig,
  fitconnect: fitconnectConfig,
} satisfies Record<string, AdapterConfigSpec>;

/** The registered channels. */
export type AdapterKind = keyof typeof adapterConfigs;

/** The config spec the composition root hands to the core: its schemas extended by every section above. */
export const configSpec = composeConfigSpec(adapterConfigs, { defaultChannels: ["rest"] });

type Registered = typeof adapterConfigs;
/** The sections the registered adapters add to one kind of config file, typed, by adapter. */
type Typed<P extends "gateway" | "portal" | "tenant"> = {
  [K in keyof Registered as Registered[K] extends Record<P, z.ZodType> ? K : never]?: Registered[K] extends Record<P, infer S extends z.ZodType>
    ? z.output<S>
    : never;
};
/** The sections of the subscriber kinds the adapters serve as mailboxes, by adapter. */
type PullTyped = {
  [K in keyof Registered as Registered[K] extends { pullSubscriber: { section: z.ZodType } } ? K : never]?: Registered[K] extends {
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
