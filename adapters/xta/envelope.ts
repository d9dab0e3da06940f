import { randomUUID } from "node:crypto";
import type { Context } from "hono";
import type { Element } from "@xmldom/xmldom";
import { readBody } from "../../gateway/index.ts";
import { faultBody, faultStatus, faults, type XtaFault } from "./faults.ts";
import { param, parseMultipart, type Multipart } from "./mtom.ts";
import { NS, WSA_FAULT_ACTION } from "./ns.ts";
import { structureProblem } from "./structure.ts";
import { child, children, esc, parseEnvelope, text } from "./xml.ts";

/** A SOAP 1.2 request after transport checks: envelope parsed, WS-Addressing read. */
export interface SoapRequest {
  header: Element | undefined;
  body: Element;
  action: string;
  /** wsa:MessageID of the request, answered in wsa:RelatesTo. */
  messageId: string;
  multipart?: Multipart;
  /** Size of the request as received. */
  size: number;
}

export type ReadResult =
  { ok: true; req: SoapRequest } | { ok: false; fault: XtaFault; action?: string; relatesTo?: string; notUnderstood?: { ns: string; local: string } };

/** Header blocks ozg-hub processes; any other one marked mustUnderstand is refused (SOAP 1.2, 5.2.3). */
const UNDERSTOOD = new Set([
  ...["Action", "MessageID", "To", "From", "ReplyTo", "FaultTo", "RelatesTo"].map((l) => `${NS.wsa} ${l}`),
  `${NS.oscimeta} Author`,
  `${NS.oscimeta} MessageMetaData`,
]);
const understood = (h: Element) => UNDERSTOOD.has(`${h.namespaceURI ?? ""} ${h.localName}`);
const mustUnderstand = (h: Element) => ["true", "1"].includes((h.getAttributeNS(NS.s12, "mustUnderstand") ?? "").trim());

/**
 * Turns an HTTP request into a SoapRequest or a fault. The operation is named by wsa:Action;
 * the Content-Type's `action` parameter only serves answers given before the envelope is read
 * (size limit), because XTA makes WS-Addressing mandatory.
 */
export async function readSoap(c: Context, limit: number, maxDepth: number): Promise<ReadResult> {
  const contentType = c.req.header("content-type") ?? "";
  const ctAction = param(contentType, "action");
  const raw = await readBody(c.req.raw, limit);
  if (raw === "too_large") return { ok: false, fault: faults.tooLarge(limit), action: ctAction };
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  let xml: Buffer = raw;
  let multipart: Multipart | undefined;
  if (type === "multipart/related") {
    const m = parseMultipart(contentType, raw);
    if (typeof m === "string") return { ok: false, fault: faults.malformed(m), action: ctAction };
    multipart = m;
    xml = m.root;
  } else if (type === "text/xml") {
    // SOAP 1.1's media type; XTA 2 is SOAP 1.2 only.
    return { ok: false, fault: faults.versionMismatch(), action: ctAction };
  } else if (type !== "application/soap+xml") {
    return { ok: false, fault: faults.malformed(`media type ${type || "(none)"}; send application/soap+xml or multipart/related (MTOM)`), action: ctAction };
  }
  let decoded: string;
  try {
    decoded = new TextDecoder("utf-8", { fatal: true }).decode(xml);
  } catch {
    return { ok: false, fault: faults.malformed("the envelope is not UTF-8"), action: ctAction };
  }
  const parsed = parseEnvelope(decoded);
  if (!parsed.ok) return { ok: false, fault: faults.malformed(parsed.detail), action: ctAction };
  const env = parsed.doc.documentElement!;
  if (env.localName !== "Envelope" || env.namespaceURI !== NS.s12) {
    return {
      ok: false,
      fault: env.localName === "Envelope" ? faults.versionMismatch() : faults.malformed("the root element is not a SOAP Envelope"),
      action: ctAction,
    };
  }
  const problem = structureProblem(env, maxDepth);
  if (problem) return { ok: false, fault: faults.profile(problem), action: ctAction };
  const header = child(env, NS.s12, "Header");
  const body = child(env, NS.s12, "Body");
  if (!body) return { ok: false, fault: faults.malformed("no SOAP Body"), action: ctAction };
  const notUnderstood = header ? children(header).find((h) => mustUnderstand(h) && !understood(h)) : undefined;
  if (notUnderstood) {
    return {
      ok: false,
      fault: faults.mustUnderstand(`{${notUnderstood.namespaceURI ?? ""}}${notUnderstood.localName}`),
      action: text(child(header, NS.wsa, "Action")),
      relatesTo: text(child(header, NS.wsa, "MessageID")),
      notUnderstood: { ns: notUnderstood.namespaceURI ?? "", local: notUnderstood.localName ?? "" },
    };
  }
  const action = text(child(header, NS.wsa, "Action"));
  const messageId = text(child(header, NS.wsa, "MessageID"));
  if (!action) return { ok: false, fault: faults.addressingRequired("Action"), action: ctAction, relatesTo: messageId };
  if (!messageId) return { ok: false, fault: faults.addressingRequired("MessageID"), action };
  if (ctAction && ctAction !== action)
    return { ok: false, fault: faults.invalidParameter("wsa:Action and the Content-Type action differ"), action, relatesTo: messageId };
  return { ok: true, req: { header, body, action, messageId, multipart, size: raw.byteLength } };
}

/** A SOAP 1.2 envelope with the WS-Addressing headers of a reply. */
export function envelope(o: { action: string; relatesTo?: string; headers?: string; body?: string }): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<s12:Envelope xmlns:s12="${NS.s12}" xmlns:wsa="${NS.wsa}"><s12:Header>` +
    `<wsa:Action>${esc(o.action)}</wsa:Action><wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID>` +
    (o.relatesTo ? `<wsa:RelatesTo>${esc(o.relatesTo)}</wsa:RelatesTo>` : "") +
    (o.headers ?? "") +
    `</s12:Header><s12:Body>${o.body ?? ""}</s12:Body></s12:Envelope>`
  );
}

export function soapReply(c: Context, action: string, xml: string, status: 200 | 400 | 500 = 200): Response {
  return c.body(xml, status, { "content-type": `application/soap+xml; charset=utf-8; action="${action}"` });
}

/** The one place where a fault becomes an HTTP response. The fault's action is the operation's (WSDL), else WS-Addressing's. */
export function faultReply(
  c: Context,
  fault: XtaFault,
  o: { action?: string; relatesTo?: string; notUnderstood?: { ns: string; local: string } } = {},
): Response {
  const action = o.action ?? WSA_FAULT_ACTION;
  // SOAP 1.2 part 1, 5.4.7 and 5.4.8: VersionMismatch names the supported envelope in an Upgrade
  // header block, MustUnderstand the block that was not understood.
  const headers =
    fault.soapCode === "VersionMismatch"
      ? `<s12:Upgrade><s12:SupportedEnvelope qname="s12:Envelope"/></s12:Upgrade>`
      : o.notUnderstood
        ? `<s12:NotUnderstood xmlns:nu="${esc(o.notUnderstood.ns)}" qname="nu:${esc(o.notUnderstood.local)}"/>`
        : undefined;
  const xml = envelope({ action, relatesTo: o.relatesTo, headers, body: faultBody(fault) });
  return soapReply(c, action, xml, faultStatus(fault));
}
