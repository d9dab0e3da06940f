import { isIP } from "node:net";
import { z } from "zod";
import { channels } from "../contract.ts";
import { byteSize } from "./bytes.ts";

/**
 * The config spec. Every file under the config directory is parsed by one of these schemas at
 * start and by `ozg-hub config check`; `.describe()` texts are the reference in README.
 */

const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes")
  .describe("stable identifier used in queue names, metrics and logs");

const leikaKey = z.string().regex(/^\d{14}$/, "a 14-digit LeiKa key");

const tokenHash = z.string().regex(/^[0-9a-f]{64}$/, "hex sha256 of the bearer token");

export const limitsSchema = z
  .object({
    documentBytes: byteSize.default(10 * 1024 ** 2).describe("largest primary document (JSON, XML) per delivery"),
    attachmentBytes: byteSize.default(250 * 1024 ** 2).describe("largest single attachment"),
    deliveryBytes: byteSize.default(300 * 1024 ** 2).describe("largest delivery, document and attachments together"),
    attachments: z.number().int().positive().default(100).describe("most attachments per delivery"),
    xmlDepth: z.number().int().positive().default(64).describe("deepest element nesting accepted in XML documents"),
  })
  .strict();

const sha256Fingerprint = z
  .string()
  .transform((s) => s.replace(/:/g, "").toLowerCase())
  .pipe(z.string().regex(/^[0-9a-f]{64}$/, "hex sha256 of a DER certificate (colons allowed)"));

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

export const xtaGatewaySchema = z
  .object({
    messageIdPrefix: z.string().regex(/^[A-Za-z0-9.-]+$/).default("ozghub").describe("the <prefix> of urn:de:xta:messageid:<prefix>:<uuid>"),
    identifier: z.string().min(1).default("ozg-hub").describe("ozg-hub's own party identifier, the Author of mailbox messages"),
    maxMessageBytes: byteSize.default(40 * 1024 ** 2).describe("largest sendMessage request (XTA: 40 MB)"),
    trustedProxy: z
      .object({
        header: z.string().default("x-ssl-client-sha256").describe("header in which the TLS-terminating proxy passes the client certificate's sha256"),
        from: z
          .array(z.string().refine((v) => isIP(v.split("/")[0]!) !== 0 && /^[^/]+(\/\d{1,3})?$/.test(v), "an IP address or CIDR block"))
          .optional()
          .describe("addresses (or CIDR blocks) of the proxy; the header is ignored from anywhere else. Default: any"),
      })
      .strict()
      .optional()
      .describe("only behind a proxy that terminates TLS: take the client certificate fingerprint from a header"),
    accounts: z.array(xtaAccountSchema).default([]).describe("external XTA mailboxes to read"),
    https: z
      .object({
        port: z.number().int().min(0).max(65535).describe("port of the XTA HTTPS listener"),
        host: z.string().default("0.0.0.0"),
        keyFile: z.string().describe("PEM private key of the server certificate, relative to the config directory"),
        certFile: z.string().describe("PEM server certificate (chain), relative to the config directory"),
        caFile: z.string().optional().describe("PEM CAs named to clients when asking for their certificate; accounts are pinned by fingerprint either way"),
      })
      .strict()
      .optional()
      .describe("serve /xta/* over HTTPS with client certificates on a port of its own (else behind a TLS-terminating proxy, see trustedProxy)"),
  })
  .strict();

/** The REST intake's transport security: TLS client certificates instead of bearer tokens. */
export const restGatewaySchema = z
  .object({
    https: xtaGatewaySchema.shape.https.describe(
      "serve the REST intake (/api/v1, /antrag) over HTTPS with client certificates on a port of its own; portals pinned in `rest.certificateSha256` need no token there",
    ),
    trustedProxy: xtaGatewaySchema.shape.trustedProxy.describe(
      "only behind a proxy that terminates TLS for the REST intake: take the client certificate fingerprint from a header (plain connections only)",
    ),
  })
  .strict();


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

