import { z } from "zod";
import { httpsListenerSchema, sha256Fingerprint, trustedProxySchema, type AdapterConfigSpec } from "../../gateway/config/fields.ts";

/** gateway.yaml `rest`: the REST intake's transport security, TLS client certificates instead of bearer tokens. */
export const restGatewaySchema = z
  .object({
    https: httpsListenerSchema
      .optional()
      .describe(
        "serve the REST intake (/api/v1, /antrag) over HTTPS with client certificates on a port of its own; portals pinned in `rest.certificateSha256` need no token there",
      ),
    trustedProxy: trustedProxySchema
      .optional()
      .describe("only behind a proxy that terminates TLS for the REST intake: take the client certificate fingerprint from a header (plain connections only)"),
  })
  .strict();

/** A portal's `rest`: REST intake by TLS client certificate. */
export const restPortalSchema = z
  .object({
    certificateSha256: z
      .array(sha256Fingerprint)
      .min(1)
      .describe("TLS client certificates (sha256 of the DER) that identify this portal at the REST intake, without a bearer token"),
  })
  .strict();

/** The REST adapter's sections of the config files. */
export const restConfig = {
  gateway: restGatewaySchema.describe("REST intake: an HTTPS listener with client certificates, or a trusted TLS-terminating proxy"),
  portal: restPortalSchema.describe("REST intake by TLS client certificate (e.g. OZG-Cloud /antrag, secured at the transport)"),
  clientCertificates: { field: "certificateSha256", of: (section: z.infer<typeof restPortalSchema>) => section.certificateSha256 },
} satisfies AdapterConfigSpec;

export type RestGatewayConfig = z.infer<typeof restGatewaySchema>;
