import { z } from "zod";
import { adapterConfigs } from "../../adapters/config.ts";
import { channels } from "../contract.ts";
import { byteSize, id, type AdapterConfigSpec } from "./fields.ts";

/**
 * The config spec. Every file under the config directory is parsed by one of these schemas at
 * start and by `ozg-hub config check`; `.describe()` texts are the reference in README.
 */

const leikaKey = z.string().regex(/^\d{14}$/, "a 14-digit LeiKa key");

const tokenHash = z.string().regex(/^[0-9a-f]{64}$/, "hex sha256 of the bearer token");

type Registered = typeof adapterConfigs;
type Part = "gateway" | "portal" | "tenant";
/** The optional sections that the registered adapters add to one kind of config file, keyed by adapter. */
type Sections<P extends Part> = {
  [K in keyof Registered as Registered[K] extends Record<P, z.ZodType> ? K : never]: Registered[K] extends Record<P, infer S extends z.ZodType>
    ? z.ZodOptional<S>
    : never;
};

/** Each adapter declares its sections in its own `config.ts`; the files' schemas are composed here. */
function sectionsOf<P extends Part>(part: P): Sections<P> {
  const shape: Record<string, z.ZodType> = {};
  for (const [kind, spec] of Object.entries(adapterConfigs) as [string, AdapterConfigSpec][]) {
    const section = spec[part];
    if (section) shape[kind] = section.optional();
  }
  return shape as Sections<P>;
}

type PullSections = {
  [K in keyof Registered as Registered[K] extends { pullSubscriber: { section: z.ZodType } } ? K : never]: Registered[K] extends {
    pullSubscriber: { section: infer S extends z.ZodType };
  }
    ? z.ZodOptional<S>
    : never;
};

/** The subscriber kinds the adapters serve as mailboxes, with their sections, keyed by adapter. */
const pullSpecs = Object.entries(adapterConfigs as Record<string, AdapterConfigSpec>).flatMap(([adapter, spec]) =>
  spec.pullSubscriber ? [{ adapter, ...spec.pullSubscriber }] : [],
);
const pullSections = Object.fromEntries(pullSpecs.map((p) => [p.adapter, p.section.optional()])) as PullSections;

