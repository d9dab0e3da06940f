import { randomBytes } from "node:crypto";
import type { MailboxItem, MailboxPage } from "../../gateway/index.ts";
import { XTA_MAILBOX } from "./way-back.ts";
import { xtaMessageId } from "./config.ts";
import { faults } from "./faults.ts";
import { authorRefusal } from "./management.ts";
import { messageMetaData } from "./metadata.ts";
import { NS } from "./ns.ts";
import { STATUS_REPLY } from "./reply-sender.ts";
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

/** The file parts of a mailbox message, with their bytes. */
type File = { name: string; contentType: string; group?: string | null; size: number; bytes: Buffer };

/**
 * What the msgBox port serves to the authenticated account: a tenant system's box of new
 * applications, or a portal's box of status replies to what it sent. The operations below
 * work on either.
 */
interface Box {
  list(opts: { limit: number; after?: number }): Promise<MailboxPage>;
  fetch(messageId: string): Promise<MailboxItem | undefined>;
  close(messageIds: string[]): Promise<{ closed: string[]; unknown: string[] }>;
  /** Files to carry as Attachments (or nothing when they would exceed `limit`), and the Message itself. */
  content(item: MailboxItem, limit: number): Promise<{ json: Buffer; files: File[]; skipped: number }>;
  meta(item: MailboxItem): { reader: string; service: string; businessScenario: string; messageType: string; payloadSchema: string };
}

function boxOf(o: OperationContext): Box | undefined {
  const a = o.account;
  if (a.kind === "mailbox") {
    const address = { tenantId: a.tenant.id, subscriberId: a.subscriber.id, kind: a.subscriber.kind };
    return {
      list: (opts) => o.ctx.gateway.mailbox.list(address, opts),
      fetch: (id) => o.ctx.gateway.mailbox.fetch(address, id),
      close: (ids) => o.ctx.gateway.mailbox.close(address, ids),
      async content(item, limit) {
        const json = Buffer.from(JSON.stringify(item.payload));
        const total = await o.ctx.gateway.mailbox.attachmentBytes(item.deliveryId);
        // base64 grows by 4/3; the envelope around it is small.
        const fits = ((total + json.byteLength) * 4) / 3 + 16_384 <= limit;
        return { json, files: fits && total > 0 ? await o.ctx.gateway.mailbox.attachments(item.deliveryId) : [], skipped: fits ? 0 : total };
      },
      meta(item) {
        const leika = item.headers["x-ozg-leika-key"];
        return {
          reader: a.tenant.xtaReaders[0] ?? `ozg-hub:${item.headers["x-ozg-tenant"]}`,
          service: leika ? `urn:de:fim:leika:leistung:${leika}` : "urn:de:ozg-hub:application",
          businessScenario: "ozg-hub application",
          messageType: "application",
          payloadSchema: "urn:de:ozg-hub:cloudevent:de.ozghub.application.received.v1",
        };
      },
    };
  }
  const portalId = a.portal.id;
  return {
    list: (opts) => o.ctx.gateway.replies(XTA_MAILBOX).list(portalId, opts),
    fetch: (id) => o.ctx.gateway.replies(XTA_MAILBOX).fetch(portalId, id),
    close: (ids) => o.ctx.gateway.replies(XTA_MAILBOX).close(portalId, ids),
    async content(item, limit) {
      // The Bescheid travels as an Attachment; the Message keeps its name, size and sha256.
      const payload = item.payload as { data: { document?: Record<string, unknown> } };
      const { content: _c, ...described } = payload.data.document ?? {};
      const json = Buffer.from(JSON.stringify(payload.data.document ? { ...payload, data: { ...payload.data, document: described } } : payload));
      const doc = await o.ctx.gateway.replies(XTA_MAILBOX).document(item.messageId);
      const fits = !doc || ((doc.size + json.byteLength) * 4) / 3 + 16_384 <= limit;
      return { json, files: doc && fits ? [doc] : [], skipped: fits ? 0 : doc.size };
    },
    meta: () => ({ reader: a.authors[0] ?? `ozg-hub:${portalId}`, ...STATUS_REPLY }),
  };
}

/** The XTA view of a mailbox item: its MessageID and MessageMetaData. */
function describe(o: OperationContext, box: Box, item: MailboxItem, size: number) {
  const x = o.settings.gateway;
  const messageId = xtaMessageId(x.messageIdPrefix, item.messageId);
  const meta = messageMetaData({ messageId, author: x.identifier, ...box.meta(item), origin: item.createdAt, delivery: item.createdAt, size });
  return { messageId, meta };
}

function itemId(o: OperationContext, messageId: string): string | undefined {
  const prefix = xtaMessageId(o.settings.gateway.messageIdPrefix, "");
  return messageId.startsWith(prefix) ? messageId.slice(prefix.length) : undefined;
}

/**
 * The event as Message and the files as Attachments. Files that would push the reply over the
 * XTA size limit are left out (logged); the event still lists them with id and sha256, so the
 * receiver can fetch them over the REST API instead.
 */
