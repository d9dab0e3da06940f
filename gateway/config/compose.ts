import type { z } from "zod";
import type { TransportRecipient } from "../recipient.ts";
import type { AdapterConfigSpec } from "./fields.ts";
import { configSchemas, type GatewayConfig, type PortalConfig, type TenantConfig } from "./schema.ts";

/**
 * Everything the core needs to know of the registered adapters, as data: what the composition
 * root hands to `loadRuntime` and `createServices`. The core never imports an adapter; it gets
 * this, built by `composeConfigSpec` from the adapter registry (`adapters/index.ts`).
 */
export interface ConfigSpec {
  /** The delivery channels: the names the adapters are registered under. */
  channels: readonly string[];
  gateway: z.ZodType<GatewayConfig>;
  tenant: z.ZodType<TenantConfig>;
  portal: z.ZodType<PortalConfig>;
  /** See `AdapterConfigSpec.storedRecipient`: the first adapter that reads one wins. */
  storedRecipient(metadata: Record<string, unknown>): TransportRecipient | undefined;
  /** The client certificates a portal pins, with where in its file (`AdapterConfigSpec.clientCertificates`). */
  clientCertificates(portal: PortalConfig): { channel: string; at: string; sha256: string }[];
}

/**
 * Composes the config spec from the adapters' config specs, keyed by channel (each adapter's
 * sections appear under its key in the files), like a plugin host that takes each plugin's
 * spec when it is registered. `defaultChannels`: those a portal may use when its file names none.
 *
 * @example
 * const spec = composeConfigSpec({ rest: restConfig, xta: xtaConfig }, { defaultChannels: ["rest"] });
 * const loaded = await loadRuntime(configDir, spec);
 */
export function composeConfigSpec<K extends string>(specs: Readonly<Record<K, AdapterConfigSpec>>, o: { defaultChannels: readonly NoInfer<K>[] }): ConfigSpec {
  const entries = Object.entries(specs) as [K, AdapterConfigSpec][];
  const sectionsOf = (pick: (s: AdapterConfigSpec) => z.ZodType | undefined) =>
    Object.fromEntries(entries.flatMap(([kind, spec]) => (pick(spec) ? [[kind, pick(spec)!.optional()]] : [])));
  const schemas = configSchemas({
    channels: entries.map(([kind]) => kind),
    defaultChannels: o.defaultChannels,
    pullKinds: entries.flatMap(([, s]) => (s.pullSubscriber ? [{ kind: s.pullSubscriber.kind, describe: s.pullSubscriber.describe }] : [])),
    sections: {
      gateway: sectionsOf((s) => s.gateway),
      portal: sectionsOf((s) => s.portal),
      tenant: sectionsOf((s) => s.tenant),
      subscriber: sectionsOf((s) => s.pullSubscriber?.section),
    },
  });
  return {
    channels: entries.map(([kind]) => kind),
    ...schemas,
    storedRecipient(metadata) {
      for (const [, spec] of entries) {
        const found = spec.storedRecipient?.(metadata);
        if (found) return found;
      }
      return undefined;
    },
    clientCertificates(portal) {
      return entries.flatMap(([kind, spec]) => {
        const section = (portal as unknown as Record<string, unknown>)[kind];
        if (!spec.clientCertificates || section === undefined) return [];
        const field = spec.clientCertificates.field;
        return spec.clientCertificates.of(section).map((sha256, i) => ({ channel: kind, at: `${kind}.${field}[${i}]`, sha256 }));
      });
    },
  };
}
