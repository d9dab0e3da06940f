import { z } from "zod";
import { byteSize, id, keystoreSchema, type AdapterConfigSpec } from "../../gateway/config/fields.ts";

/** gateway.yaml `osci`: ozg-hub's own keys and the Intermediäre that deliver to it. */
export const osciGatewaySchema = z
  .object({
    signing: keystoreSchema.describe("ozg-hub's OSCI signature key (SupplierSignature on every response)"),
    decryption: keystoreSchema.optional().describe("ozg-hub's OSCI cipher key (transport layer); default the signing key"),
    intermediaries: z
      .array(
        z
          .object({
            id,
            signatureCertFiles: z
              .array(z.string())
              .min(1)
              .describe("pinned PEM signature certificates of the Intermediär (ClientSignature of AcceptDelivery / ProcessDelivery)"),
            cipherCertFile: z.string().optional().describe("PEM cipher certificate to encrypt answers for; default the one the signed request names"),
            portal: z.string().describe("portal id the Intermediär's deliveries are recorded under"),
          })
          .strict(),
      )
      .default([])
      .describe("Intermediäre that push AcceptDelivery / ProcessDelivery to /osci (ozg-hub as passive recipient)"),
    maxMessageBytes: byteSize.default(40 * 1024 ** 2).describe("largest OSCI request"),
    authorTrustAnchorFiles: z
      .array(z.string())
      .default([])
      .describe(
        "PEM CA certificates an Author (content) signature by a certificate no portal pins may chain to: such a signer is recorded as trusted, any other as untrusted (accepted unless the tenant or portal sets requireTrustedAuthor)",
      ),
  })
  .strict();

/**
 * The Intermediär of a portal's OSCI client, to which ozg-hub sends status replies as
 * Originator: GetMessageId, then a StoreDelivery whose content is encrypted for the portal.
 */
export const osciReplyIntermediarySchema = z
  .object({
    url: z.url().describe("the Intermediär's OSCI endpoint"),
    cipherCertFile: z.string().describe("PEM cipher certificate of the Intermediär (transport encryption)"),
    signatureCertFiles: z
      .array(z.string())
      .default([])
      .describe("pinned PEM signature certificates of the Intermediär: its answers must be signed by one of them; empty: the signature is not checked"),
    addresseeCipherCertFile: z
      .string()
      .optional()
      .describe("PEM cipher certificate of the addressee (the portal's OSCI client) the content is encrypted for; default the portal's osci.cipherCertFile"),
    subject: z.string().default("Statusmeldung").describe("the StoreDelivery's Subject"),
    timeoutMs: z.number().int().positive().default(30_000).describe("longest wait for one answer of the Intermediär"),
  })
  .strict();

/** A portal's `osci`: the certificates of its OSCI client. */
export const osciPortalSchema = z
  .object({
    signatureCertFiles: z
      .array(z.string())
      .min(1)
      .describe("pinned PEM signature certificates of this portal's OSCI client (ClientSignature, Author signatures)"),
    cipherCertFile: z.string().optional().describe("PEM cipher certificate to encrypt answers for; default the one the signed request names"),
    replyIntermediary: osciReplyIntermediarySchema
      .optional()
      .describe("the Intermediär of this portal's OSCI client: status replies go there as StoreDelivery; without it they are parked for the operator"),
    requireTrustedAuthor: z
      .boolean()
      .default(false)
      .describe(
        "deliveries from this portal (its OSCI client, or an Intermediär recorded under it): refuse (9700) content containers without an Author signature by a pinned portal certificate or one that chains to osci.authorTrustAnchorFiles; default: unsigned and untrusted signers are accepted and recorded",
      ),
  })
  .strict();

/** A tenant's `osci`: the tenant as OSCI addressee. */
export const osciTenantSchema = z
  .object({
    readerKeys: z
      .array(keystoreSchema)
      .min(1)
      .describe("the tenant's OSCI Reader keys: content containers encrypted for them are decrypted, their certificates route to the tenant"),
    requireTrustedAuthor: z
      .boolean()
      .default(false)
      .describe(
        "content for this tenant: refuse (9700) content containers without an Author signature by a pinned portal certificate or one that chains to osci.authorTrustAnchorFiles; default: unsigned and untrusted signers are accepted and recorded",
      ),
  })
  .strict();

/** The OSCI adapter's sections of the config files. */
export const osciConfig = {
  gateway: osciGatewaySchema.describe("OSCI-Transport 1.2: ozg-hub's keys and the Intermediäre it accepts deliveries from"),
  portal: osciPortalSchema.describe("OSCI-Transport 1.2 originator certificates of this portal"),
  tenant: osciTenantSchema.describe("OSCI-Transport 1.2 addressee of this tenant"),
} satisfies AdapterConfigSpec;

export type OsciGatewayConfig = z.infer<typeof osciGatewaySchema>;
export type OsciReplyIntermediaryConfig = z.infer<typeof osciReplyIntermediarySchema>;
export type { KeystoreConfig } from "../../gateway/config/fields.ts";
