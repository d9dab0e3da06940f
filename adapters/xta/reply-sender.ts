import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createSecureContext } from "node:tls";
import type { CertificateSource, ConfigProblem, HubConfig, PortalConfig, PortalNotification, Prepared } from "../../gateway/index.ts";
import { messageOf } from "../../gateway/index.ts";
import { createXtaClient, XtaFaultError, type OutgoingMessage, type XtaClient } from "./client.ts";
import { xtaMessageId, type XtaGatewayConfig, type XtaReplyServerConfig } from "./config.ts";
import { messageMetaData } from "./metadata.ts";

/** How a status reply is qualified in its MessageMetaData (the same in the msgBox and when sent). */
export const STATUS_REPLY = {
  service: "urn:de:ozg-hub:status",
  businessScenario: "ozg-hub status",
  messageType: "status",
  payloadSchema: "urn:de:ozg-hub:cloudevent:de.ozghub.portal.status.v1",
} as const;

/** The Bescheid of a status, as bytes with its name and type. */
export interface ReplyDocument {
  name: string;
  contentType: string;
  bytes: Buffer;
}

/**
 * A portal status event split for protocols that carry files beside the message: the event as
 * JSON whose document keeps name, type, size and sha256 but not the bytes, and the Bescheid
 * itself, which travels as an attachment.
 */
export function statusReplyParts(payload: Record<string, unknown>): { json: Buffer; document?: ReplyDocument } {
  const data = (payload.data ?? {}) as { document?: { name?: string; contentType?: string; content?: string } & Record<string, unknown> };
  const doc = data.document;
  if (!doc?.content) return { json: Buffer.from(JSON.stringify(payload)) };
  const { content, ...described } = doc;
  const bytes = Buffer.from(content, "base64");
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const json = Buffer.from(JSON.stringify({ ...payload, data: { ...data, document: { ...described, size: bytes.byteLength, sha256 } } }));
  return { json, document: { name: doc.name ?? "bescheid", contentType: doc.contentType ?? "application/octet-stream", bytes } };
}

/** The parties of a reply: ozg-hub writes, the portal's author of the original delivery reads. */
export function replyParties(xta: XtaGatewayConfig, portal: PortalConfig, server: XtaReplyServerConfig, delivery: PortalNotification["delivery"]) {
  const original = (delivery.metadata?.xta ?? {}) as { author?: string };
  const reader = server.reader ?? original.author ?? portal.xta?.authorIdentifiers[0];
  if (!reader) throw new Error(`no Reader for a reply to portal ${portal.id}: the delivery names no XTA author and the portal none`);
  return { author: server.author ?? xta.identifier, reader };
}

/**
 * The sendMessage of one notification: the status event as Message, the Bescheid as Attachment.
 * A Bescheid that would push the request over `xta.maxMessageBytes` is left out (as in the
 * msgBox): the event still describes it with name, size and sha256.
 */
export function replyMessage(xta: XtaGatewayConfig, portal: PortalConfig, server: XtaReplyServerConfig, n: PortalNotification, now: Date) {
  const parts = statusReplyParts(n.payload);
  const { json } = parts;
  // base64 grows by 4/3; the envelope around it is small.
  const fits = !parts.document || ((parts.document.bytes.byteLength + json.byteLength) * 4) / 3 + 16_384 <= xta.maxMessageBytes;
  const document = fits ? parts.document : undefined;
  const parties = replyParties(xta, portal, server, n.delivery);
  const messageId = xtaMessageId(xta.messageIdPrefix, n.messageId);
  const applicationId = ((n.payload.data ?? {}) as { applicationId?: string }).applicationId;
  const message: OutgoingMessage = {
    metaData: messageMetaData({
      messageId,
      ...parties,
      ...STATUS_REPLY,
      origin: now,
      size: json.byteLength,
      ...(n.delivery.sourceMessageId ? { inReplyTo: n.delivery.sourceMessageId } : {}),
    }),
    message: { contentType: "application/cloudevents+json", filename: `${applicationId || n.messageId}.json`, bytes: json },
    attachments: document ? [{ contentType: document.contentType, filename: document.name, bytes: document.bytes }] : [],
  };
  return { messageId, ...parties, message, ...(fits ? {} : { omittedBytes: parts.document!.bytes.byteLength }) };
}

/** ozg-hub's TLS client identity for one portal's XTA server, read from the config's files. */
export interface ReplyTls {
  pfx: Buffer;
  passphrase?: string;
  ca?: Buffer;
}