/** OSCI-Transport 1.2: ozg-hub's own keys and the Intermediäre that deliver to it. */
export const osciGatewaySchema = z
  .object({
    signing: keystoreSchema.describe("ozg-hub's OSCI signature key (SupplierSignature on every response)"),
    decryption: keystoreSchema.optional().describe("ozg-hub's OSCI cipher key (transport layer); default the signing key"),
    intermediaries: z
      .array(
        z
          .object({
            id,
            signatureCertFiles: z.array(z.string()).min(1).describe("pinned PEM signature certificates of the Intermediär (ClientSignature of AcceptDelivery / ProcessDelivery)"),
            cipherCertFile: z.string().optional().describe("PEM cipher certificate to encrypt answers for; default the one the signed request names"),
            portal: z.string().describe("portal id the Intermediär's deliveries are recorded under"),
          })
          .strict(),
      )
      .default([])
      .describe("Intermediäre that push AcceptDelivery / ProcessDelivery to /osci (ozg-hub as passive recipient)"),
    maxMessageBytes: byteSize.default(40 * 1024 ** 2).describe("largest OSCI request"),
  })
  .strict();

/** The way back: status events from subscribers, notifications to portals. */
export const statusGatewaySchema = z
  .object({
    exchange: z.string().default("ozg.status").describe("topic exchange to which subscribers publish status events (routing key <tenant>.<subscriber>)"),
    queue: z.string().optional().describe("ozg-hub's quorum queue of status events; default <queuePrefix>.status (rejected ones go to <queue>.dlq)"),
    webhooks: z
      .object({
        timeoutMs: z.number().int().positive().default(10_000).describe("longest wait for a portal's webhook to answer"),
        backoffInitialMs: z.number().int().positive().default(5_000).describe("first retry delay after a failed attempt (doubles, with jitter)"),
        backoffMaxMs: z.number().int().positive().default(3_600_000).describe("longest retry delay"),
        maxAttempts: z.number().int().positive().default(25).describe("attempts per notification; after the last the endpoint is disabled until the portal or an operator enables it again"),
        pollIntervalMs: z.number().int().positive().default(1_000).describe("look for due notifications at least this often"),
        batchSize: z.number().int().positive().default(20).describe("notifications claimed per round"),
      })
      .strict()
      .default({ timeoutMs: 10_000, backoffInitialMs: 5_000, backoffMaxMs: 3_600_000, maxAttempts: 25, pollIntervalMs: 1_000, batchSize: 20 }),
  })
  .strict();

