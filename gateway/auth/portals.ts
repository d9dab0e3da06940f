import { createHash } from "node:crypto";
import type { ConfigSpec } from "../config/compose.ts";
import type { PortalConfig } from "../config/schema.ts";

export function sha256Hex(value: string | Uint8Array): string {
  return createHash("sha256").update(value).digest("hex");
}

/**
 * Finds the portal behind a credential. Only hashes of tokens are configured; a presented
 * token is hashed and looked up, so neither the comparison nor the config reveals it.
 */
export class PortalDirectory {
  private readonly byTokenHash = new Map<string, PortalConfig>();
  private readonly byIdMap = new Map<string, PortalConfig>();
  private readonly byCertificateMap = new Map<string, PortalConfig>();

  /** `certificates`: the client certificates each portal pins (`ConfigSpec.clientCertificates`). */
  constructor(portals: readonly PortalConfig[], certificates: ConfigSpec["clientCertificates"] = () => []) {
    for (const p of portals) {
      this.byIdMap.set(p.id, p);
      for (const h of p.tokenSha256) this.byTokenHash.set(h, p);
      for (const c of certificates(p)) this.byCertificateMap.set(c.sha256, p);
    }
  }

  byToken(token: string): PortalConfig | undefined {
    return token ? this.byTokenHash.get(sha256Hex(token)) : undefined;
  }

  /** The portal that pinned this TLS client certificate (sha256 of the DER, lower-case hex), e.g. for REST. */
  byCertificate(fingerprint: string): PortalConfig | undefined {
    return this.byCertificateMap.get(fingerprint);
  }

  byId(id: string): PortalConfig | undefined {
    return this.byIdMap.get(id);
  }

  all(): PortalConfig[] {
    return [...this.byIdMap.values()];
  }
}
