import type { AdapterConfigSpec } from "../gateway/config/fields.ts";
import { fitconnectConfig } from "./fitconnect/sections.ts";
import { osciConfig } from "./osci/config.ts";
import { restConfig } from "./rest/config.ts";
import { xtaConfig } from "./xta/config.ts";

/**
 * The config sections of every adapter, by adapter kind: the core composes gateway.yaml,
 * portal and tenant schemas from it. Zod only, so the core reads it without loading any
 * protocol code; the adapters themselves are registered in `adapters/index.ts` under the same keys.
 * The keys are the delivery channels (`Channel` in gateway/contract.ts is derived from them).
 */
export const adapterConfigs = {
  rest: restConfig,
  xta: xtaConfig,
  osci: osciConfig,
  fitconnect: fitconnectConfig,
} satisfies Record<string, AdapterConfigSpec>;