export const gatewaySchema = z
  .object({
    instance: z.string().default("ozg-hub").describe("name of this deployment, the CloudEvents source"),
    limits: limitsSchema.default(limitsSchema.parse({})),
    amqp: z
      .object({
        exchange: z.string().default("ozg.applications").describe("topic exchange that carries applications"),
        deadLetterExchange: z.string().default("ozg.dead-letter").describe("exchange for rejected or expired messages"),
        queuePrefix: z.string().default("ozg").describe("prefix of derived queue names: <prefix>.<tenant>.<subscriber>"),
        confirmTimeoutMs: z.number().int().positive().default(10_000).describe("longest wait for broker confirms of one batch"),
      })
      .strict()
      .default({ exchange: "ozg.applications", deadLetterExchange: "ozg.dead-letter", queuePrefix: "ozg", confirmTimeoutMs: 10_000 }),
    relay: z
      .object({
        batchSize: z.number().int().positive().default(200).describe("outbox rows claimed per round"),
        workers: z.number().int().min(1).max(16).default(2).describe("relay loops per process; one publishes while another waits for confirms"),
        pollIntervalMs: z.number().int().positive().default(1000).describe("look for due rows at least this often"),
        backoffInitialMs: z.number().int().positive().default(500).describe("first retry delay after a failed publish"),
        backoffMaxMs: z.number().int().positive().default(60_000).describe("longest retry delay"),
      })
      .strict()
      .default({ batchSize: 200, workers: 2, pollIntervalMs: 1000, backoffInitialMs: 500, backoffMaxMs: 60_000 }),
    mappings: z.string().default("../mappings").describe("directory of mapping configs, relative to the config directory"),
    problemTypeBase: z
      .url()
      .refine((u) => u.endsWith("/") || u.endsWith(":"), "ends with / or :")
      .optional()
      .describe("base of the problem `type` URIs, e.g. https://ozg.example.de/problems/ (a domain you own); default urn:ozg-hub:problem:"),
    admin: z
      .object({
        tokenSha256: z.array(tokenHash).default([]).describe("hashes of the operators' bearer tokens; none: /admin answers 401 to everybody"),
        viewerTokenSha256: z.array(tokenHash).default([]).describe("hashes of tokens that log in to the console read-only (role viewer: no content downloads, no actions)"),
        sessionMinutes: z.number().int().positive().default(480).describe("lifetime of a console session"),
      })
      .strict()
      .optional()
      .describe("credentials of the admin API under /admin, separate from those of portals and tenants"),
    xta: xtaGatewaySchema.optional().describe("XTA 2: server identity, limits and the external mailboxes ozg-hub reads"),
    rest: restGatewaySchema.optional().describe("REST intake: an HTTPS listener with client certificates, or a trusted TLS-terminating proxy"),
    osci: osciGatewaySchema.optional().describe("OSCI-Transport 1.2: ozg-hub's keys and the Intermediäre it accepts deliveries from"),
    status: statusGatewaySchema.default(statusGatewaySchema.parse({})).describe("status events from subscribers and their way back to the portals"),
  })
  .strict();

export const subscriberSchema = z
  .object({
    id,
    kind: z.enum(["amqp", "xta-mailbox"]).default("amqp").describe("amqp: a RabbitMQ queue; xta-mailbox: an XTA msgBox in ozg-hub"),
    description: z.string().optional(),
    queue: z.string().optional().describe("queue name; default <queuePrefix>.<tenant>.<subscriber>"),
    filter: z
      .object({
        leikaKeys: z.array(leikaKey).optional().describe("only applications for these LeiKa services"),
        formats: z.array(z.string()).optional().describe("only applications mapped by these mapping ids"),
      })
      .strict()
      .default({})
      .describe("empty: every application of the tenant"),
    xta: z
      .object({
        certificateSha256: z.array(sha256Fingerprint).min(1).describe("client certificates with which the tenant's system opens its XTA msgBox"),
      })
      .strict()
      .optional()
      .describe("kind xta-mailbox: how the system authenticates at /xta/msgbox"),
  })
  .strict();

export const tenantSchema = z
  .object({
    id,
    name: z.string().describe("the authority, as shown to operators"),
    ags: z.string().regex(/^\d{8}$/, "an 8-digit Amtlicher Gemeindeschlüssel").optional(),
    ars: z.string().regex(/^\d{12}$/, "a 12-digit Amtlicher Regionalschlüssel").optional(),
    organisationUnitIds: z.array(z.string().min(1)).default([]).describe("ids of the responsible offices (zuständige Stelle)"),
    xtaReaders: z.array(z.string().min(1)).default([]).describe("XTA reader identifiers, e.g. ags:01002000"),
    subscribers: z.array(subscriberSchema).min(1).describe("systems that receive this tenant's applications"),
    strict: z
      .boolean()
      .default(false)
      .describe("park applications with warnings (missing or malformed canonical fields) instead of delivering them with the warnings listed"),
    api: z
      .object({
        tokenSha256: z.array(tokenHash).default([]).describe("hashes of the bearer tokens of this tenant's systems (attachment download)"),
      })
      .strict()
      .optional()
      .describe("credentials of the tenant's systems at the REST API"),
    amqp: z
      .object({
        user: z.string().min(1).optional().describe("RabbitMQ user of this tenant's systems; default <queuePrefix>-<tenant>"),
        passwordEnv: z.string().optional().describe("environment variable with that user's password, read by `ozg-hub topology --apply`"),
      })
      .strict()
      .optional()
      .describe("the tenant's RabbitMQ user, which `ozg-hub topology` limits to the tenant's own queues"),
    osci: z
      .object({
        readerKeys: z.array(keystoreSchema).min(1).describe("the tenant's OSCI Reader keys: content containers encrypted for them are decrypted, their certificates route to the tenant"),
      })
      .strict()
      .optional()
      .describe("OSCI-Transport 1.2 addressee of this tenant"),
  })
  .strict();

