/**
 * The public face of the core for adapters: exactly what they use. Adapters import from here
 * and nowhere else in gateway/ (their config.ts files excepted, which take the shared
 * building blocks from gateway/config/fields.ts); the core never imports an adapter's code.
 */
export type {
  Adapter,
  AdapterContext,
  AdapterFactory,
  Channel,
  DeliveryStatus,
  InboundAttachment,
  InboundDelivery,
  InboundDocument,
  IntakeResult,
  PortalNotification,
  Prepared,
  Receipt,
  TransportRecipient,
  WayBack,
  WayBackChoice,
} from "./contract.ts";
export type { PortalConfig, TenantConfig, SubscriberConfig } from "./config/schema.ts";
export type { Runtime } from "./runtime.ts";
export type { Logger } from "./logger.ts";
export { applicationSchema } from "./mapping/canonical.ts";
export { formatPath } from "./config/load.ts";
export { problem } from "./http/problem.ts";
export { readBody } from "./http/body.ts";
export { clientFingerprint } from "./http/client-certificate.ts";
export { httpsService } from "./http/https-service.ts";
export { problemInGateway, type ConfigProblem } from "./config/load.ts";
export { hasDoctype } from "./mapping/xml.ts";
export { parseDom, esc, children, child, path, text, type DomParse } from "./dom.ts";
export { sha256Hex } from "./auth/portals.ts";
export { isOutage, messageOf, OutageError } from "./errors.ts";
export { createMailbox, type Mailbox, type MailboxItem, type MailboxPage } from "./mailbox/mailbox.ts";
export { createReplyBox, type ReplyBox } from "./mailbox/replies.ts";
export { deliveryControl, type DeliveryControl } from "./status/control.ts";
export type { Store } from "./store/db.ts";
export { findDeliveryMetadata } from "./intake/receipts.ts";
export { isZip, openXdomeaContainer } from "./intake/xdomea-container.ts";
export { portalEndpoints } from "./notify/endpoints.ts";
export { webhookHeaders } from "./notify/signature.ts";
export { AdvisoryLease } from "./store/lease.ts";
