/**
 * OSCI-Transport 1.2 feedback codes, built in this one place. Refusals of the message itself
 * (91xx-95xx) and of its ClientSignature (96xx/97xx, before the sender is known: there is nobody
 * yet to sign and encrypt an order answer for) are SOAP faults, unsigned and in the clear.
 * Refusals of an authenticated order (98xx, Author signatures, content the intake refuses) go
 * into the signed, encrypted order response.
 */
export const FEEDBACK = {
  ok: { code: "0800", text: "Auftrag ausgeführt, Dialog beendet." },
  okDialogOpen: { code: "0801", text: "Auftrag ausgeführt, Dialog weiterhin geöffnet." },
  internal: { code: "9000", text: "Unspezifizierter Fehler." },
  structure: { code: "9100", text: "Die Nachricht ist nicht OSCI-konform." },
  noTransportKey: { code: "9200", text: "Die Nachricht ist nicht für den Schlüssel des Intermediärs verschlüsselt." },
  cannotDecrypt: { code: "9202", text: "Die Auftragsdaten konnten nicht entschlüsselt werden." },
  invalidRequest: { code: "9300", text: "Die Auftragsdaten sind ungültig." },
  controlBlock: { code: "9400", text: "ControlBlock fehlerhaft (Challenge/Response, ConversationId oder SequenceNumber)." },
  noCipherCert: { code: "9500", text: "Kein Verschlüsselungszertifikat des Absenders für die Antwort." },
  unsigned: { code: "9600", text: "Der Auftrag ist nicht signiert." },
  signatureInvalid: { code: "9601", text: "Die Signatur des Auftrags ist ungültig." },
  notAllSigned: { code: "9602", text: "Nicht alle relevanten Teile des Auftrags sind signiert." },
  signerUnknown: { code: "9700", text: "Das Signaturzertifikat des Absenders ist ungültig." },
  noMessageId: { code: "9800", text: "Keine Nachrichten-ID angegeben." },
  illegalMessageId: { code: "9801", text: "Nachrichten-ID bereits verwendet oder nicht vergeben." },
  noDialog: { code: "9802", text: "Kein expliziter Dialog." },
  noProcessCard: { code: "9804", text: "Keine Laufzettel vorhanden." },
  notAccepted: { code: "9805", text: "Die Zustellung wurde vom Empfänger nicht angenommen." },
  recipientError: { code: "9808", text: "Interner Fehler beim Empfänger." },
} as const;

export type Feedback = (typeof FEEDBACK)[keyof typeof FEEDBACK] & { detail?: string };

/** Codes that refuse the message as such: answered as a SOAP fault, not as an order response. */
export function isMessageLevel(f: Feedback): boolean {
  return /^9[1-5]\d\d$/.test(f.code) || f.code === "9000";
}

export function feedbackXml(f: Feedback): string {
  const text = f.detail ? `${f.text} ${f.detail}` : f.text;
  return `<osci:Feedback><osci:Entry xml:lang="de"><osci:Code>${f.code}</osci:Code><osci:Text>${escText(text)}</osci:Text></osci:Entry></osci:Feedback>`;
}

function escText(s: string): string {
  return s.replace(/[<>&]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;" })[c]!);
}
