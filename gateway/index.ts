/**
 * The public face of the core for adapters: exactly what they use. Adapters import from here
 * and nowhere else in gateway/ (their config.ts files excepted, which take the shared
 * building blocks from gateway/config/fields.ts, and the registry, which composes their specs
 * with gateway/config/compose.ts). The core imports no adapter: the composition root
 * (cli/hub.ts) hands it the composed config spec and the built adapters.
 */
export type {
  Adapter,
  AdapterContext,
  AdapterFactory,
  CertificateSource,
  Channel,
  DeliveryStatus,
  Gateway,
  InboundAttachment,
  InboundDelivery,
  InboundDocument,
  IntakeResult,
  Lease,
  OwnTables,
  Timeline,
  PortalNotification,
  Prepared,
  PrepareStep,
  Receipt,
  StatusDocument,
  StoredAttachment,
  StoredDocument,
  TransportRecipient,
  ContentSignature,
  WayBack,
  WayBackChoice,
} from "./contract.ts";
export type { PortalConfig, TenantConfig, SubscriberConfig } from "./config/schema.ts";
export type { HubConfig } from "./config/load.ts";
export type { Logger } from "./logger.ts";
export { applicationSchema } from "./mapping/canonical.ts";
export { formatPath } from "./config/load.ts";
export { problem } from "./http/problem.ts";
export { declaresMore, readBody } from "./http/body.ts";
export { parseJson } from "./mapping/json.ts";
export { clientFingerprint } from "./http/client-certificate.ts";
export { httpsService } from "./http/https-service.ts";
export { problemInGateway, type ConfigProblem } from "./config/load.ts";
export { hasDoctype } from "./mapping/xml.ts";
export { parseDom, esc, children, child, path, text, type DomParse } from "./dom.ts";
export { sha256Hex } from "./auth/portals.ts";
export { isOutage, messageOf, OutageError, outageDetail } from "./errors.ts";
export type { MailboxItem, MailboxPage } from "./mailbox/mailbox.ts";
export { isZip, openXdomeaContainer } from "./intake/xdomea-container.ts";
export { webhookHeaders } from "./notify/signature.ts";
export { adapterCounter } from "./metrics.ts";
export { BackgroundLoop, backoffMs, logsFailure } from "./loop.ts";