export const portalSchema = z
  .object({
    id,
    name: z.string(),
    tokenSha256: z
      .array(z.string().regex(/^[0-9a-f]{64}$/, "hex sha256 of the bearer token"))
      .default([])
      .describe("hashes of the bearer tokens this portal authenticates with (several during rotation)"),
    channels: z.array(z.enum(channels)).default(["rest"]).describe("intakes this portal may use"),
    tenants: z.array(z.string()).optional().describe("tenants this portal may deliver to; default all"),
    mapping: z.string().optional().describe("mapping id to use for this portal's deliveries instead of matching"),
    rest: z
      .object({
        certificateSha256: z.array(sha256Fingerprint).min(1).describe("TLS client certificates (sha256 of the DER) that identify this portal at the REST intake, without a bearer token"),
      })
      .strict()
      .optional()
      .describe("REST intake by TLS client certificate (e.g. OZG-Cloud /antrag, secured at the transport)"),
    rateLimit: z
      .object({
        perSecond: z.number().positive().describe("requests per second on average"),
        burst: z.number().int().positive().optional().describe("requests at once; default perSecond rounded up"),
      })
      .strict()
      .optional()
      .describe("token bucket per portal and instance for the REST intake; beyond it 429 with Retry-After. Default: no limit"),
    forms: z
      .record(z.string(), z.record(z.string(), z.array(z.string().min(1)).min(1)))
      .default({})
      .describe("per form id (control.formId): canonical field (e.g. applicant.familyName) → names or labels of the form fields to read it from, tried before the mapping's defaults"),
    xta: z
      .object({
        certificateSha256: z.array(sha256Fingerprint).min(1).describe("TLS client certificates (sha256 of the DER) that identify this portal at /xta"),
        authorIdentifiers: z.array(z.string().min(1)).min(1).describe("oscimeta:Author identifiers this portal may send as, e.g. ags:01002000"),
      })
      .strict()
      .optional()
      .describe("XTA 2 account of this portal"),
    osci: z
      .object({
        signatureCertFiles: z.array(z.string()).min(1).describe("pinned PEM signature certificates of this portal's OSCI client (ClientSignature, Author signatures)"),
        cipherCertFile: z.string().optional().describe("PEM cipher certificate to encrypt answers for; default the one the signed request names"),
      })
      .strict()
      .optional()
      .describe("OSCI-Transport 1.2 originator certificates of this portal"),
    webhook: z
      .object({
        url: z.url().describe("where status notifications are POSTed (CloudEvents, Standard Webhooks signature)"),
        secretEnv: z.string().min(1).describe("environment variable with the signing secret, whsec_<base64>"),
      })
      .strict()
      .optional()
      .describe("REST portals: the webhook that receives the status of their applications"),
  })
  .strict();

export type GatewayConfig = z.infer<typeof gatewaySchema>;
export type Limits = z.infer<typeof limitsSchema>;
export type TenantConfig = z.infer<typeof tenantSchema>;
export type SubscriberConfig = z.infer<typeof subscriberSchema>;
export type PortalConfig = z.infer<typeof portalSchema>;
export type XtaGatewayConfig = z.infer<typeof xtaGatewaySchema>;
export type RestGatewayConfig = z.infer<typeof restGatewaySchema>;
export type XtaAccountConfig = z.infer<typeof xtaAccountSchema>;
export type OsciGatewayConfig = z.infer<typeof osciGatewaySchema>;
export type KeystoreConfig = z.infer<typeof keystoreSchema>;
export type StatusGatewayConfig = z.infer<typeof statusGatewaySchema>;
