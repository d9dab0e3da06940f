import { createHash } from "node:crypto";
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

  constructor(portals: readonly PortalConfig[]) {
    for (const p of portals) {
      this.byIdMap.set(p.id, p);
      for (const h of p.tokenSha256) this.byTokenHash.set(h, p);
      for (const fp of p.rest?.certificateSha256 ?? []) this.byCertificateMap.set(fp, p);
    }
  }

  byToken(token: string): PortalConfig | undefined {
    return token ? this.byTokenHash.get(sha256Hex(token)) : undefined;
  }

  /** The portal that pinned this TLS client certificate (sha256 of the DER, lower-case hex) for REST. */
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
