import { randomBytes } from "node:crypto";
import type { MailboxAddress, MailboxItem } from "../../gateway/index.ts";
import { xtaMessageId, xtaSettings } from "./config.ts";
import { faults } from "./faults.ts";
import { authorRefusal } from "./management.ts";
import { messageMetaData } from "./metadata.ts";
import { NS } from "./ns.ts";
import { refuse, type OperationContext, type OperationHandler, type OperationResult } from "./operation.ts";
import { child, children, esc, text } from "./xml.ts";

/**
 * MsgBoxRequestIDs are stateless iterators: the position after which to continue and the page
 * size, so that any instance can answer getNext*. They carry nothing secret; the box itself is
 * always the authenticated account's.
 */
const ITERATOR = /^urn:de:ozg-hub:msgbox:(\d{1,15}):(\d{1,4}):[0-9a-f]{8}$/;
const iterator = (after: number, limit: number) => `urn:de:ozg-hub:msgbox:${after}:${limit}:${randomBytes(4).toString("hex")}`;
const readIterator = (id: string | null | undefined) => {
  const m = ITERATOR.exec(id ?? "");
  return m ? { after: Number(m[1]), limit: Number(m[2]) } : undefined;
};

const NO_MATCH = "http://www.osci.eu/ws/2008/05/transport/MsgBox/reasons/NoMatch";
const ID_INVALID = "http://www.osci.eu/ws/2008/05/transport/MsgBox/reasons/RequestIdInvalid";

const msgBoxResponse = (requestId: string, pending: number | { none: string }) =>
  `<osci:MsgBoxResponse xmlns:osci="${NS.osci}" MsgBoxRequestID="${esc(requestId)}">` +
  (typeof pending === "number" ? `<osci:ItemsPending>${pending}</osci:ItemsPending>` : `<osci:NoMessageAvailable reason="${pending.none}"/>`) +
  `</osci:MsgBoxResponse>`;

function box(o: OperationContext): MailboxAddress | undefined {
  return o.account.kind === "mailbox" ? { tenantId: o.account.tenant.id, subscriberId: o.account.subscriber.id } : undefined;
}

/** The XTA view of a mailbox item: its MessageID and MessageMetaData. */
function describe(o: OperationContext, item: MailboxItem) {
  const x = xtaSettings(o.ctx.runtime());
  const tenant = o.account.kind === "mailbox" ? o.account.tenant : undefined;
  const leika = item.headers["x-ozg-leika-key"];
  const json = Buffer.from(JSON.stringify(item.payload));
  const messageId = xtaMessageId(x.messageIdPrefix, item.messageId);
  const meta = messageMetaData({
    messageId,
    author: x.identifier,
    reader: tenant?.xtaReaders[0] ?? `ozg-hub:${item.headers["x-ozg-tenant"]}`,
    service: leika ? `urn:de:fim:leika:leistung:${leika}` : "urn:de:ozg-hub:application",
    businessScenario: "ozg-hub application",
    messageType: "application",
    payloadSchema: "urn:de:ozg-hub:cloudevent:de.ozghub.application.received.v1",
    origin: item.createdAt,
    delivery: item.createdAt,
    size: json.byteLength,
  });
  return { messageId, meta, json };
}

function itemId(o: OperationContext, messageId: string): string | undefined {
  const prefix = xtaMessageId(xtaSettings(o.ctx.runtime()).messageIdPrefix, "");
  return messageId.startsWith(prefix) ? messageId.slice(prefix.length) : undefined;
}

/**
 * The application event as Message and the delivery's files as Attachments. Files that would
 * push the reply over the XTA size limit are left out (logged); the event still lists them with
 * id and sha256, so the system can fetch them over the REST API instead.
 */
async function messageReply(o: OperationContext, item: MailboxItem, pending: number): Promise<OperationResult> {
  const d = describe(o, item);
  const limit = xtaSettings(o.ctx.runtime()).maxMessageBytes;
  const total = await o.mailbox.attachmentBytes(item.deliveryId);
  // base64 grows by 4/3; the envelope around it is small.
  const fits = (total + d.json.byteLength) * 4 / 3 + 16_384 <= limit;
  if (!fits) o.ctx.log.warn({ deliveryId: item.deliveryId, messageId: d.messageId, bytes: total }, "attachments exceed the XTA size limit, mailbox message carries the event only");
  const files = fits && total > 0 ? await o.mailbox.attachments(item.deliveryId) : [];
  const attachment = (f: (typeof files)[number]) =>
    `<xta:Attachment contentType="${esc(f.contentType)}" filename="${esc(f.name)}"${f.group ? ` contentDescription="${esc(f.group)}"` : ""}${f.size > 0 ? ` size="${f.size}"` : ""}>${f.bytes.toString("base64")}</xta:Attachment>`;
  return {
    ok: true,
    headers: d.meta + msgBoxResponse(iterator(item.position, 1), pending),
    body:
      `<xta:GenericContentContainer xmlns:xta="${NS.xta}"><xta:ContentContainer>` +
      `<xta:Message contentType="application/cloudevents+json" filename="${esc(item.applicationId)}.json" size="${d.json.byteLength}">${d.json.toString("base64")}</xta:Message>` +
      files.map(attachment).join("") +
      `</xta:ContentContainer></xta:GenericContentContainer>`,
  };
}

