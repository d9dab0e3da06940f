import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import type http from "node:http";
import https from "node:https";
import soap from "soap";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { createAdaptorServer } from "@hono/node-server";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../test/support/process.ts";
import { REPO } from "../../test/support/hub.ts";
import { testPki, type Issued, type TestPki } from "../../test/support/pki.ts";
import { faultOf, portalClient } from "./fixtures/portal-client.ts";
import { rawPost } from "./fixtures/https.ts";
import { startXtaHub, PORTAL_AUTHOR, type XtaHub } from "./fixtures/xta-hub.ts";
import { xsdErrors } from "./fixtures/xsd.ts";

describe("XTA on the adapter's own HTTPS listener (gateway.yaml xta.https)", () => {
  let pki: TestPki;
  let xta: XtaHub;
  let dir: string;
  let url: string;
  let cert: Issued;

  beforeAll(async () => {
    pki = testPki();
    cert = pki.client("formsolutions-xta");
    dir = await mkdtemp(path.join(tmpdir(), "ozg-hub-tls-"));
    await writeFile(path.join(dir, "server.key"), pki.server.keyPem);
    await writeFile(path.join(dir, "server.pem"), pki.server.certPem);
    await writeFile(path.join(dir, "ca.pem"), pki.caPem);
    const port = await freePort();
    xta = await startXtaHub(
      pki,
      { portal: cert },
      {
        xta: {
          https: { port, host: "127.0.0.1", keyFile: path.join(dir, "server.key"), certFile: path.join(dir, "server.pem"), caFile: path.join(dir, "ca.pem") },
        },
      },
    );
    url = `https://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await xta?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("serves the XTA ports with client certificates and delivers to the tenant's queue", async () => {
    const portal = await portalClient(url, pki, cert);
    await portal.checkAccountActive(PORTAL_AUTHOR);
    const messageId = `urn:de:xta:messageid:fs:${randomUUID()}`;
    const xml = await readFile(path.join(REPO, "mappings/xdomea/fixtures/gewerbeanmeldung-kiel-2-4.input.xml"));
    await portal.sendMessage({ messageId, author: PORTAL_AUTHOR, reader: "ags:01002000", message: { contentType: "application/xml", bytes: xml } });
    const [msg] = await xta.hub.broker.drain(xta.hub.queue("kiel", "dms"), { atLeast: 1 });
    expect((msg!.body as any).data.data.xta.messageId).toBe(messageId);

    const stranger = await portalClient(url, pki, pki.client("stranger"));
    expect(faultOf(await stranger.checkAccountActive().catch((e: unknown) => e))).toMatchObject({ exception: "PermissionDeniedException", code: "9012" });
    for (const reply of [...portal.replies, ...stranger.replies]) expect(await xsdErrors(reply)).toEqual([]);
  });

  it("does not let a proxy header stand in for a certificate on the TLS port, even with a trusted proxy configured", async () => {
    const file = path.join(xta.hub.configDir, "gateway.yaml");
    const gateway = parse(await readFile(file, "utf8"));
    gateway.xta.trustedProxy = { header: "x-ssl-client-sha256" };
    await writeFile(file, stringify(gateway));
    expect(await xta.hub.services.reload()).toEqual({ ok: true });
    const action = "http://www.xta.de/XTA/CheckAccountActive";
    const res = await rawPost(`${url}/xta/management`, pki, {
      contentType: `application/soap+xml; action="${action}"`,
      headers: { "x-ssl-client-sha256": cert.sha256 },
      body: `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing"><s:Header><wsa:Action>${action}</wsa:Action><wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID></s:Header><s:Body/></s:Envelope>`,
    });
    expect(res.status).toBe(400);
    expect(res.body).toContain("<code>9012</code>");
  });

  it("serves the WSDL with its own addresses, and a soap client built from it works", async () => {
    const agent = new https.Agent({ ca: pki.caPem, cert: cert.certPem, key: cert.keyPem });
    const client = await soap.createClientAsync(`${url}/xta/management?wsdl`, { forceSoap12Headers: true, wsdl_options: { httpsAgent: agent } });
    const services = client.describe() as Record<string, Record<string, unknown>>;
    expect(Object.keys(services.XTAService!)).toEqual(["MsgBoxPort", "SendXtaPort", "ManagementPort"]);
    const text = await new Promise<string>((resolve, reject) =>
      https
        .get(`${url}/xta/send?wsdl`, { ca: pki.caPem }, (res) => {
          let body = "";
          res.on("data", (d) => (body += d));
          res.on("end", () => resolve(body));
        })
        .on("error", reject),
    );
    expect(text).toContain(`<soap:address location="${url}/xta/msgbox"/>`);
    expect(text).toContain(`<soap:address location="${url}/xta/send"/>`);
    expect(text).toContain(`<soap:address location="${url}/xta/management"/>`);
    expect(text).not.toContain("REPLACE_WITH_ACTUAL_URL");
  });

  it("takes the proxy header on a plain connection only from the proxy's addresses", async () => {
    const plain = createAdaptorServer({ fetch: xta.hub.app.fetch }) as http.Server;
    await new Promise<void>((r) => plain.listen(0, "127.0.0.1", r));
    const action = "http://www.xta.de/XTA/CheckAccountActive";
    const check = () =>
      fetch(`http://127.0.0.1:${(plain.address() as AddressInfo).port}/xta/management`, {
        method: "POST",
        headers: { "content-type": `application/soap+xml; action="${action}"`, "x-ssl-client-sha256": cert.sha256 },
        body: `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing"><s:Header><wsa:Action>${action}</wsa:Action><wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID></s:Header><s:Body/></s:Envelope>`,
      });
    const file = path.join(xta.hub.configDir, "gateway.yaml");
    const proxyFrom = async (from: string[]) => {
      const gateway = parse(await readFile(file, "utf8"));
      gateway.xta.trustedProxy = { header: "x-ssl-client-sha256", from };
      await writeFile(file, stringify(gateway));
      expect(await xta.hub.services.reload()).toEqual({ ok: true });
    };
    try {
      await proxyFrom(["10.0.0.0/8", "127.0.0.1"]);
      expect((await check()).status).toBe(200);
      await proxyFrom(["10.0.0.0/8", "fd00::/8"]);
      const refused = await check();
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain("<code>9012</code>");
    } finally {
      plain.closeAllConnections();
      await new Promise((r) => plain.close(r));
    }
  });
});
