import type { Element } from "@xmldom/xmldom";
import { NS } from "./ns.ts";
import { child, esc, path, text } from "./xml.ts";

/**
 * The parts of oscimeta:MessageMetaData that ozg-hub keeps and offers to mappings as
 * `$meta.xta`. Party identifiers are kept as their text, e.g. `ags:01002000`.
 */
export interface XtaMeta {
  messageId: string;
  author: string;
  reader: string;
  service: string;
  businessScenario: string;
  messageType: string;
  payloadSchema?: string;
  testMsg?: boolean;
}

export type MetaParse = { ok: true; meta: XtaMeta } | { ok: false; missing: string };

const M = NS.oscimeta;

export function readMessageMetaData(mmd: Element | undefined): MetaParse {
  if (!mmd) return { ok: false, missing: "oscimeta:MessageMetaData header" };
  const messageId = text(path(mmd, [M, "MsgIdentification"], [NS.wsa, "MessageID"]));
  const author = text(path(mmd, [M, "Originators"], [M, "Author"], [M, "Identifier"]));
  const reader = text(path(mmd, [M, "Destinations"], [M, "Reader"], [M, "Identifier"]));
  const qualifier = child(mmd, M, "Qualifier");
  const service = text(child(qualifier, M, "Service"));
  const scenario = child(qualifier, M, "BusinessScenario");
  const businessScenario = text(path(scenario, [M, "Defined"], ["", "code"])) ?? text(child(scenario, M, "Undefined"));
  const type = child(qualifier, M, "MessageType");
  const messageType = text(child(type, "", "code"));
  const required = { messageId, author, reader, service, businessScenario, messageType };
  for (const [k, v] of Object.entries(required)) if (!v) return { ok: false, missing: `MessageMetaData ${k}` };
  const testMsg = mmd.getAttribute("TestMsg");
  return {
    ok: true,
    meta: {
      ...(required as Omit<XtaMeta, "payloadSchema" | "testMsg">),
      ...(type?.getAttribute("payloadSchema") ? { payloadSchema: type.getAttribute("payloadSchema")! } : {}),
      ...(testMsg ? { testMsg: testMsg === "true" || testMsg === "1" } : {}),
    },
  };
}

/** The identifier of an oscimeta:Author header (management and msgBox ports). */
export function readAuthor(header: Element | undefined): string | undefined {
  return text(path(header, [M, "Author"], [M, "Identifier"]));
}

const party = (el: string, id: string) => `<oscimeta:${el}><oscimeta:Identifier type="xoev">${esc(id)}</oscimeta:Identifier></oscimeta:${el}>`;

/**
 * An oscimeta:MessageMetaData element, for mailbox messages and transport reports.
 * `businessScenario` and `messageType` are written as codes of ozg-hub's own lists unless the
 * original metadata is at hand; `inReplyTo` names the message a reply answers.
 */
export function messageMetaData(m: XtaMeta & { origin: Date; delivery?: Date; size?: number; inReplyTo?: string }): string {
  return (
    `<oscimeta:MessageMetaData xmlns:oscimeta="${M}" xmlns:wsa="${NS.wsa}">` +
    `<oscimeta:DeliveryAttributes><oscimeta:Origin>${m.origin.toISOString()}</oscimeta:Origin>` +
    (m.delivery ? `<oscimeta:Delivery>${m.delivery.toISOString()}</oscimeta:Delivery>` : "") +
    `</oscimeta:DeliveryAttributes>` +
    `<oscimeta:Originators>${party("Author", m.author)}</oscimeta:Originators>` +
    `<oscimeta:Destinations>${party("Reader", m.reader)}</oscimeta:Destinations>` +
    `<oscimeta:MsgIdentification><wsa:MessageID>${esc(m.messageId)}</wsa:MessageID>${m.inReplyTo ? `<oscimeta:In-Reply-To>${esc(m.inReplyTo)}</oscimeta:In-Reply-To>` : ""}</oscimeta:MsgIdentification>` +
    `<oscimeta:Qualifier><oscimeta:Service>${esc(m.service)}</oscimeta:Service>` +
    `<oscimeta:BusinessScenario><oscimeta:Undefined>${esc(m.businessScenario)}</oscimeta:Undefined></oscimeta:BusinessScenario>` +
    `<oscimeta:MessageType listURI="urn:de:ozg-hub:codeliste:messagetype" listVersionID="1" payloadSchema="${esc(m.payloadSchema ?? "urn:de:ozg-hub:unknown")}"><code>${esc(m.messageType)}</code></oscimeta:MessageType>` +
    `</oscimeta:Qualifier>` +
    (m.size && m.size > 0 ? `<oscimeta:MsgSize>${m.size}</oscimeta:MsgSize>` : "") +
    `</oscimeta:MessageMetaData>`
  );
}
