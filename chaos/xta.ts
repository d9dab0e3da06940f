import { createHash, randomUUID } from "node:crypto";
import { stringify } from "yaml";

/**
 * A portal that speaks XTA 2 to a `serve` process over plain HTTP on loopback, authenticated
 * the way it is behind a TLS-terminating proxy: the proxy's header carries the sha256 of the
 * client certificate (`xta.trustedProxy` in gateway.yaml). Used by the chaos load and the
 * bad-input corpus; the TLS path itself is covered by adapters/xta's own tests.
 */
export const XTA_HEADER = "x-ssl-client-sha256";
export const XTA_AUTHOR = "psw:chaosportal";
export const XTA_FINGERPRINT = createHash("sha256").update("ozg-hub chaos portal certificate").digest("hex");

/** gateway.yaml `xta` section and the portal file that make the above work. */
export const xtaGatewayConfig = { trustedProxy: { header: XTA_HEADER } };
export const xtaPortalYaml = stringify({
  id: "xtaportal",
  name: "XTA portal (tests)",
  channels: ["xta"],
  xta: { certificateSha256: [XTA_FINGERPRINT], authorIdentifiers: [XTA_AUTHOR] },
});

const S12 = "http://www.w3.org/2003/05/soap-envelope";
const WSA = "http://www.w3.org/2005/08/addressing";
const META = "http://www.osci.eu/ws/2014/10/transport"; // XTA 2 MessageMetaData
export const SEND_ACTION = "http://www.xta.de/XTA/SendMessage";

/** A sendMessage request carrying `document` (any bytes) as the base64 Message. */
export function sendMessageEnvelope(o: { messageId: string; reader: string; document: Uint8Array; contentType?: string }): string {
  const meta =
    `<oscimeta:MessageMetaData xmlns:oscimeta="${META}">` +
    `<oscimeta:DeliveryAttributes><oscimeta:Origin>${new Date().toISOString()}</oscimeta:Origin></oscimeta:DeliveryAttributes>` +
    `<oscimeta:Originators><oscimeta:Author><oscimeta:Identifier type="xoev">${XTA_AUTHOR}</oscimeta:Identifier></oscimeta:Author></oscimeta:Originators>` +
    `<oscimeta:Destinations><oscimeta:Reader><oscimeta:Identifier type="xoev">${o.reader}</oscimeta:Identifier></oscimeta:Reader></oscimeta:Destinations>` +
    `<oscimeta:MsgIdentification><wsa:MessageID>${o.messageId}</wsa:MessageID></oscimeta:MsgIdentification>` +
    `<oscimeta:Qualifier><oscimeta:Service>urn:xoev-de:xdomea:schema:2.4.0</oscimeta:Service>` +
    `<oscimeta:BusinessScenario><oscimeta:Defined listURI="urn:de:dataport:codeliste:business.scenario" listVersionID="1"><code>XDOMEAGG_DATA</code></oscimeta:Defined></oscimeta:BusinessScenario>` +
    `<oscimeta:MessageType listURI="urn:de:payloadSchema:elementName" listVersionID="1.0" payloadSchema="urn:xoev-de:xdomea:schema:2.4.0"><code>Geschaeftsgang.Geschaeftsgang.0201</code></oscimeta:MessageType>` +
    `</oscimeta:Qualifier></oscimeta:MessageMetaData>`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="${S12}" xmlns:wsa="${WSA}"><s:Header>` +
    `<wsa:Action>${SEND_ACTION}</wsa:Action><wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID>${meta}</s:Header>` +
    `<s:Body><xta:GenericContentContainer xmlns:xta="http://xoev.de/transport/xta/211"><xta:ContentContainer>` +
    `<xta:Message contentType="${o.contentType ?? "application/xml"}" filename="antrag.xml">${Buffer.from(o.document).toString("base64")}</xta:Message>` +
    `</xta:ContentContainer></xta:GenericContentContainer></s:Body></s:Envelope>`
  );
}

export function xtaHeaders(fingerprint: string | null = XTA_FINGERPRINT): Record<string, string> {
  return {
    "content-type": `application/soap+xml; charset=utf-8; action="${SEND_ACTION}"`,
    ...(fingerprint ? { [XTA_HEADER]: fingerprint } : {}),
  };
}

/** An xdomea 2.4 Geschäftsgang as a portal sends it; `id` becomes the application's sourceId. */
export function xdomeaApplication(o: { id: string; leikaKey: string; name: string }): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><xdomea:Geschaeftsgang.Geschaeftsgang.0201 xmlns:xdomea="urn:xoev-de:xdomea:schema:2.4.0">` +
    `<xdomea:Kopf><xdomea:ProzessID>${o.id}</xdomea:ProzessID><xdomea:Nachrichtentyp><code>0201</code></xdomea:Nachrichtentyp>` +
    `<xdomea:Erstellungszeitpunkt>${new Date().toISOString()}</xdomea:Erstellungszeitpunkt>` +
    `<xdomea:Absender><xdomea:Institution><xdomea:Name>Chaos-Portal</xdomea:Name></xdomea:Institution></xdomea:Absender>` +
    `<xdomea:Empfaenger><xdomea:Institution><xdomea:Name>Behörde</xdomea:Name></xdomea:Institution></xdomea:Empfaenger></xdomea:Kopf>` +
    `<xdomea:Hauptobjekt><xdomea:Vorgang><xdomea:Identifikation><xdomea:ID>${o.id}</xdomea:ID></xdomea:Identifikation>` +
    `<xdomea:AllgemeineMetadaten><xdomea:Betreff>Antrag</xdomea:Betreff></xdomea:AllgemeineMetadaten>` +
    `<xdomea:AnwendungsspezifischeErweiterung><xdomea:Kennung>chaos</xdomea:Kennung><xdomea:Name>Antragsdaten</xdomea:Name>` +
    `<xdomea:Feld><xdomea:Name>LeiKa</xdomea:Name><xdomea:Wert>${o.leikaKey}</xdomea:Wert></xdomea:Feld>` +
    `<xdomea:Feld><xdomea:Name>Antragsteller.Name</xdomea:Name><xdomea:Wert>${o.name}</xdomea:Wert></xdomea:Feld>` +
    `</xdomea:AnwendungsspezifischeErweiterung></xdomea:Vorgang></xdomea:Hauptobjekt></xdomea:Geschaeftsgang.Geschaeftsgang.0201>`
  );
}
