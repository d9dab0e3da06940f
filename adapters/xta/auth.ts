import type { PortalConfig, Runtime, SubscriberConfig, TenantConfig } from "../../gateway/index.ts";

/** Who is calling, found by the TLS client certificate. */
export type XtaAccount =
  | { kind: "portal"; portal: PortalConfig; authors: readonly string[] }
  | { kind: "mailbox"; tenant: TenantConfig; subscriber: SubscriberConfig; authors: readonly string[] };

const directories = new WeakMap<Runtime, Map<string, XtaAccount>>();

/** Accounts by certificate fingerprint, built once per loaded config. */
function directory(runtime: Runtime): Map<string, XtaAccount> {
  let d = directories.get(runtime);
  if (d) return d;
  d = new Map();
  for (const portal of runtime.config.portals) {
    if (!portal.xta || !portal.channels.includes("xta")) continue;
    for (const fp of portal.xta.certificateSha256) d.set(fp, { kind: "portal", portal, authors: portal.xta.authorIdentifiers });
  }
  for (const tenant of runtime.config.tenants) {
    for (const subscriber of tenant.subscribers) {
      if (subscriber.kind !== "xta-mailbox" || !subscriber.xta) continue;
      for (const fp of subscriber.xta.certificateSha256) d.set(fp, { kind: "mailbox", tenant, subscriber, authors: tenant.xtaReaders });
    }
  }
  directories.set(runtime, d);
  return d;
}

export function accountFor(runtime: Runtime, fingerprint: string | undefined): XtaAccount | undefined {
  return fingerprint ? directory(runtime).get(fingerprint) : undefined;
}