async function messageReply(o: OperationContext, box: Box, item: MailboxItem, pending: number): Promise<OperationResult> {
  const { json, files, skipped } = await box.content(item, o.settings.gateway.maxMessageBytes);
  const d = describe(o, box, item, json.byteLength);
  if (skipped > 0)
    o.ctx.log.warn(
      { deliveryId: item.deliveryId, messageId: d.messageId, bytes: skipped },
      "attachments exceed the XTA size limit, mailbox message carries the event only",
    );
  const attachment = (f: File) =>
    `<xta:Attachment contentType="${esc(f.contentType)}" filename="${esc(f.name)}"${f.group ? ` contentDescription="${esc(f.group)}"` : ""}${f.size > 0 ? ` size="${f.size}"` : ""}>${f.bytes.toString("base64")}</xta:Attachment>`;
  return {
    ok: true,
    headers: d.meta + msgBoxResponse(iterator(item.position, 1), pending),
    body:
      `<xta:GenericContentContainer xmlns:xta="${NS.xta}"><xta:ContentContainer>` +
      `<xta:Message contentType="application/cloudevents+json" filename="${esc(item.applicationId || item.messageId)}.json" size="${json.byteLength}">${json.toString("base64")}</xta:Message>` +
      files.map(attachment).join("") +
      `</xta:ContentContainer></xta:GenericContentContainer>`,
  };
}

const empty = (requestId: string, reason = NO_MATCH): OperationResult => ({ ok: true, headers: msgBoxResponse(requestId, { none: reason }) });

function guard(o: OperationContext): Box | OperationResult {
  const box = boxOf(o);
  if (!box) return refuse(faults.notBooked("the msgBox port"));
  return authorRefusal(o) ?? box;
}

async function statusList(o: OperationContext, box: Box, after: number, limit: number): Promise<OperationResult> {
  const page = await box.list({ after, limit });
  if (page.items.length === 0) return empty(iterator(after, limit));
  const last = page.items[page.items.length - 1]!.position;
  return {
    ok: true,
    headers: msgBoxResponse(iterator(last, limit), page.pending),
    body: `<osci:MsgStatusList xmlns:osci="${NS.osci}">${page.items.map((i) => describe(o, box, i, Buffer.byteLength(JSON.stringify(i.payload))).meta).join("")}</osci:MsgStatusList>`,
  };
}

export const getStatusList: OperationHandler = async (o) => {
  const box = guard(o);
  if ("ok" in box) return box;
  const max = Number(child(o.req.body, NS.osci, "MsgBoxStatusListRequest")?.getAttribute("maxListItems") || 100);
  return statusList(o, box, 0, Math.min(Math.max(1, max), 1000));
};

export const getNextStatusList: OperationHandler = async (o) => {
  const box = guard(o);
  if ("ok" in box) return box;
  const requestId = child(o.req.body, NS.osci, "MsgBoxGetNextRequest")?.getAttribute("MsgBoxRequestID") ?? "";
  const it = readIterator(requestId);
  return it ? statusList(o, box, it.after, it.limit) : empty(requestId || iterator(0, 1), ID_INVALID);
};

/** getMessage: the message named in the MsgSelector, else the oldest one in the box. */
export const getMessage: OperationHandler = async (o) => {
  const box = guard(o);
  if ("ok" in box) return box;
  const selector = child(child(o.req.body, NS.osci, "MsgBoxFetchRequest"), NS.osci, "MsgSelector");
  const wanted = selector ? text(child(selector, NS.wsa, "MessageID")) : undefined;
  if (wanted) {
    const id = itemId(o, wanted);
    const item = id ? await box.fetch(id) : undefined;
    if (!item) return refuse(faults.unknownMessageId(wanted));
    const rest = await box.list({ after: item.position, limit: 1 });
    return messageReply(o, box, item, rest.items.length + rest.pending);
  }
  const page = await box.list({ limit: 1 });
  const first = page.items[0] && (await box.fetch(page.items[0].messageId));
  return first ? messageReply(o, box, first, page.pending) : empty(iterator(0, 1));
};

export const getNextMessage: OperationHandler = async (o) => {
  const box = guard(o);
  if ("ok" in box) return box;
  const requestId = child(o.req.body, NS.osci, "MsgBoxGetNextRequest")?.getAttribute("MsgBoxRequestID") ?? "";
  const it = readIterator(requestId);
  if (!it) return empty(requestId || iterator(0, 1), ID_INVALID);
  const page = await box.list({ after: it.after, limit: 1 });
  const next = page.items[0] && (await box.fetch(page.items[0].messageId));
  return next ? messageReply(o, box, next, page.pending) : empty(requestId);
};

/** close: the listed messages leave the box; until then every fetch offers them again. */
export const close: OperationHandler = async (o) => {
  const box = guard(o);
  if ("ok" in box) return box;
  const request = child(o.req.body, NS.osci, "MsgBoxCloseRequest");
  const received = request ? children(request, NS.osci, "LastMsgReceived").map((e) => (e.textContent ?? "").trim()) : [];
  if (received.length === 0) return refuse(faults.missingParameter("MsgBoxCloseRequest/LastMsgReceived"));
  const ids = received.map((m) => itemId(o, m));
  const r = await box.close(ids.filter((i): i is string => i !== undefined));
  const unknown = received.filter((_, i) => ids[i] === undefined || r.unknown.includes(ids[i]!));
  return unknown.length > 0 ? refuse(faults.unknownMessageId(unknown.join(" "))) : { ok: true };
};
