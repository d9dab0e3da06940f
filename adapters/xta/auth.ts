import type { HubConfig, PortalConfig, Prepared, SubscriberConfig, TenantConfig } from "../../gateway/index.ts";
import { readAccounts, type ReadyAccount } from "./accounts.ts";
import { xtaConfig, xtaSettings, type XtaGatewayConfig } from "./config.ts";

/** Who is calling, found by the TLS client certificate. */
export type XtaAccount =
  | { kind: "portal"; portal: PortalConfig; authors: readonly string[] }
  | { kind: "mailbox"; tenant: TenantConfig; subscriber: SubscriberConfig; authors: readonly string[] };

/** The XTA settings of one config: gateway.yaml's `xta` with defaults, the accounts by certificate, the config directory. */
export interface XtaSettings {
  gateway: XtaGatewayConfig;
  /** Accounts by certificate fingerprint: portals that send, tenant systems that open their msgBox. */
  accounts: Map<string, XtaAccount>;
  /** The external XTA mailboxes to poll, their keys read. */
  clientAccounts: ReadyAccount[];
}

/**
 * The XTA prepare step: built once per loaded config, so that a request finds its account by
 * one map lookup; reads the client accounts' PKCS#12 files (an unusable one refuses the config)
 * and reports them for the certificate expiry list.
 */
export function prepareXta(config: HubConfig, env: NodeJS.ProcessEnv = process.env): Prepared<XtaSettings> {
  const accounts = new Map<string, XtaAccount>();
  for (const portal of config.portals) {
    if (!portal.xta || !portal.channels.includes("xta")) continue;
    for (const fp of portal.xta.certificateSha256) accounts.set(fp, { kind: "portal", portal, authors: portal.xta.authorIdentifiers });
  }
  for (const tenant of config.tenants) {
    for (const subscriber of tenant.subscribers) {
      if (subscriber.kind !== xtaConfig.pullSubscriber.kind || !subscriber.xta) continue;
      for (const fp of subscriber.xta.certificateSha256) accounts.set(fp, { kind: "mailbox", tenant, subscriber, authors: tenant.xtaReaders });
    }
  }
  const gateway = xtaSettings(config.gateway.xta);
  const clients = readAccounts(config, gateway.accounts, env);
  if (clients.problems.length > 0) return { ok: false, problems: clients.problems };
  return {
    ok: true,
    settings: { gateway, accounts, clientAccounts: clients.ready },
    certificates: gateway.accounts.map((a) => ({ use: `XTA client account ${a.id}`, file: a.pkcs12File, pkcs12: { passphraseEnv: a.pkcs12PassphraseEnv } })),
  };
}

export function accountFor(settings: XtaSettings, fingerprint: string | undefined): XtaAccount | undefined {
  return fingerprint ? settings.accounts.get(fingerprint) : undefined;
}
