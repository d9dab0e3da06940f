/**
 * The public face of the core for adapters. Adapters import from here and nowhere else in
 * gateway/; the core never imports an adapter.
 */
export type {
  Adapter,
  AdapterContext,
  AdapterFactory,
  Channel,
  DeliveryStatus,
  Gateway,
  InboundAttachment,
  InboundDelivery,
  InboundDocument,
  IntakeResult,
  Prepared,
  Problem,
  Receipt,
  StatusReport,
  TransportRecipient,
} from "./contract.ts";
export type { PortalConfig, TenantConfig, SubscriberConfig } from "./config/schema.ts";
export type { Runtime } from "./runtime.ts";
export type { Logger } from "./logger.ts";
export type { Application } from "./mapping/canonical.ts";
export { applicationSchema } from "./mapping/canonical.ts";
export { formatPath } from "./config/load.ts";
export { problem, type ProblemDetails } from "./http/problem.ts";
export { readBody } from "./http/body.ts";
export { clientFingerprint, type TrustedProxy } from "./http/client-certificate.ts";
export { type HttpsSettings } from "./http/https-listener.ts";
export { httpsService } from "./http/https-service.ts";
export { problemInGateway, type ConfigProblem } from "./config/load.ts";
export { parseXml, hasDoctype } from "./mapping/xml.ts";
export { parseDom, esc, children, child, path, text, type DomParse } from "./dom.ts";
export { sha256Hex } from "./auth/portals.ts";
export { isOutage, messageOf, OutageError } from "./errors.ts";
export { channels } from "./contract.ts";
export { createMailbox, type Mailbox, type MailboxAddress, type MailboxItem, type MailboxPage } from "./mailbox/mailbox.ts";
export { createReplyBox, type ReplyBox, type ReplyFile } from "./mailbox/replies.ts";
export { deliveryControl, type CancelResult, type DeliveryControl, type DeliveryRef } from "./status/control.ts";
export type { Store } from "./store/db.ts";
export { findDeliveryMetadata, findReceipt } from "./intake/receipts.ts";
export { isZip, openXdomeaContainer, type XdomeaContainer } from "./intake/xdomea-container.ts";
export { webhookEndpoints, type WebhookEndpointStatus } from "./notify/endpoints.ts";
