import { z } from "zod";
import { byteSize, httpsListenerSchema, id, sha256Fingerprint, trustedProxySchema, type AdapterConfigSpec } from "../../gateway/config/fields.ts";

/** An external XTA server whose msgBox ozg-hub reads (client role). */
export const xtaAccountSchema = z
  .object({
    id,
    managementUrl: z.url().describe("URL of the server's management port"),
    sendUrl: z.url().optional().describe("URL of the send port (not used for reading)"),
    msgBoxUrl: z.url().describe("URL of the msgBox port"),
    pkcs12File: z.string().describe("PKCS#12 file with the client certificate and key, relative to the config directory"),
    pkcs12PassphraseEnv: z.string().optional().describe("environment variable that holds the PKCS#12 passphrase"),
    caFile: z.string().optional().describe("PEM CA bundle to trust for the server, relative to the config directory; default the system CAs"),
    author: z.string().min(1).describe("our identifier on that server, e.g. ags:01002000"),
    portal: z.string().optional().describe("portal id the fetched deliveries are recorded under; default the account id"),
    pollIntervalMs: z.number().int().positive().default(30_000).describe("pause between polls while the box is empty"),
    backoffMaxMs: z.number().int().positive().default(300_000).describe("longest pause after failed polls"),
    maxListItems: z.number().int().positive().default(50).describe("messages listed per getStatusList"),
  })
  .strict();

/** gateway.yaml `xta`: server identity, limits and the external mailboxes ozg-hub reads. */
export const xtaGatewaySchema = z
  .object({
    messageIdPrefix: z
      .string()
      .regex(/^[A-Za-z0-9.-]+$/)
      .default("ozghub")
      .describe("the <prefix> of urn:de:xta:messageid:<prefix>:<uuid>"),
    identifier: z.string().min(1).default("ozg-hub").describe("ozg-hub's own party identifier, the Author of mailbox messages"),
    maxMessageBytes: byteSize.default(40 * 1024 ** 2).describe("largest sendMessage request (XTA: 40 MB)"),
    trustedProxy: trustedProxySchema.optional().describe("only behind a proxy that terminates TLS: take the client certificate fingerprint from a header"),
    accounts: z.array(xtaAccountSchema).default([]).describe("external XTA mailboxes to read"),
    https: httpsListenerSchema
      .optional()
      .describe("serve /xta/* over HTTPS with client certificates on a port of its own (else behind a TLS-terminating proxy, see trustedProxy)"),
  })
  .strict();

/**
 * A portal's own XTA server, to which ozg-hub sends the status replies as a client
 * (sendMessage on its send port) instead of keeping them in the portal's msgBox at ozg-hub.
 */
export const xtaReplyServerSchema = z
  .object({
    sendUrl: z.url().describe("URL of the send port of the portal's XTA server"),
    pkcs12File: z.string().describe("PKCS#12 file with ozg-hub's TLS client certificate and key for that server, relative to the config directory"),
    pkcs12PassphraseEnv: z.string().optional().describe("environment variable that holds the PKCS#12 passphrase"),
    caFile: z.string().optional().describe("PEM CA bundle to trust for the server, relative to the config directory; default the system CAs"),
    author: z.string().min(1).optional().describe("ozg-hub's identifier at that server (oscimeta:Author); default gateway.yaml xta.identifier"),
    reader: z
      .string()
      .min(1)
      .optional()
      .describe("the Reader of the replies; default the Author of the application the status is about, else the portal's first author identifier"),
    timeoutMs: z.number().int().positive().default(30_000).describe("longest wait for the server's answer to one sendMessage"),
  })
  .strict();

/** A portal's `xta`: its XTA 2 account. */
export const xtaPortalSchema = z
  .object({
    certificateSha256: z.array(sha256Fingerprint).min(1).describe("TLS client certificates (sha256 of the DER) that identify this portal at /xta"),
    authorIdentifiers: z.array(z.string().min(1)).min(1).describe("oscimeta:Author identifiers this portal may send as, e.g. ags:01002000"),
    replyServer: xtaReplyServerSchema
      .optional()
      .describe("the portal's own XTA server: status replies are sent there (ozg-hub as client); without it they wait in the portal's msgBox at ozg-hub"),
  })
  .strict();

/** A subscriber's `xta` (kind xta-mailbox): how its system authenticates at /xta/msgbox. */
export const xtaSubscriberSchema = z
  .object({
    certificateSha256: z.array(sha256Fingerprint).min(1).describe("client certificates with which the tenant's system opens its XTA msgBox"),
  })
  .strict();

/** The XTA adapter's sections of the config files. */
export const xtaConfig = {
  gateway: xtaGatewaySchema.describe("XTA 2: server identity, limits and the external mailboxes ozg-hub reads"),
  portal: xtaPortalSchema.describe("XTA 2 account of this portal"),
  pullSubscriber: {
    kind: "xta-mailbox",
    describe: "an XTA msgBox in ozg-hub",
    section: xtaSubscriberSchema.describe("kind xta-mailbox: how the system authenticates at /xta/msgbox"),
  },
  // Deliveries stored before the recipient had a column of its own carry the Reader only here.
  storedRecipient(metadata: Record<string, unknown>) {
    const reader = (metadata.xta as { reader?: unknown } | undefined)?.reader;
    return typeof reader === "string" && reader !== "" ? { xtaReader: reader } : undefined;
  },
} satisfies AdapterConfigSpec;

export type XtaGatewayConfig = z.infer<typeof xtaGatewaySchema>;
export type XtaAccountConfig = z.infer<typeof xtaAccountSchema>;
export type XtaPortalConfig = z.infer<typeof xtaPortalSchema>;
export type XtaReplyServerConfig = z.infer<typeof xtaReplyServerSchema>;

/** The defaults of an absent `xta` section: the schema's own, not a second copy. */
const DEFAULTS: XtaGatewayConfig = xtaGatewaySchema.parse({});

/** The `xta` section of gateway.yaml with its defaults (the section itself is optional). */
export function xtaSettings(section: XtaGatewayConfig | undefined): XtaGatewayConfig {
  return section ?? DEFAULTS;
}

/** `urn:de:xta:messageid:<prefix>:<id>` — the MessageID form of XTA 2. */
export function xtaMessageId(prefix: string, id: string): string {
  return `urn:de:xta:messageid:${prefix}:${id}`;
}
