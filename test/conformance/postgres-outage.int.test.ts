import { randomUUID } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { challenge } from "../../adapters/osci/fixtures/client.ts";
import { prepareOsci, settledRowCounts, xdomea, type OsciSetup } from "../../adapters/osci/fixtures/osci-hub.ts";
import { osciXsdErrors } from "../../adapters/osci/fixtures/xsd.ts";
import { serveHttps } from "../../adapters/xta/fixtures/https.ts";
import { testPki, type Issued, type TestPki } from "../support/pki.ts";
import { faultOf, portalClient } from "../../adapters/xta/fixtures/portal-client.ts";
import { xsdErrors } from "../../adapters/xta/fixtures/xsd.ts";
import { antragBody, ozgCloudForm } from "../support/forms.ts";
import { REPO, startTestHub, TOKENS, type TestHub } from "../support/hub.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";

const XTA_AUTHOR = "psw:formsolutions";
const OSCI = "http://www.osci.de/2002/04/osci";

/**
 * Postgres goes away (its connections cut by a TCP proxy between ozg-hub and the database) while
 * an OSCI, an XTA and a REST delivery arrive. Each sender gets the "try again later" of its own
 * protocol, never another protocol's error document, and nothing is stored.
 */
describe("a Postgres outage answered in each protocol", () => {
  let proxy: TcpProxy;
  let hub: TestHub;
  let osci: OsciSetup;
  let pki: TestPki;
  let xtaCert: Issued;
  let xta: { url: string; close(): Promise<void> };
  let before: Record<string, number>;

  beforeAll(async () => {
    const db = new URL(inject("databaseUrl"));
    proxy = await TcpProxy.start({ host: db.hostname, port: Number(db.port || 5432) });
    osci = prepareOsci();
    pki = testPki();
    xtaCert = pki.client("formsolutions-xta");
    hub = await startTestHub({ gateway: { osci: osci.gateway }, databaseVia: (url) => proxy.url(url) });
    await writeFile(
      path.join(hub.configDir, "portals/xtaportal.yaml"),
      stringify({ id: "xtaportal", name: "XTA portal", channels: ["xta"], xta: { certificateSha256: [xtaCert.sha256], authorIdentifiers: [XTA_AUTHOR] } }),
    );
    await osci.configure(hub); // reloads the config with the XTA portal too
    xta = await serveHttps(hub.app, pki);
    before = await settledRowCounts(hub.databaseUrl);
  });
  afterAll(async () => {
    proxy?.restore();
    await xta?.close();
    await hub?.stop();
    await osci?.cleanup();
    await proxy?.close();
  });

  it("OSCI: an unsigned 9000 fault, valid against the OSCI schema", async () => {
    const got = await osci.portal.send(hub.app, "getMessageId", { control: { challenge: challenge(), sequenceNumber: 0 } });
    const messageId = got.doc.getElementsByTagNameNS(OSCI, "MessageId").item(0)?.textContent;
    expect(messageId).toBeTruthy();

    proxy.cut();
    try {
      const a = await osci.portal.send(hub.app, "storeDelivery", {
        control: { challenge: challenge(), sequenceNumber: 0 },
        messageId: messageId!,
        content: { document: xdomea("osci-outage"), encryptFor: osci.parties.kielReader.certPem, author: osci.parties.portalSig },
      });
      expect(a.status).toBe(500);
      expect(a.fault, a.xml.slice(0, 600)).toBe(true);
      expect(a.code).toBe("9000");
      // The connection died mid-request: whether it was stored is unknown to ozg-hub, so it says so.
      expect(a.xml).toContain("may have been stored: retry with the same message id");
      expect(await osciXsdErrors(a.xml, "soapMessageFault")).toEqual([]);
    } finally {
      proxy.restore();
    }
    expect(await settledRowCounts(hub.databaseUrl)).toEqual(before);
  });

  it("XTA: a SOAP fault with Fehlernummer 9030 (XTAWSTechnicalProblemException), valid against the XTA schema", async () => {
    const portal = await portalClient(xta.url, pki, xtaCert);
    await portal.checkAccountActive(XTA_AUTHOR); // the account works before the outage
    const xml = await readFile(path.join(REPO, "mappings/xdomea/fixtures/gewerbeanmeldung-kiel-2-4.input.xml"));
    proxy.cut();
    let err: unknown;
    try {
      err = await portal
        .sendMessage({
          messageId: `urn:de:xta:messageid:fs:${randomUUID()}`,
          author: XTA_AUTHOR,
          reader: "ags:01002000",
          message: { contentType: "application/xml", bytes: xml },
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
    } finally {
      proxy.restore();
    }
    expect(faultOf(err)).toMatchObject({ status: 500, exception: "XTAWSTechnicalProblemException", code: "9030" });
    for (const reply of portal.replies) expect(await xsdErrors(reply)).toEqual([]);
    expect(await settledRowCounts(hub.databaseUrl)).toEqual(before);
  });

  it("REST: 503 problem+json with Retry-After", async () => {
    proxy.cut();
    let res: Response;
    try {
      res = await hub.app.request("/antrag", {
        method: "POST",
        headers: { authorization: `Bearer ${TOKENS.formsolutions}` },
        body: antragBody(ozgCloudForm({ transactionId: "rest-outage" }), [
          { part: "attachment", name: "nachweis.pdf", type: "application/pdf", content: "%PDF outage" },
        ]),
      });
    } finally {
      proxy.restore();
    }
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.headers.get("retry-after")).toBe("5");
    expect(await res.json()).toMatchObject({ status: 503, title: "Service Unavailable" });
    expect(await settledRowCounts(hub.databaseUrl)).toEqual(before);
  });
});
