import type { IncomingMessage } from "node:http";
import { BlockList, isIPv6 } from "node:net";
import type { TLSSocket } from "node:tls";
import type { Context } from "hono";

/** A TLS-terminating proxy that passes the client certificate's sha256 in a header. */
export interface TrustedProxy {
  header: string;
  /** Addresses or CIDR blocks of the proxy; the header is ignored from anywhere else. */
  from?: string[];
}

/**
 * The sha256 fingerprint (lower-case hex) of the client certificate. A request that arrived
 * over TLS is identified by its certificate only; the header of a TLS-terminating proxy is
 * read only for plain connections, only when a trusted proxy is configured and only from its
 * addresses (`from`), so that neither a TLS client nor a caller beside the proxy can forge it.
 * An expired or not yet valid certificate counts as none.
 *
 * @example
 * const fp = clientFingerprint(c, config.gateway.rest?.trustedProxy);
 * const portal = fp ? runtime.portals.byCertificate(fp) : undefined;
 */
export function clientFingerprint(c: Context, trustedProxy: TrustedProxy | undefined): string | undefined {
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