export const limitsSchema = z
  .object({
    documentBytes: byteSize.default(10 * 1024 ** 2).describe("largest primary document (JSON, XML) per delivery"),
    attachmentBytes: byteSize.default(250 * 1024 ** 2).describe("largest single attachment"),
    deliveryBytes: byteSize.default(300 * 1024 ** 2).describe("largest delivery, document and attachments together"),
    attachments: z.number().int().positive().default(100).describe("most attachments per delivery"),
    xmlDepth: z.number().int().positive().default(64).describe("deepest element nesting accepted in XML documents"),
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
        maxAttempts: z
          .number()
          .int()
          .positive()
          .default(25)
          .describe("attempts per notification; after the last the endpoint is disabled until the portal or an operator enables it again"),
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
        urls: z
          .array(z.string().regex(/^amqps?:\/\//, "an amqp:// or amqps:// URL"))
          .min(1)
          .optional()
          .describe("the broker's nodes, tried in order, the next when one goes; AMQP_URL (comma-separated) takes precedence"),
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
        workers: z.number().int().min(1).max(16).default(4).describe("rounds per process waiting for broker confirms at the same time (one connection each)"),
        maxInFlight: z.number().int().positive().default(2000).describe("most messages per process published and not yet confirmed"),
        pollIntervalMs: z.number().int().positive().default(1000).describe("look for due rows at least this often"),
        backoffInitialMs: z.number().int().positive().default(500).describe("first retry delay of a message the broker refused (nack)"),
        backoffMaxMs: z
          .number()
          .int()
          .positive()
          .default(5_000)
          .describe("longest retry delay of a refused message; short, since a refusal mostly means a quorum queue electing its leader"),
        reconnectIntervalMs: z
          .number()
          .int()
          .positive()
          .default(1_000)
          .describe("while no broker node answers, the relay tries to connect this often (claiming nothing meanwhile)"),
        maxBacklog: z
          .number()
          .int()
          .positive()
          .default(50_000)
          .describe("outbox rows not yet confirmed by the broker above which intake answers 503 with Retry-After"),
        retryAfterSeconds: z.number().int().positive().default(30).describe("Retry-After of that 503"),
        thread: z.boolean().default(true).describe("run the relay in a worker thread of its own, so that publishing and intake do not share one event loop"),
      })
      .strict()
      .default({
        thread: true,
        batchSize: 200,
        workers: 4,
        maxInFlight: 2000,
        pollIntervalMs: 1000,
        backoffInitialMs: 500,
        backoffMaxMs: 5_000,
        reconnectIntervalMs: 1_000,
        maxBacklog: 50_000,
        retryAfterSeconds: 30,
      }),
    groupCommit: z
      .object({
        maxBatch: z.number().int().min(1).max(500).default(32).describe("most deliveries committed in one transaction"),
        windowMs: z.number().int().min(0).max(100).default(3).describe("longest wait for other deliveries to join while earlier groups commit"),
        maxGroups: z.number().int().min(1).max(16).default(4).describe("groups committing at the same time (one connection each)"),
      })
      .strict()
      .default({ maxBatch: 32, windowMs: 3, maxGroups: 4 })
      .describe("concurrent deliveries without attachments share one transaction"),
    mappings: z.string().default("../mappings").describe("directory of mapping configs, relative to the config directory"),
    problemTypeBase: z
      .url()
      .refine((u) => u.endsWith("/") || u.endsWith(":"), "ends with / or :")
      .optional()
      .describe("base of the problem `type` URIs, e.g. https://ozg.example.de/problems/ (a domain you own); default urn:ozg-hub:problem:"),
    admin: z
      .object({
        tokenSha256: z.array(tokenHash).default([]).describe("hashes of the operators' bearer tokens; none: /admin answers 401 to everybody"),
        viewerTokenSha256: z
          .array(tokenHash)
          .default([])
          .describe("hashes of tokens that log in to the console read-only (role viewer: no content downloads, no actions)"),
        sessionMinutes: z.number().int().positive().default(480).describe("lifetime of a console session"),
      })
      .strict()
      .optional()
      .describe("credentials of the admin API under /admin, separate from those of portals and tenants"),
    ...sectionsOf("gateway"),
    status: statusGatewaySchema.default(statusGatewaySchema.parse({})).describe("status events from subscribers and their way back to the portals"),
    database: z
      .object({
        acceptAsyncReplication: z
          .boolean()
          .default(false)
          .describe(
            "acknowledge that the database has no synchronous standby (a single node, or asynchronous replication by choice), so that a failover may lose acknowledged deliveries; silences that warning",
          ),
      })
      .strict()
      .default({ acceptAsyncReplication: false })
      .describe("what ozg-hub expects of its database's replication"),
  })
  .strict();

export const subscriberSchema = z
  .object({
    id,
    kind: z
      .enum(["amqp", ...pullSpecs.map((p) => p.kind)])
      .default("amqp")
      .describe(["amqp: a RabbitMQ queue", ...pullSpecs.map((p) => `${p.kind}: ${p.describe}`)].join("; ")),
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
    ...pullSections,
  })
  .strict();

export const tenantSchema = z
  .object({
    id,
    name: z.string().describe("the authority, as shown to operators"),
    ags: z
      .string()
      .regex(/^\d{8}$/, "an 8-digit Amtlicher Gemeindeschlüssel")
      .optional(),
    ars: z
      .string()
      .regex(/^\d{12}$/, "a 12-digit Amtlicher Regionalschlüssel")
      .optional(),
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
    ...sectionsOf("tenant"),
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
      .describe(
        "per form id (control.formId): canonical field (e.g. applicant.familyName) → names or labels of the form fields to read it from, tried before the mapping's defaults",
      ),
    ...sectionsOf("portal"),
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
export type { KeystoreConfig } from "./fields.ts";
export type StatusGatewayConfig = z.infer<typeof statusGatewaySchema>;
