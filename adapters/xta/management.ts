import { randomUUID } from "node:crypto";
import type { DeliveryStatus } from "../../gateway/index.ts";
import { xtaMessageId } from "./config.ts";
import { faults } from "./faults.ts";
import { messageMetaData, readAuthor, type XtaMeta } from "./metadata.ts";
import { NS } from "./ns.ts";
import { refuse, type OperationContext, type OperationHandler } from "./operation.ts";
import { child, children, esc, path, text } from "./xml.ts";

/** The optional oscimeta:Author header, when present, must be one of the account's identifiers. */
export function authorRefusal(o: OperationContext) {
  const author = readAuthor(o.req.header);
  return author !== undefined && !o.account.authors.includes(author) ? refuse(faults.authorMismatch(author)) : undefined;
}

export const checkAccountActive: OperationHandler = async (o) => authorRefusal(o) ?? { ok: true };

export const createMessageId: OperationHandler = async (o) => {
  const denied = authorRefusal(o);
  if (denied) return denied;
  const id = xtaMessageId(o.settings.gateway.messageIdPrefix, randomUUID());
  return { ok: true, body: `<wsa:MessageID>${esc(id)}</wsa:MessageID>` };
};

/**
 * 0 open, 1 green, 2 yellow, 3 red (MessageStatusType), from the delivery's state in ozg-hub;
 * a routed delivery whose outbox rows have all been handed out counts as delivered.
 */
export function transportStatus(state: string, rows: { handedOut: number; waiting: number } = { handedOut: 0, waiting: 1 }): 0 | 1 | 2 | 3 {
  if (state === "routed" && rows.handedOut > 0 && rows.waiting === 0) return 1;
  switch (state) {
    case "published":
      return 1;
    case "parked": // held for an operator, who will route it after fixing the config
      return 2;
    case "cancelled":
      return 3;
    default:
      return 0;
  }
}

export const getTransportReport: OperationHandler = async (o) => {
  if (o.account.kind !== "portal") return refuse(faults.notBooked("transport reports"));
  const denied = authorRefusal(o);
  if (denied) return denied;
  const id = text(child(o.req.body, NS.wsa, "MessageID"));
  if (!id) return refuse(faults.missingParameter("wsa:MessageID"));
  const status = await o.ctx.gateway.control.status({ sourceMessageId: id }, o.account.portal.id);
  if (!status) return refuse(faults.unknownMessageId(id));
  const meta = (status.metadata as { xta?: XtaMeta }).xta ?? {
    messageId: id,
    author: o.account.authors[0] ?? o.account.portal.id,
    reader: "unknown",
    service: "unknown",
    businessScenario: "unknown",
    messageType: "unknown",
  };
  const state = transportStatus(status.state, status);
  const problem = status.parkReason
    ? `<xta:WarnList><xta:Warning><xta:Timestamp>${status.stateSince.toISOString()}</xta:Timestamp><xta:Code listURI="urn:de:ozg-hub:codeliste:park-stage" listVersionID="1"><code>${esc(status.parkReason.stage)}</code></xta:Code><xta:Reason>${esc(status.parkReason.message)}</xta:Reason></xta:Warning></xta:WarnList>`
    : "";
  return {
    ok: true,
    body:
      `<xta:TransportReport xmlns:xta="${NS.xta}">` +
      messageMetaData({ ...meta, origin: status.receivedAt }) +
      `<xta:ReportTime>${status.stateSince.toISOString()}</xta:ReportTime>` +
      `<xta:XTAServerIdentity>${esc(o.settings.gateway.identifier)}</xta:XTAServerIdentity>` +
      `<xta:MessageStatus><xta:Status>${state}</xta:Status>${problem}</xta:MessageStatus>` +
      statusReport(status.statuses) +
      `</xta:TransportReport>`,
  };
};

