import { z } from "zod";
import { byteSize, id } from "./fields.ts";

/**
 * The config spec of the core. Every file under the config directory is parsed by one of these
 * schemas, extended by the sections of the registered adapters (`composeConfigSpec`), at start
 * and by `ozg-hub config check`; `.describe()` texts are the reference in README.
 */

const leikaKey = z.string().regex(/^\d{14}$/, "a 14-digit LeiKa key");

const tokenHash = z.string().regex(/^[0-9a-f]{64}$/, "hex sha256 of the bearer token");

/* eslint-disable @typescript-eslint/no-empty-object-type -- filled in by declaration merging */
/**
 * The adapters' sections of each kind of config file, by adapter: empty here, because the core
 * knows no adapter. The adapter registry (`adapters/index.ts`) fills them in by declaration
 * merging, from the same specs whose schemas it composes, so an adapter reads its own section
 * typed while the core compiles, runs and is tested without any adapter.
 */
export interface GatewaySections {}
export interface PortalSections {}
export interface TenantSections {}
export interface SubscriberSections {}
/* eslint-enable @typescript-eslint/no-empty-object-type */

export const limitsSchema = z
  .object({
    documentBytes: byteSize.default(10 * 1024 ** 2).describe("largest primary document (JSON, XML) per delivery"),
    attachmentBytes: byteSize.default(250 * 1024 ** 2).describe("largest single attachment"),
    deliveryBytes: byteSize.default(300 * 1024 ** 2).describe("largest delivery, document and attachments together"),
    attachments: z.number().int().positive().default(100).describe("most attachments per delivery"),
    xmlDepth: z.number().int().positive().default(64).describe("deepest element nesting accepted in XML documents"),
    jsonDepth: z
      .number()
      .int()
      .positive()
      .default(64)
      .describe("deepest nesting of arrays and objects accepted in JSON documents (an OZG-Cloud form group takes two levels)"),
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

/** gateway.yaml without the adapters' sections; defaults of the core read from it. */
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
        publicUrl: z
          .url({ protocol: /^amqps?$/ })
          .optional()
          .describe(
            "the broker as subscribers reach it (amqp[s]://host:port/vhost), named in the served AsyncAPI document when it differs from AMQP_URL; credentials in it are never shown",
          ),
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
        oidc: z
          .object({
            issuer: z
              .string()
              .url()
              .describe("the identity provider's issuer URL, e.g. https://keycloak.example/realms/kommune (https; http only on loopback)"),
            clientId: z.string().min(1),
            clientSecretEnv: z
              .string()
              .regex(/^[A-Z_][A-Z0-9_]*$/)
              .optional()
              .describe("environment variable with the client secret (confidential client); none: a public client, protected by PKCE alone"),
            redirectUri: z.string().url().optional().describe("the callback as registered at the provider; default <this origin>/admin/login/sso/callback"),
            scopes: z.array(z.string()).default(["openid", "profile", "email"]),
            roleClaim: z
              .string()
              .default("realm_access.roles")
              .describe("dotted path of the claim that lists the person's roles or groups (Keycloak: realm_access.roles; groups)"),
            operatorRoles: z.array(z.string()).min(1).describe("any of these in the role claim: role operator"),
            viewerRoles: z.array(z.string()).default([]).describe("any of these (and none of operatorRoles): role viewer; nobody else gets in"),
            label: z.string().default("Single Sign-On").describe("the provider's name on the login button"),
          })
          .strict()
          .optional()
          .describe("single sign-on by OpenID Connect (authorization code with PKCE); tokens keep working beside it"),
        rabbitmqManagement: z
          .object({
            url: z.string().url().describe("base URL of the RabbitMQ management HTTP API, e.g. http://rabbitmq:15672"),
            vhost: z.string().default("/"),
            credentialsEnv: z
              .string()
              .regex(/^[A-Z_][A-Z0-9_]*$/)
              .describe("environment variable holding user:password of a management user (monitoring tag is enough)"),
          })
          .strict()
          .optional()
          .describe("the console's broker view reads queue depth, unacknowledged and consumers here; without it: depth and consumers over AMQP"),
      })
      .strict()
      .optional()
      .describe("credentials of the admin API under /admin, separate from those of portals and tenants"),
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

/** What the registered adapters add to the core's schemas (see `composeConfigSpec`). */
export interface Extensions {
  /** The delivery channels, and those a portal may use when its file names none. */
  channels: readonly string[];
  defaultChannels: readonly string[];
  /** Subscriber kinds served as mailboxes by adapters, beside `amqp`. */
  pullKinds: readonly { kind: string; describe: string }[];
  /** Each file's optional sections, keyed by adapter. */
  sections: Record<"gateway" | "portal" | "tenant" | "subscriber", Record<string, z.ZodType>>;
}

function subscriberCore(x: Extensions) {
  return z
    .object({
      id,
      kind: z
        .enum(["amqp", ...x.pullKinds.map((p) => p.kind)])
        .default("amqp")
        .describe(["amqp: a RabbitMQ queue", ...x.pullKinds.map((p) => `${p.kind}: ${p.describe}`)].join("; ")),
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
    })
    .strict();
}

function tenantCore(x: Extensions) {
  return z
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
      subscribers: z.array(subscriberCore(x).extend(x.sections.subscriber)).min(1).describe("systems that receive this tenant's applications"),
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
    })
    .strict();
}

function portalCore(x: Extensions) {
  const [first, ...rest] = x.channels;
  const channel = first === undefined ? z.never() : z.enum([first, ...rest]);
  return z
    .object({
      id,
      name: z.string(),
      tokenSha256: z
        .array(z.string().regex(/^[0-9a-f]{64}$/, "hex sha256 of the bearer token"))
        .default([])
        .describe("hashes of the bearer tokens this portal authenticates with (several during rotation)"),
      channels: z
        .array(channel)
        .default([...x.defaultChannels])
        .describe(`intakes this portal may use; default ${x.defaultChannels.join(", ") || "none"}`),
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
}

/**
 * The schemas of the config files, the core's fields extended by the adapters' sections. Typed
 * by what the core reads: the adapters' sections are typed where the registry declares them.
 */
export function configSchemas(x: Extensions) {
  return {
    gateway: gatewaySchema.extend(x.sections.gateway) as unknown as z.ZodType<GatewayConfig>,
    tenant: tenantCore(x).extend(x.sections.tenant) as unknown as z.ZodType<TenantConfig>,
    portal: portalCore(x).extend(x.sections.portal) as unknown as z.ZodType<PortalConfig>,
  };
}

type CoreSubscriber = z.output<ReturnType<typeof subscriberCore>>;
type CoreTenant = z.output<ReturnType<typeof tenantCore>>;

export type GatewayConfig = z.infer<typeof gatewaySchema> & GatewaySections;
export type Limits = z.infer<typeof limitsSchema>;
export type SubscriberConfig = CoreSubscriber & SubscriberSections;
export type TenantConfig = Omit<CoreTenant, "subscribers"> & TenantSections & { subscribers: SubscriberConfig[] };
export type PortalConfig = z.output<ReturnType<typeof portalCore>> & PortalSections;
export type { KeystoreConfig } from "./fields.ts";
export type StatusGatewayConfig = z.infer<typeof statusGatewaySchema>;
