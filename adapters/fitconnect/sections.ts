import { z } from "zod";

/**
 * The `fitconnect:` block of a tenant file: the FIT-Connect destinations (Zustellpunkte) whose
 * submissions belong to the tenant. The adapter owns this spec; the core only lets the block
 * through, and `prepareFitConnect` checks it (and loads its keys) on every load and reload.
 */
export const destinationSchema = z
  .object({
    id: z.uuid().describe("the destination id (Zustellpunkt) shown in the FIT-Connect self-service portal"),
    apiUrl: z
      .url()
      // ozg-hub speaks Submission API v1; a v2 base URL would only fail later with 404s.
      .refine((u) => /\/v1\/?$/.test(u), "the Submission API base URL must end in /v1 (ozg-hub speaks Submission API v1; v2 is not supported)")
      .describe("base URL of the Submission API, ending in /v1"),
    tokenUrl: z.url().describe("OAuth2 token endpoint (client credentials grant)"),
    clientId: z.string().min(1).describe("OAuth2 client id of the subscriber client"),
    clientSecretEnv: z.string().min(1).describe("environment variable that holds the client secret"),
    decryptionKeyFile: z.string().describe("private JWK (RSA >= 4096 bit, key_ops [unwrapKey], alg RSA-OAEP-256), relative to the config directory"),
    previousDecryptionKeyFiles: z
      .array(z.string())
      .default([])
      .describe("earlier decryption keys (private JWKs as above) still held after a key rotation, for submissions encrypted before it"),
    signingKeyFile: z
      .string()
      .describe("private JWK (RSA >= 4096 bit, key_ops [sign], alg PS512) for the accept/reject events, relative to the config directory"),
    callbackSecretEnv: z
      .string()
      .optional()
      .describe("environment variable with the callback secret; without it callbacks are refused and only polling fetches"),
    portal: z.string().default("fitconnect").describe("portal id the submissions are recorded under"),
    pollIntervalMs: z.number().int().positive().default(60_000).describe("pause between polls while nothing is waiting"),
    backoffMaxMs: z.number().int().positive().default(300_000).describe("longest pause after failed polls"),
    pageSize: z.number().int().min(1).max(500).default(100).describe("submissions listed per page"),
  })
  .strict();

export const fitConnectTenantSchema = z
  .object({ destinations: z.array(destinationSchema).min(1).describe("destinations whose submissions go to this tenant") })
  .strict();

/** The FIT-Connect adapter's sections of the config files (zod only: the core composes them). */
export const fitconnectConfig = {
  tenant: fitConnectTenantSchema.describe("FIT-Connect destinations of this tenant; keys checked by adapters/fitconnect/config.ts on every load and reload"),
};
