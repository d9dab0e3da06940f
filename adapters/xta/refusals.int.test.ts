import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowCounts } from "../../test/support/database.ts";
import { rawPost } from "./fixtures/https.ts";
import { testPki, type Issued, type TestPki } from "../../test/support/pki.ts";
import { metaDataXml } from "./fixtures/portal-client.ts";
import { startXtaHub, PORTAL_AUTHOR, type XtaHub } from "./fixtures/xta-hub.ts";
import { xsdErrors } from "./fixtures/xsd.ts";

const S12 = "http://www.w3.org/2003/05/soap-envelope";
const WSA = "http://www.w3.org/2005/08/addressing";
const SEND = "http://www.xta.de/XTA/SendMessage";
const CHECK = "http://www.xta.de/XTA/CheckAccountActive";
const LIMIT = 256 * 1024;

function envelope(o: { action?: string; messageId?: string; headers?: string; body?: string; ns?: string }): string {
  const wsa =
    (o.action ? `<wsa:Action>${o.action}</wsa:Action>` : "") +
    (o.messageId === "" ? "" : `<wsa:MessageID>${o.messageId ?? `urn:uuid:${randomUUID()}`}</wsa:MessageID>`);
  return `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="${o.ns ?? S12}" xmlns:wsa="${WSA}"><s:Header>${wsa}${o.headers ?? ""}</s:Header><s:Body>${o.body ?? ""}</s:Body></s:Envelope>`;
}

function sendBody(message: string): string {
  return `<xta:GenericContentContainer xmlns:xta="http://xoev.de/transport/xta/211"><xta:ContentContainer><xta:Message contentType="application/xml">${message}</xta:Message></xta:ContentContainer></xta:GenericContentContainer>`;
}

const SOAP12 = (action: string) => `application/soap+xml; charset=utf-8; action="${action}"`;

