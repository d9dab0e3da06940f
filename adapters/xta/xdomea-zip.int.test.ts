import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowCounts } from "../../test/support/database.ts";
import { REPO } from "../../test/support/hub.ts";
import { testPki } from "../../test/support/pki.ts";
import { faultOf, portalClient, type PortalClient } from "./fixtures/portal-client.ts";
import { startXtaHub, PORTAL_AUTHOR, type XtaHub } from "./fixtures/xta-hub.ts";

const DIR = path.join(REPO, "gateway/intake/fixtures/xdomea-zip");
const MESSAGE = "5f3a9c1e-8b2d-4e6f-a017-2c4b6d8e0f12_Geschaeftsgang.Geschaeftsgang.0201";

/** sendMessage whose Message is an xdomea ZIP container, sent by the soap client with the official WSDL. */
describe("XTA sendMessage with an xdomea ZIP container", () => {
  let xta: XtaHub;
  let portal: PortalClient;

  beforeAll(async () => {
    const pki = testPki();
    const cert = pki.client("formsolutions-xta");
    xta = await startXtaHub(pki, { portal: cert });
    portal = await portalClient(xta.url, pki, cert);
  });
  afterAll(async () => {
    await xta?.stop();
  });

  const send = (zip: string, contentType = "application/zip") =>
    portal.sendMessage({
      messageId: `urn:de:xta:messageid:fs:${randomUUID()}`,
      author: PORTAL_AUTHOR,
      reader: "ags:01002000",
      message: { contentType, filename: `${MESSAGE}.zip`, bytes: readFileSync(path.join(DIR, zip)) },
    });

  it("delivers the message with its primary documents, also when the container is labelled octet-stream", async () => {
    for (const type of ["application/zip", "application/octet-stream"]) {
      await send(`${MESSAGE}.zip`, type);
      const [dms] = await xta.hub.broker.drain(xta.hub.queue("kiel", "dms"), { atLeast: 1 });
      await xta.hub.broker.drain(xta.hub.queue("kiel", "gewerbe"), { atLeast: 1 });
      const data = (dms!.body as any).data;
      expect(data.sourceFormat).toBe("xdomea");
      expect(data.recipient).toMatchObject({ xtaReader: "ags:01002000" });
      expect(data.attachments.map((a: any) => a.name)).toEqual(["7e2b1a90_Antrag.pdf", "1f9e8d7c_Aufenthaltstitel.jpg", `${MESSAGE}.zip`]);
    }
  });

  it.each([
    ["bomb-ratio.zip", "9050"],
    ["bomb-entries.zip", "9023"],
    ["bomb-traversal.zip", "9050"],
    ["bomb-nested.zip", "9050"],
  ])("refuses %s with an XTA fault and stores nothing", async (zip, code) => {
    const before = await rowCounts(xta.hub.databaseUrl);
    const fault = faultOf(await send(zip).catch((e: unknown) => e));
    expect(fault.code).toBe(code);
    expect(await rowCounts(xta.hub.databaseUrl)).toEqual(before);
  });
});
