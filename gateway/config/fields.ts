import { isIP } from "node:net";
import { z } from "zod";
import type { TransportRecipient } from "../recipient.ts";

export { byteSize } from "./bytes.ts";

/**
 * Building blocks of the config spec that the core and the adapters' config fragments share.
 * A leaf module (zod only): adapters' `config.ts` files import it directly, so that the adapter
 * registry's config specs load without the rest of the core.
 */

export const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes")
  .describe("stable identifier used in queue names, metrics and logs");

export const sha256Fingerprint = z
  .string()
  .transform((s) => s.replace(/:/g, "").toLowerCase())
  .pipe(z.string().regex(/^[0-9a-f]{64}$/, "hex sha256 of a DER certificate (colons allowed)"));

/** A private key with its certificate: a PKCS#12 file, or a PEM key and certificate. */
export const keystoreSchema = z
  .object({
    pkcs12File: z.string().optional().describe("PKCS#12 file with key and certificate, relative to the config directory"),
    passphraseEnv: z.string().optional().describe("environment variable that holds the PKCS#12 (or encrypted PEM key) passphrase"),
    keyFile: z.string().optional().describe("PEM private key, relative to the config directory (instead of pkcs12File)"),
    certFile: z.string().optional().describe("PEM certificate belonging to keyFile"),
  })
  .strict()
  .refine((k) => (k.pkcs12File !== undefined) !== (k.keyFile !== undefined && k.certFile !== undefined), "either pkcs12File or keyFile + certFile");

/** An HTTPS listener of an adapter's own that asks clients for their certificate. */
export const httpsListenerSchema = z
  .object({
    port: z.number().int().min(0).max(65535).describe("port of the HTTPS listener"),
    host: z.string().default("0.0.0.0"),
    keyFile: z.string().describe("PEM private key of the server certificate, relative to the config directory"),
    certFile: z.string().describe("PEM server certificate (chain), relative to the config directory"),
    caFile: z.string().optional().describe("PEM CAs named to clients when asking for their certificate; accounts are pinned by fingerprint either way"),
  })
  .strict();

/** A TLS-terminating proxy that passes the client certificate's fingerprint in a header. */
export const trustedProxySchema = z
  .object({
    header: z.string().default("x-ssl-client-sha256").describe("header in which the TLS-terminating proxy passes the client certificate's sha256"),
    from: z
      .array(z.string().refine((v) => isIP(v.split("/")[0]!) !== 0 && /^[^/]+(\/\d{1,3})?$/.test(v), "an IP address or CIDR block"))
      .optional()
      .describe("addresses (or CIDR blocks) of the proxy; the header is ignored from anywhere else. Default: any"),
  })
  .strict();

/**
 * What an adapter adds to the config files: a section named after the adapter in gateway.yaml,
 * in each portal file and in each tenant file. Every section is optional in its file.
 */
export interface AdapterConfigSpec {
  gateway?: z.ZodType;
  portal?: z.ZodType;
  tenant?: z.ZodType;
  /**
   * A subscriber kind whose systems pull their applications from a mailbox the adapter serves
   * (instead of consuming a RabbitMQ queue), with the section such a subscriber carries under
   * the adapter's name (e.g. how the system authenticates).
   */
  pullSubscriber?: { kind: string; describe: string; section: z.ZodType };
  /**
   * The transport addressing of a delivery stored before the recipient had a column of its own,
   * read from the protocol metadata the adapter stored then (replays route with it).
   */
  storedRecipient?(metadata: Record<string, unknown>): TransportRecipient | undefined;
  /**
   * The TLS client certificates (sha256 fingerprints) by which a portal's section of this adapter
   * identifies the portal (`Lookups.portalByCertificate`), and the field that lists them; each
   * fingerprint may be pinned by one portal only.
   */
  clientCertificates?: { field: string; of(portalSection: any): readonly string[] };
}

export type KeystoreConfig = z.infer<typeof keystoreSchema>;