/**
 * The subscribers' statuses (received … decided) as an additional report, the place XTA leaves
 * for reports beyond transport: JSON, base64 in `Data`, keyed `status` in ozg-hub's own code
 * list. The Bescheid itself is not in it; it comes as a reply in the portal's msgBox.
 */
function statusReport(statuses: DeliveryStatus["statuses"]): string {
  if (statuses.length === 0) return "";
  const json = JSON.stringify({ statuses: statuses.map((r) => ({ ...r.detail, at: r.at.toISOString(), applicationId: r.applicationId, status: r.status })) });
  return (
    `<xta:AdditionalReports><xta:Report><xta:Key listURI="urn:de:ozg-hub:codeliste:report-type" listVersionID="1"><code>status</code></xta:Key>` +
    `<xta:Data>${Buffer.from(json).toString("base64")}</xta:Data></xta:Report></xta:AdditionalReports>`
  );
}

const LEIKA = /^urn:de:fim:leika:leistung:(\d{14})$/;

/**
 * lookupService: a service is available when the Reader is a configured tenant and that tenant
 * has a subscriber for it (for a LeiKa service URN: a subscriber whose filter takes the key).
 */
export const lookupService: OperationHandler = async (o) => {
  const denied = authorRefusal(o);
  if (denied) return denied;
  const request = child(o.req.body, NS.xta, "LookupServiceRequest");
  const lookups = request ? children(request, NS.xta, "LookupServiceRequestList").map((l) => child(l, NS.xta, "LookupService")) : [];
  if (lookups.length === 0) return refuse(faults.missingParameter("LookupServiceRequest/LookupServiceRequestList"));
  const tenants = o.ctx.lookups.tenants();
  const results: string[] = [];
  for (const l of lookups) {
    const reader = text(path(l, [NS.oscimeta, "Reader"], [NS.oscimeta, "Identifier"]));
    const service = text(child(l, NS.xta, "ServiceType"));
    if (!reader || !service) return refuse(faults.missingParameter("LookupService Reader and ServiceType"));
    const tenant = tenants.find((t) => t.xtaReaders.includes(reader));
    const leika = LEIKA.exec(service)?.[1];
    const available = !!tenant && tenant.subscribers.some((s) => !leika || !s.filter.leikaKeys || s.filter.leikaKeys.includes(leika));
    results.push(
      `<xta:LookupServiceResult><oscimeta:Reader><oscimeta:Identifier type="xoev">${esc(reader)}</oscimeta:Identifier></oscimeta:Reader>` +
        `<xta:ServiceType>${esc(service)}</xta:ServiceType><xta:IsServiceAvailableValue><xta:ServiceIsAvailable>${available}</xta:ServiceIsAvailable></xta:IsServiceAvailableValue></xta:LookupServiceResult>`,
    );
  }
  return {
    ok: true,
    body: `<xta:LookupServiceResponse xmlns:xta="${NS.xta}" xmlns:oscimeta="${NS.oscimeta}"><xta:LookupServiceResultList>${results.join("")}</xta:LookupServiceResultList></xta:LookupServiceResponse>`,
  };
};

/** cancelMessage: only while no subscriber has the application yet; afterwards CancelDenied. */
export const cancelMessage: OperationHandler = async (o) => {
  if (o.account.kind !== "portal") return refuse(faults.notBooked("cancelMessage"));
  const denied = authorRefusal(o);
  if (denied) return denied;
  const id = text(child(o.req.body, NS.wsa, "MessageID"));
  if (!id) return refuse(faults.missingParameter("wsa:MessageID"));
  const r = await o.ctx.gateway.control.cancel({ sourceMessageId: id }, o.account.portal.id);
  switch (r.kind) {
    case "cancelled":
      return { ok: true };
    case "unknown":
      return refuse(faults.unknownMessageId(id));
    case "denied":
      return refuse(faults.cancelDenied(r.reason));
    default: {
      const never: never = r;
      throw new Error(`unhandled cancel result ${JSON.stringify(never)}`);
    }
  }
};