/**
 * The XTA way back's prepare step: reads the PKCS#12 (and opens it with its passphrase) and the
 * CA file of every portal's `xta.replyServer`, so that a wrong path or passphrase is a config
 * problem at start or reload rather than a failing reply.
 */
export function prepareXtaReplies(config: HubConfig): Prepared<Map<string, ReplyTls>> {
  const problems: ConfigProblem[] = [];
  const out = new Map<string, ReplyTls>();
  const certificates: CertificateSource[] = [];
  for (const p of config.portals) {
    const server = p.xta?.replyServer;
    if (!server) continue;
    certificates.push({ use: `XTA reply server of portal ${p.id}`, file: server.pkcs12File, pkcs12: { passphraseEnv: server.pkcs12PassphraseEnv } });
    const at = (field: string) => (err: unknown) => problems.push({ file: `portals/${p.id}`, path: `xta.replyServer.${field}`, message: messageOf(err) });
    const passphrase = server.pkcs12PassphraseEnv ? process.env[server.pkcs12PassphraseEnv] : undefined;
    let tls: ReplyTls | undefined;
    try {
      tls = { pfx: readFileSync(path.resolve(config.dir, server.pkcs12File)), ...(passphrase !== undefined ? { passphrase } : {}) };
      createSecureContext({ pfx: tls.pfx, passphrase: passphrase ?? "" });
    } catch (err) {
      at("pkcs12File")(err);
      tls = undefined;
    }
    try {
      if (tls && server.caFile) tls.ca = readFileSync(path.resolve(config.dir, server.caFile));
    } catch (err) {
      at("caFile")(err);
      tls = undefined;
    }
    if (tls) out.set(p.id, tls);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, settings: out, certificates };
}

/** The Fehlernummer of "MessageID has been used before": the server has this reply already. */
const DUPLICATE_MESSAGE_ID = "9024";

/**
 * The `xta-client` sender: sends a status reply to the portal's own XTA server (its `xta.replyServer`)
 * with sendMessage, ozg-hub as client with its TLS certificate. A fault or an unreachable server
 * throws (the dispatcher retries with backoff). The MessageID is derived from the notification's,
 * so a repeat after a lost answer is recognised by the server; its "MessageID used before" means
 * the reply arrived.
 */
export function createXtaReplySender(deps: {
  portal: (id: string) => PortalConfig | undefined;
  xta: () => XtaGatewayConfig;
  tls: () => Map<string, ReplyTls>;
  clock?: () => Date;
}) {
  const clients = new Map<string, { key: string; tls: ReplyTls; client: Promise<XtaClient> }>();

  const clientFor = (xta: XtaGatewayConfig, portal: PortalConfig, server: XtaReplyServerConfig): Promise<XtaClient> => {
    const tls = deps.tls().get(portal.id);
    if (!tls) throw new Error(`the TLS identity for portal ${portal.id}'s XTA server is not loaded`);
    const key = JSON.stringify(server);
    const cached = clients.get(portal.id);
    // A reload reads the files again: a renewed certificate makes a new client.
    if (cached?.key === key && cached.tls === tls) return cached.client;
    const client = createXtaClient({
      sendUrl: server.sendUrl,
      ...tls,
      author: server.author ?? xta.identifier,
      timeoutMs: server.timeoutMs,
    });
    // A client that could not be made is not kept: the next attempt tries again.
    client.catch(() => clients.delete(portal.id));
    clients.set(portal.id, { key, tls, client });
    return client;
  };

  return async function sendXtaReply(n: PortalNotification): Promise<Record<string, unknown>> {
    const xta = deps.xta();
    const portal = deps.portal(n.portalId);
    const server = portal?.xta?.replyServer;
    if (!portal || !server) throw new Error(`portal ${n.portalId} has no xta.replyServer configured`);
    const reply = replyMessage(xta, portal, server, n, deps.clock?.() ?? new Date());
    const detail = {
      messageId: reply.messageId,
      reader: reply.reader,
      server: server.sendUrl,
      ...(reply.omittedBytes ? { documentOmitted: `${reply.omittedBytes} bytes exceed xta.maxMessageBytes` } : {}),
    };
    try {
      await (await clientFor(xta, portal, server)).sendMessage(reply.message, { signal: n.signal });
    } catch (err) {
      if (err instanceof XtaFaultError && err.code === DUPLICATE_MESSAGE_ID) return { ...detail, alreadyThere: true };
      throw err;
    }
    return detail;
  };
}
