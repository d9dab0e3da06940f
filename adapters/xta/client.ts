import { randomUUID } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import soap from "soap";
import type { Element } from "@xmldom/xmldom";
import { readMessageMetaData, type XtaMeta } from "./metadata.ts";
import { NS } from "./ns.ts";
import { child, children, esc, parseEnvelope, path as xpath, text } from "./xml.ts";

/** The official WSDL (adapters/xta/schema, unchanged), which drives the client. */
export const XTA_WSDL = path.join(path.dirname(fileURLToPath(import.meta.url)), "schema/XTA.wsdl");

export interface XtaClientOptions {
  /** The ports this client talks to; each is set up at its first use. */
  managementUrl?: string;
  msgBoxUrl?: string;
  sendUrl?: string;
  pfx: Buffer;
  passphrase?: string;
  ca?: Buffer;
  /** Our identifier at that server, sent as oscimeta:Author. */
  author: string;
  /** Longest wait for one reply (a hung server must not hold the poller, nor its stop). */
  timeoutMs?: number;
  /** Sees every request and reply as XML (audits, tests). */
  onXml?: (kind: "request" | "reply", xml: string) => void;
}

/** A fault answered by the XTA server: its exception type and Fehlernummer. */
export class XtaFaultError extends Error {
  override readonly name = "XtaFaultError";
  constructor(
    readonly exception: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface FetchedMessage {
  meta: XtaMeta;
  requestId: string;
  message: { contentType: string; filename?: string; bytes: Buffer };
  attachments: { contentType: string; filename?: string; description?: string; bytes: Buffer }[];
}

type SoapClient = soap.Client & Record<string, (args: unknown, options?: unknown) => Promise<[unknown, string, unknown, string]>>;

function faultOf(body: string | undefined): XtaFaultError | undefined {
  const parsed = body ? parseEnvelope(body) : undefined;
  if (!parsed?.ok) return undefined;
  const fault = xpath(parsed.doc.documentElement!, [NS.s12, "Body"], [NS.s12, "Fault"]);
  if (!fault) return undefined;
  const exception = children(child(fault, NS.s12, "Detail") ?? fault)[0];
  const code = text(xpath(exception, [NS.xta, "errorCode"], ["", "code"])) ?? "";
  const reason = text(xpath(fault, [NS.s12, "Reason"], [NS.s12, "Text"])) ?? "SOAP fault";
  return new XtaFaultError(exception?.localName ?? "Fault", code, `${exception?.localName ?? "Fault"} ${code}: ${reason}`);
}

/**
 * An XTA 2 client built by the `soap` package from the official WSDL: SOAP 1.2, WS-Addressing
 * headers on every request, the TLS client certificate from a PKCS#12 file. Replies are read
 * with ozg-hub's own namespace-aware parser, because the msgBox answers carry what matters
 * (MsgBoxResponse, MessageMetaData) in SOAP headers.
 */
export async function createXtaClient(o: XtaClientOptions) {
  const security = new soap.ClientSSLSecurityPFX(o.pfx, o.passphrase ?? "", { ...(o.ca ? { ca: o.ca } : {}), forever: true });
  // The send port carries the message's MessageMetaData as its header instead of an Author;
  // the header function finds it by the call's argument object (calls may overlap).
  const metaFor = new WeakMap<object, string>();
  const make = async (endpoint: string) => {
    // parseReponseAttachments (sic): MTOM replies, in which servers often carry the Message and Attachments.
    const client = (await soap.createClientAsync(XTA_WSDL, {
      forceSoap12Headers: true,
      endpoint,
      parseReponseAttachments: true,
    } as soap.IOptions)) as SoapClient;
    client.setSecurity(security);
    if (o.onXml) {
      client.on("request", (xml: string) => o.onXml!("request", xml));
      client.on("response", (xml: string) => xml && o.onXml!("reply", xml));
    }
    client.addSoapHeader(
      (_method: unknown, location: string, action: string, args: unknown) =>
        `<wsa:Action xmlns:wsa="${NS.wsa}">${esc(action)}</wsa:Action><wsa:MessageID xmlns:wsa="${NS.wsa}">urn:uuid:${randomUUID()}</wsa:MessageID><wsa:To xmlns:wsa="${NS.wsa}">${esc(location)}</wsa:To>` +
        ((args && typeof args === "object" && metaFor.get(args)) ||
          `<oscimeta:Author xmlns:oscimeta="${NS.oscimeta}"><oscimeta:Identifier type="xoev">${esc(o.author)}</oscimeta:Identifier></oscimeta:Author>`),
    );
    return client;
  };
  const port = (name: string, url: string | undefined) => {
    let client: Promise<SoapClient> | undefined;
    return () => {
      if (!url) throw new Error(`the XTA client has no ${name} URL`);
      client ??= make(url).catch((err: unknown) => {
        client = undefined;
        throw err;
      });
      return client;
    };
  };
  const management = port("management", o.managementUrl);
  const msgBox = port("msgBox", o.msgBoxUrl);
  const send = port("send", o.sendUrl);
  if (o.managementUrl) await management();
  if (o.msgBoxUrl) await msgBox();

  /** Calls an operation; returns the reply envelope's Header and Body, or throws the server's fault. */
  async function call(
    client: SoapClient,
    op: string,
    args: unknown,
    signal?: AbortSignal,
  ): Promise<{ header?: Element; body: Element; parts: Map<string, Buffer> }> {
    let raw: string;
    let mtom: { parts?: { headers: Record<string, string>; body: Buffer }[] } | undefined;
    try {
      // The soap package writes an element named after the WSDL message (`<EmptyBody>`) for
      // operations whose input has no part; XTA's body is empty there.
      [, raw, , , mtom] = (await client[`${op}Async`]!(args, {
        timeout: o.timeoutMs ?? 120_000,
        ...(signal ? { signal } : {}),
        postProcess: (xml: string) => xml.replace("<EmptyBody></EmptyBody>", ""),
      })) as unknown as [unknown, string, unknown, string, typeof mtom];
    } catch (err) {
      throw faultOf((err as { body?: string }).body) ?? err;
    }
    const parsed = parseEnvelope(raw);
    if (!parsed.ok) throw new Error(`${op}: the server's reply is not XML: ${parsed.detail}`);
    const env = parsed.doc.documentElement!;
    const body = child(env, NS.s12, "Body");
    if (!body) throw new Error(`${op}: the server's reply has no SOAP 1.2 Body`);
    const fault = faultOf(raw);
    if (fault) throw fault;
    const parts = new Map<string, Buffer>();
    for (const p of mtom?.parts ?? []) if (p.headers["content-id"]) parts.set(p.headers["content-id"].trim().replace(/^<|>$/g, ""), p.body);
    return { header: child(env, NS.s12, "Header"), body, parts };
  }

  function boxResponse(header: Element | undefined) {
    const r = child(header, NS.osci, "MsgBoxResponse");
    return {
      requestId: r?.getAttribute("MsgBoxRequestID") ?? "",
      pending: Number(text(child(r, NS.osci, "ItemsPending")) ?? 0),
      empty: !!child(r, NS.osci, "NoMessageAvailable"),
    };
  }

  /** A Message or Attachment: inline base64 or, in an MTOM reply, the part its xop:Include names. */
  const decode = (el: Element, parts: Map<string, Buffer>) => {
    const include = child(el, NS.xop, "Include");
    const href = include?.getAttribute("href") ?? "";
    const part = include ? parts.get(decodeURIComponent(href.replace(/^cid:/, ""))) : undefined;
    if (include && !part) throw new Error(`the reply's xop:Include ${href} names no MIME part`);
    return {
      contentType: el.getAttribute("contentType") || "application/octet-stream",
      filename: el.getAttribute("filename") || undefined,
      bytes: part ?? Buffer.from(el.textContent ?? "", "base64"),
    };
  };

  return {
    async checkAccountActive(): Promise<void> {
      await call(await management(), "checkAccountActive", {});
    },

    async getStatusList(maxListItems: number): Promise<{ requestId: string; messageIds: string[]; pending: number }> {
      const r = await call(await msgBox(), "getStatusList", { attributes: { maxListItems, ListForm: "MessageMetaData" } });
      const list = child(r.body, NS.osci, "MsgStatusList");
      const ids = list
        ? children(list, NS.oscimeta, "MessageMetaData").map((m) => text(xpath(m, [NS.oscimeta, "MsgIdentification"], [NS.wsa, "MessageID"])))
        : [];
      const box = boxResponse(r.header);
      return { requestId: box.requestId, messageIds: ids.filter((i): i is string => !!i), pending: box.pending };
    },

    async getMessage(messageId: string): Promise<FetchedMessage> {
      const r = await call(await msgBox(), "getMessage", { MsgSelector: { MessageID: messageId } });
      const meta = readMessageMetaData(child(r.header, NS.oscimeta, "MessageMetaData"));
      if (!meta.ok) throw new Error(`getMessage ${messageId}: ${meta.missing} missing in the reply`);
      const cc = xpath(r.body, [NS.xta, "GenericContentContainer"], [NS.xta, "ContentContainer"]);
      const message = child(cc, NS.xta, "Message");
      if (!cc || !message) throw new Error(`getMessage ${messageId}: no ContentContainer/Message (encrypted containers are not supported)`);
      return {
        meta: meta.meta,
        requestId: boxResponse(r.header).requestId,
        message: decode(message, r.parts),
        attachments: children(cc, NS.xta, "Attachment").map((a) => ({ ...decode(a, r.parts), description: a.getAttribute("contentDescription") || undefined })),
      };
    },

    async close(requestId: string, messageIds: string[]): Promise<void> {
      await call(await msgBox(), "close", { attributes: { MsgBoxRequestID: requestId }, LastMsgReceived: messageIds });
    },

    /**
     * sendMessage on the send port: the MessageMetaData as SOAP header, the ContentContainer
     * inline (base64). Resolves when the server accepted the message; throws its fault.
     */
    async sendMessage(m: OutgoingMessage, opts: { signal?: AbortSignal } = {}): Promise<void> {
      const content = (c: { contentType: string; filename?: string; description?: string; bytes: Buffer }) => ({
        attributes: {
          contentType: c.contentType,
          ...(c.filename ? { filename: c.filename } : {}),
          ...(c.description ? { contentDescription: c.description } : {}),
          ...(c.bytes.byteLength > 0 ? { size: c.bytes.byteLength } : {}),
        },
        $value: c.bytes.toString("base64"),
      });
      const args = { ContentContainer: { Message: content(m.message), Attachment: m.attachments.map(content) } };
      metaFor.set(args, m.metaData);
      await call(await send(), "sendMessage", args, opts.signal);
    },
  };
}

/** One message to send: its MessageMetaData element (see metadata.ts) and its ContentContainer. */
export interface OutgoingMessage {
  metaData: string;
  message: { contentType: string; filename?: string; bytes: Buffer };
  attachments: { contentType: string; filename?: string; description?: string; bytes: Buffer }[];
}

export type XtaClient = Awaited<ReturnType<typeof createXtaClient>>;
