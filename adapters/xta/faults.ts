import { NS } from "./ns.ts";
import { esc } from "./xml.ts";

/** The exception elements of XTA-Webservice-Exceptions.xsd, without the `Exception` suffix. */
export type FaultType =
  "PermissionDenied" | "XTAWSTechnicalProblem" | "ParameterIsNotValid" | "MessageSchemaViolation" | "SyncAsync" | "InvalidMessageID" | "CancelDenied";

/** The XTA-WS Fehlernummer code list (urn:de:xta:webservice:codeliste:fehlernummer 1.0), as far as ozg-hub uses it. */
const FEHLERNUMMER = {
  "9000": "Unspezifizierter Fehler, als Freitext beschrieben",
  "9012": "Account nicht vorhanden.",
  "9013": "Dienst ist nicht gebucht.",
  "9014": "Authentisierung/Zertifikat passt nicht zur Absenderkennung.",
  "9020": "Keine Parameter vorhanden",
  "9022": "Ungültige Parameterkombination",
  "9023": "Die Nachricht überschreitet die Größenbeschränkung.",
  "9024": "MessageID ist bereits vergeben.",
  "9030": "Interner Fehler beim XTA-Server bzw. XTA-Dienstleister",
  "9050": "Fachnachricht ist nicht schemakonform",
  "9052": "Nachricht verletzt das entsprechende Service Profil.",
  "9070": "MessageID für den Account nicht bekannt.",
  "9080": "Der Dienst wird nur asynchron angeboten.",
} as const;

export type Fehlernummer = keyof typeof FEHLERNUMMER;

/** An expected refusal, answered as a SOAP 1.2 fault. Built only by the constructors below. */
export interface XtaFault {
  type: FaultType;
  code: Fehlernummer;
  /** Free text for the Reason; never contains secrets or internals. */
  reason: string;
  soapCode: "Sender" | "Receiver" | "VersionMismatch" | "MustUnderstand";
  /** WS-Addressing fault subcode, where WS-Addressing defines one. */
  subcode?: "ActionNotSupported" | "MessageAddressingHeaderRequired";
}

const f = (type: FaultType, code: Fehlernummer, reason: string, soapCode: XtaFault["soapCode"] = "Sender", subcode?: XtaFault["subcode"]): XtaFault => ({
  type,
  code,
  reason,
  soapCode,
  ...(subcode ? { subcode } : {}),
});

/** Every fault ozg-hub answers, in one place: the refusal, its exception type and its Fehlernummer. */
export const faults = {
  versionMismatch: () => f("ParameterIsNotValid", "9052", "XTA 2 requires SOAP 1.2 (http://www.w3.org/2003/05/soap-envelope)", "VersionMismatch"),
  mustUnderstand: (header: string) =>
    f("ParameterIsNotValid", "9052", `header block ${header} is marked mustUnderstand, and ozg-hub does not process it`, "MustUnderstand"),
  profile: (detail: string) => f("ParameterIsNotValid", "9052", `the request violates the XTA profile: ${detail}`),
  malformed: (detail: string) => f("ParameterIsNotValid", "9052", `the request is not a well-formed SOAP 1.2 envelope: ${detail}`),
  addressingRequired: (header: string) =>
    f("ParameterIsNotValid", "9020", `WS-Addressing header wsa:${header} is required`, "Sender", "MessageAddressingHeaderRequired"),
  actionNotSupported: (action: string, port: string) =>
    f("ParameterIsNotValid", "9052", `action ${action || "(none)"} is not offered at the ${port} port`, "Sender", "ActionNotSupported"),
  unknownAccount: () => f("PermissionDenied", "9012", "no XTA account for this client certificate"),
  notBooked: (what: string) => f("PermissionDenied", "9013", `this account may not use ${what}`),
  authorMismatch: (author: string) => f("PermissionDenied", "9014", `the client certificate does not belong to author ${author}`),
  tooLarge: (limit: number) => f("ParameterIsNotValid", "9023", `the message exceeds the limit of ${limit} bytes`),
  duplicateMessageId: (id: string) => f("ParameterIsNotValid", "9024", `MessageID ${id} has been used before`),
  missingParameter: (what: string) => f("ParameterIsNotValid", "9020", `missing ${what}`),
  invalidParameter: (detail: string) => f("ParameterIsNotValid", "9022", detail),
  schemaViolation: (detail: string) => f("MessageSchemaViolation", "9050", detail),
  // The code list's 9080 says what ozg-hub means: the service is offered asynchronously only.
  syncNotOffered: () => f("SyncAsync", "9080", "ozg-hub accepts messages asynchronously only; use sendMessage"),
  unknownMessageId: (id: string) => f("InvalidMessageID", "9070", `MessageID ${id} is not known for this account`),
  cancelDenied: (reason: string) => f("CancelDenied", "9000", `the message cannot be cancelled: ${reason}`),
  technical: () => f("XTAWSTechnicalProblem", "9030", "a technical problem in ozg-hub; nothing was stored, please retry later", "Receiver"),
  busy: (retryAfterSeconds: number) =>
    f("XTAWSTechnicalProblem", "9030", `ozg-hub is busy (the broker is behind); nothing was stored, please retry in ${retryAfterSeconds} s`, "Receiver"),
};

/** HTTP status of a fault (SOAP 1.2 HTTP binding: Sender → 400, else 500). */
export function faultStatus(fault: XtaFault): 400 | 500 {
  return fault.soapCode === "Sender" ? 400 : 500;
}

/** The fault's s12:Body content: Code, Reason and the XTA exception with its Fehlernummer. */
export function faultBody(fault: XtaFault): string {
  const sub = fault.subcode ? `<s12:Subcode><s12:Value>wsa:${fault.subcode}</s12:Value></s12:Subcode>` : "";
  return (
    `<s12:Fault><s12:Code><s12:Value>s12:${fault.soapCode}</s12:Value>${sub}</s12:Code>` +
    `<s12:Reason><s12:Text xml:lang="en">${esc(fault.reason)}</s12:Text></s12:Reason>` +
    `<s12:Detail><xta:${fault.type}Exception xmlns:xta="${NS.xta}">` +
    `<xta:errorCode listURI="urn:de:xta:webservice:codeliste:fehlernummer" listVersionID="1.0"><code>${fault.code}</code><name>${esc(FEHLERNUMMER[fault.code])}</name></xta:errorCode>` +
    `</xta:${fault.type}Exception></s12:Detail></s12:Fault>`
  );
}