describe("XTA refusals: the right fault, nothing stored, still serving", () => {
  let pki: TestPki;
  let portalCert: Issued;
  let xta: XtaHub;
  let before: Record<string, number>;

  beforeAll(async () => {
    pki = testPki();
    portalCert = pki.client("formsolutions-xta");
    xta = await startXtaHub(pki, { portal: portalCert }, { xta: { maxMessageBytes: LIMIT } });
    before = await rowCounts(xta.hub.databaseUrl);
  });
  afterAll(async () => {
    await xta?.stop();
  });

  const meta = () => metaDataXml({ messageId: `urn:de:xta:messageid:fs:${randomUUID()}`, author: PORTAL_AUTHOR, reader: "ags:01002000" });
  const xxe = `<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]><s:Envelope xmlns:s="${S12}" xmlns:wsa="${WSA}"><s:Header><wsa:Action>${SEND}</wsa:Action><wsa:MessageID>urn:uuid:1</wsa:MessageID></s:Header><s:Body>&x;</s:Body></s:Envelope>`;
  const laughs = `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><s:Envelope xmlns:s="${S12}"><s:Body>&c;</s:Body></s:Envelope>`;
  const soap11 = envelope({ ns: "http://schemas.xmlsoap.org/soap/envelope/", action: SEND, body: sendBody("PGEvPg==") });

  const cases: {
    name: string;
    port?: string;
    contentType?: string;
    body: () => string | Buffer;
    status: number;
    exception: string;
    code: string;
    soapCode?: string;
    subcode?: string;
  }[] = [
    {
      name: "malformed XML",
      body: () => `<s:Envelope xmlns:s="${S12}"><s:Header><wsa:Action>`,
      status: 400,
      exception: "ParameterIsNotValidException",
      code: "9052",
    },
    {
      name: "a SOAP 1.1 envelope (text/xml)",
      contentType: "text/xml; charset=utf-8",
      body: () => soap11,
      status: 500,
      exception: "ParameterIsNotValidException",
      code: "9052",
      soapCode: "s12:VersionMismatch",
    },
    {
      name: "a SOAP 1.1 envelope sent as application/soap+xml",
      body: () => soap11,
      status: 500,
      exception: "ParameterIsNotValidException",
      code: "9052",
      soapCode: "s12:VersionMismatch",
    },
    {
      name: "an unknown action",
      contentType: SOAP12("urn:nonsense"),
      body: () => envelope({ action: "urn:nonsense" }),
      status: 400,
      exception: "ParameterIsNotValidException",
      code: "9052",
      subcode: "wsa:ActionNotSupported",
    },
    {
      name: "a management action at the send port",
      contentType: SOAP12(CHECK),
      body: () => envelope({ action: CHECK }),
      status: 400,
      exception: "ParameterIsNotValidException",
      code: "9052",
      subcode: "wsa:ActionNotSupported",
    },
    {
      name: "no wsa:Action",
      contentType: "application/soap+xml",
      body: () => envelope({ headers: meta(), body: sendBody("PGEvPg==") }),
      status: 400,
      exception: "ParameterIsNotValidException",
      code: "9020",
      subcode: "wsa:MessageAddressingHeaderRequired",
    },
    {
      name: "no wsa:MessageID",
      body: () => envelope({ action: SEND, messageId: "", headers: meta(), body: sendBody("PGEvPg==") }),
      status: 400,
      exception: "ParameterIsNotValidException",
      code: "9020",
      subcode: "wsa:MessageAddressingHeaderRequired",
    },
    {
      name: "a mustUnderstand header block ozg-hub does not process",
      body: () =>
        envelope({
          action: SEND,
          headers:
            meta() + `<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" s:mustUnderstand="true"/>`,
          body: sendBody("PGEvPg=="),
        }),
      status: 500,
      exception: "ParameterIsNotValidException",
      code: "9052",
      soapCode: "s12:MustUnderstand",
    },
    {
      name: "an envelope that is not UTF-8",
      body: () =>
        Buffer.concat([
          Buffer.from(envelope({ action: SEND, headers: meta(), body: sendBody("PGEvPg==") }).replace("<s:Body>", "<s:Body><!--")),
          Buffer.from([0xff, 0xfe]),
          Buffer.from("--></s:Body></s:Envelope>"),
        ]),
      status: 400,
      exception: "ParameterIsNotValidException",
      code: "9052",
    },
    {
      name: "MessageMetaData twice",
      body: () => envelope({ action: SEND, headers: meta() + meta(), body: sendBody("PGEvPg==") }),
      status: 400,
      exception: "ParameterIsNotValidException",
      code: "9052",
    },
    {
      name: "two Messages",
      body: () =>
        envelope({
          action: SEND,
          headers: meta(),
          body: sendBody("PGEvPg==").replace("</xta:Message>", `</xta:Message><xta:Message contentType="application/xml">PGIvPg==</xta:Message>`),
        }),
      status: 400,
      exception: "ParameterIsNotValidException",
      code: "9052",
    },
    {
      name: "an envelope nested 5000 deep",
      body: () => envelope({ action: SEND, headers: meta(), body: `${"<x>".repeat(5000)}${"</x>".repeat(5000)}` }),
      status: 400,
      exception: "ParameterIsNotValidException",
      code: "9052",
    },
    { name: "a DOCTYPE with an external entity", body: () => xxe, status: 400, exception: "ParameterIsNotValidException", code: "9052" },
    { name: "entity expansion (billion laughs)", body: () => laughs, status: 400, exception: "ParameterIsNotValidException", code: "9052" },
    {
      name: "a message over the size limit",
      body: () => envelope({ action: SEND, headers: meta(), body: sendBody(Buffer.alloc(LIMIT).toString("base64")) }),
      status: 400,
      exception: "ParameterIsNotValidException",
      code: "9023",
    },
    {
      name: "a Message that is not XML",
      body: () => envelope({ action: SEND, headers: meta(), body: sendBody(Buffer.from("<not xml").toString("base64")) }),
      status: 400,
      exception: "MessageSchemaViolationException",
      code: "9050",
    },
    {
      name: "a Message that is not base64",
      body: () => envelope({ action: SEND, headers: meta(), body: sendBody("*** not base64 ***") }),
      status: 400,
      exception: "MessageSchemaViolationException",
      code: "9050",
    },
    {
      name: "no MessageMetaData",
      body: () => envelope({ action: SEND, body: sendBody("PGEvPg==") }),
      status: 400,
      exception: "ParameterIsNotValidException",
      code: "9020",
    },
    // A portal's msgBox holds its status replies; it may open it only as one of its own Authors.
    {
      name: "a portal at its msgBox as another Author",
      port: "msgbox",
      contentType: SOAP12("http://www.osci.eu/ws/2008/05/transport/urn/messageTypes/MsgBoxStatusListRequest"),
      body: () =>
        envelope({
          action: "http://www.osci.eu/ws/2008/05/transport/urn/messageTypes/MsgBoxStatusListRequest",
          headers: `<oscimeta:Author xmlns:oscimeta="http://www.osci.eu/ws/2014/10/transport"><oscimeta:Identifier type="xoev">ags:09761000</oscimeta:Identifier></oscimeta:Author>`,
          body: `<osci:MsgBoxStatusListRequest xmlns:osci="http://www.osci.eu/ws/2008/05/transport"/>`,
        }),
      status: 400,
      exception: "PermissionDeniedException",
      code: "9014",
    },
  ];

  for (const c of cases) {
    it(`answers ${c.name} with ${c.exception} ${c.code}, stores nothing and keeps serving`, async () => {
      const res = await rawPost(`${xta.url}/xta/${c.port ?? "send"}`, pki, { cert: portalCert, contentType: c.contentType ?? SOAP12(SEND), body: c.body() });
      expect(res.status).toBe(c.status);
      expect(res.contentType).toMatch(/^application\/soap\+xml/);
      expect(res.body).toContain(`<xta:${c.exception} `);
      expect(res.body).toContain(`<code>${c.code}</code>`);
      expect(res.body).toContain(`<s12:Value>${c.soapCode ?? (c.status === 400 ? "s12:Sender" : "s12:Receiver")}</s12:Value>`);
      if (c.soapCode === "s12:MustUnderstand") expect(res.body).toMatch(/<s12:NotUnderstood xmlns:nu="[^"]+wssecurity-secext-1.0.xsd" qname="nu:Security"\/>/);
      if (c.soapCode === "s12:VersionMismatch") expect(res.body).toContain(`<s12:Upgrade><s12:SupportedEnvelope qname="s12:Envelope"/></s12:Upgrade>`);
      if (c.subcode) expect(res.body).toContain(`<s12:Subcode><s12:Value>${c.subcode}</s12:Value></s12:Subcode>`);
      expect(res.body).not.toContain("root:");
      expect(await xsdErrors(res.body)).toEqual([]);
      expect(await rowCounts(xta.hub.databaseUrl)).toEqual(before);

      const ok = await rawPost(`${xta.url}/xta/management`, pki, { cert: portalCert, contentType: SOAP12(CHECK), body: envelope({ action: CHECK }) });
      expect(ok.status).toBe(200);
      expect(ok.body).toContain(`<wsa:Action>${CHECK}</wsa:Action>`);
    });
  }

  it("refuses a declared Content-Length over the limit before reading the body", async () => {
    const res = await rawPost(`${xta.url}/xta/send`, pki, { cert: portalCert, contentType: SOAP12(SEND), body: "x".repeat(LIMIT + 1) });
    expect(res.status).toBe(400);
    expect(res.body).toContain("<code>9023</code>");
    expect(res.body).toContain(`<wsa:Action>${SEND}</wsa:Action>`);
    expect(await rowCounts(xta.hub.databaseUrl)).toEqual(before);
  });
});
