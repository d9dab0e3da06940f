import { randomUUID } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { antragBody, ozgCloudForm } from "../../test/support/forms.ts";
import { TOKENS } from "../../test/support/hub.ts";
import { rawPost } from "./fixtures/https.ts";
import { metaDataXml } from "./fixtures/portal-client.ts";
import { PORTAL_AUTHOR, xtaHubPerSuite } from "./fixtures/xta-hub.ts";
import { xsdErrors } from "./fixtures/xsd.ts";

const S12 = "http://www.w3.org/2003/05/soap-envelope";
const WSA = "http://www.w3.org/2005/08/addressing";
const SEND = "http://www.xta.de/XTA/SendMessage";

function sendEnvelope(): string {
  const meta = metaDataXml({ messageId: `urn:de:xta:messageid:fs:${randomUUID()}`, author: PORTAL_AUTHOR, reader: "ags:01002000" });
  const body = `<xta:GenericContentContainer xmlns:xta="http://xoev.de/transport/xta/211"><xta:ContentContainer><xta:Message contentType="application/xml">PGEvPg==</xta:Message></xta:ContentContainer></xta:GenericContentContainer>`;
  return `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="${S12}" xmlns:wsa="${WSA}"><s:Header><wsa:Action>${SEND}</wsa:Action><wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID>${meta}</s:Header><s:Body>${body}</s:Body></s:Envelope>`;
}

describe("XTA sendMessage while the broker is behind", () => {
  const suite = xtaHubPerSuite({
    // A backlog of one row is too much, and no relay works it off: the broker is "behind".
    async configure(xta) {
      const file = path.join(xta.hub.configDir, "gateway.yaml");
      const gateway = parse(await readFile(file, "utf8"));
      gateway.relay.maxBacklog = 1;
      gateway.relay.retryAfterSeconds = 9;
      await writeFile(file, stringify(gateway));
      expect((await xta.hub.services.reload()).ok).toBe(true);
      await xta.hub.services.relay.stop();
    },
  });

  it("answers XTAWSTechnicalProblemException 9030 (Receiver) and stores nothing", async () => {
    const res = await suite.xta.hub.app.request("/antrag", {
      method: "POST",
      headers: { authorization: `Bearer ${TOKENS.formsolutions}` },
      body: antragBody(ozgCloudForm({ transactionId: "xta-busy" }), []),
    });
    expect(res.status).toBe(202); // backlog was 0: accepted, two rows now wait for the broker
    for (let i = 0; i < 50 && suite.xta.hub.services.relay.backlog(0) < 1; i++) await new Promise((r) => setTimeout(r, 50));
    const sql = suite.xta.hub.services.store.sql;
    const count = async () => (await sql<{ n: number }[]>`select count(*)::int as n from deliveries`)[0]!.n;
    expect(await count()).toBe(1);

    const fault = await rawPost(`${suite.xta.url}/xta/send`, suite.pki, {
      cert: suite.portalCert,
      contentType: `application/soap+xml; charset=utf-8; action="${SEND}"`,
      body: sendEnvelope(),
    });
    expect(fault.status).toBe(500);
    expect(fault.contentType).toMatch(/^application\/soap\+xml/);
    expect(fault.body).toContain("<xta:XTAWSTechnicalProblemException ");
    expect(fault.body).toContain("<code>9030</code>");
    expect(fault.body).toContain("<s12:Value>s12:Receiver</s12:Value>");
    expect(fault.body).toContain("retry in 9 s");
    expect(await xsdErrors(fault.body)).toEqual([]);
    expect(await count()).toBe(1);
  });
});
