import type { IncomingMessage } from "node:http";
import { BlockList, isIPv6 } from "node:net";
import type { TLSSocket } from "node:tls";
import type { Context } from "hono";
import type { PortalConfig, Runtime, SubscriberConfig, TenantConfig, XtaGatewayConfig } from "../../gateway/index.ts";

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

/**
 * The sha256 fingerprint (lower-case hex) of the client certificate. A request that arrived
 * over TLS is identified by its certificate only; the header of a TLS-terminating proxy is
 * read only for plain connections, only when `xta.trustedProxy` names it and only from its
 * addresses (`from`), so that neither a TLS client nor a caller beside the proxy can forge it.
 */
export function clientFingerprint(c: Context, trustedProxy: XtaGatewayConfig["trustedProxy"]): string | undefined {
  const socket = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket as TLSSocket | undefined;
  if (socket && typeof socket.getPeerCertificate === "function") {
    const cert = socket.getPeerCertificate();
    if (!cert || !cert.fingerprint256) return undefined;
    const now = Date.now();
    if (Date.parse(cert.valid_from) > now || Date.parse(cert.valid_to) < now) return undefined;
    return cert.fingerprint256.replace(/:/g, "").toLowerCase();
  }
  if (!trustedProxy) return undefined;
  if (trustedProxy.from && !proxyAllowed(trustedProxy.from, socket?.remoteAddress)) return undefined;
  const v = c.req.header(trustedProxy.header);
  return v ? v.replace(/:/g, "").trim().toLowerCase() : undefined;
}

const allowLists = new WeakMap<string[], BlockList>();

/** Whether the peer is one of the configured proxies (addresses or CIDR blocks, IPv4 or IPv6). */
function proxyAllowed(from: string[], address: string | undefined): boolean {
  if (!address) return false;
  let list = allowLists.get(from);
  if (!list) {
    list = new BlockList();
    for (const entry of from) {
      const [ip, prefix] = entry.split("/");
      const type = isIPv6(ip!) ? "ipv6" : "ipv4";
      if (prefix) list.addSubnet(ip!, Number(prefix), type);
      else list.addAddress(ip!, type);
    }
    allowLists.set(from, list);
  }
  const plain = address.replace(/^::ffff:(?=\d+\.)/, "");
  return list.check(plain, isIPv6(plain) ? "ipv6" : "ipv4");
}

export function accountFor(runtime: Runtime, fingerprint: string | undefined): XtaAccount | undefined {
  return fingerprint ? directory(runtime).get(fingerprint) : undefined;
}