const empty = (requestId: string, reason = NO_MATCH): OperationResult => ({ ok: true, headers: msgBoxResponse(requestId, { none: reason }) });

function guard(o: OperationContext): MailboxAddress | OperationResult {
  const address = box(o);
  if (!address) return refuse(faults.notBooked("the msgBox port"));
  return authorRefusal(o) ?? address;
}

async function statusList(o: OperationContext, address: MailboxAddress, after: number, limit: number): Promise<OperationResult> {
  const page = await o.mailbox.list(address, { after, limit });
  if (page.items.length === 0) return empty(iterator(after, limit));
  const last = page.items[page.items.length - 1]!.position;
  return {
    ok: true,
    headers: msgBoxResponse(iterator(last, limit), page.pending),
    body: `<osci:MsgStatusList xmlns:osci="${NS.osci}">${page.items.map((i) => describe(o, i).meta).join("")}</osci:MsgStatusList>`,
  };
}

export const getStatusList: OperationHandler = async (o) => {
  const address = guard(o);
  if ("ok" in address) return address;
  const max = Number(child(o.req.body, NS.osci, "MsgBoxStatusListRequest")?.getAttribute("maxListItems") || 100);
  return statusList(o, address, 0, Math.min(Math.max(1, max), 1000));
};

export const getNextStatusList: OperationHandler = async (o) => {
  const address = guard(o);
  if ("ok" in address) return address;
  const requestId = child(o.req.body, NS.osci, "MsgBoxGetNextRequest")?.getAttribute("MsgBoxRequestID") ?? "";
  const it = readIterator(requestId);
  return it ? statusList(o, address, it.after, it.limit) : empty(requestId || iterator(0, 1), ID_INVALID);
};

/** getMessage: the message named in the MsgSelector, else the oldest one in the box. */
export const getMessage: OperationHandler = async (o) => {
  const address = guard(o);
  if ("ok" in address) return address;
  const selector = child(child(o.req.body, NS.osci, "MsgBoxFetchRequest"), NS.osci, "MsgSelector");
  const wanted = selector ? text(child(selector, NS.wsa, "MessageID")) : undefined;
  if (wanted) {
    const id = itemId(o, wanted);
    const item = id ? await o.mailbox.fetch(address, id) : undefined;
    if (!item) return refuse(faults.unknownMessageId(wanted));
    const rest = await o.mailbox.list(address, { after: item.position, limit: 1 });
    return messageReply(o, item, rest.items.length + rest.pending);
  }
  const page = await o.mailbox.list(address, { limit: 1 });
  const first = page.items[0] && (await o.mailbox.fetch(address, page.items[0].messageId));
  return first ? messageReply(o, first, page.pending) : empty(iterator(0, 1));
};

export const getNextMessage: OperationHandler = async (o) => {
  const address = guard(o);
  if ("ok" in address) return address;
  const requestId = child(o.req.body, NS.osci, "MsgBoxGetNextRequest")?.getAttribute("MsgBoxRequestID") ?? "";
  const it = readIterator(requestId);
  if (!it) return empty(requestId || iterator(0, 1), ID_INVALID);
  const page = await o.mailbox.list(address, { after: it.after, limit: 1 });
  const next = page.items[0] && (await o.mailbox.fetch(address, page.items[0].messageId));
  return next ? messageReply(o, next, page.pending) : empty(requestId);
};

/** close: the listed messages leave the box; until then every fetch offers them again. */
export const close: OperationHandler = async (o) => {
  const address = guard(o);
  if ("ok" in address) return address;
  const request = child(o.req.body, NS.osci, "MsgBoxCloseRequest");
  const received = request ? children(request, NS.osci, "LastMsgReceived").map((e) => (e.textContent ?? "").trim()) : [];
  if (received.length === 0) return refuse(faults.missingParameter("MsgBoxCloseRequest/LastMsgReceived"));
  const ids = received.map((m) => itemId(o, m));
  const r = await o.mailbox.close(address, ids.filter((i): i is string => i !== undefined));
  const unknown = received.filter((_, i) => ids[i] === undefined || r.unknown.includes(ids[i]!));
  return unknown.length > 0 ? refuse(faults.unknownMessageId(unknown.join(" "))) : { ok: true };
};
