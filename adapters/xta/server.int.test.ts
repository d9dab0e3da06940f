import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowCounts } from "../../test/support/database.ts";
import { REPO } from "../../test/support/hub.ts";
import { testPki } from "../../test/support/pki.ts";
import { faultOf, portalClient, type PortalClient } from "./fixtures/portal-client.ts";
import { startXtaHub, PORTAL_AUTHOR, type XtaHub } from "./fixtures/xta-hub.ts";
import { xsdErrors } from "./fixtures/xsd.ts";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const xdomea = readFileSync(path.join(REPO, "mappings/xdomea/fixtures/gewerbeanmeldung-kiel-2-4.input.xml"));
const pdf = Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(200_000, 0x25)]);
const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x0d, 0x0a, 0x1a]), Buffer.alloc(300_000, 0xab)]);
const files = [
  { contentType: "application/pdf", filename: "7e2b1a90_Antrag.pdf", bytes: pdf },
  { contentType: "image/jpeg", filename: "1f9e8d7c_Aufenthaltstitel.jpg", bytes: jpeg },
];
const newId = () => `urn:de:xta:messageid:fs:${randomUUID()}`;

describe("XTA server role over HTTPS, driven by the soap client with the official WSDL", () => {
  // Certificates are made once, when the file is collected; the hub is started per run.
  const pki = testPki();
  const portalCert = pki.client("formsolutions-xta");
  let xta: XtaHub;
  let portal: PortalClient;

  beforeAll(async () => {
    xta = await startXtaHub(pki, { portal: portalCert });
    portal = await portalClient(xta.url, pki, portalCert);
  });
  afterAll(async () => {
    await xta?.stop();
  });

  /** The transport report's Status, waiting up to 5 s for `want`. */
  async function reportStatus(messageId: string, want: string): Promise<string | undefined> {
    let status: string | undefined;
    for (let i = 0; i < 50 && status !== want; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      const [, raw] = await portal.getTransportReport(messageId);
      status = /<xta:Status>(\d)<\/xta:Status>/.exec(raw)?.[1];
    }
    return status;
  }

  it("answers checkAccountActive and createMessageId with WS-Addressing replies", async () => {
    await portal.checkAccountActive(PORTAL_AUTHOR);
    const [, raw] = await portal.createMessageId();
    expect(raw).toMatch(/<wsa:MessageID>urn:de:xta:messageid:ozghub:[0-9a-f-]{36}<\/wsa:MessageID><\/s12:Body>/);
    expect(raw).toContain("<wsa:Action>http://www.xta.de/XTA/CreateMessageID</wsa:Action>");
    expect(raw).toMatch(/<wsa:RelatesTo>urn:uuid:[0-9a-f-]{36}<\/wsa:RelatesTo>/);
  });

  for (const mtom of [false, true]) {
    it(`delivers an xdomea message with two attachments (${mtom ? "MTOM/XOP" : "inline base64"}) to Kiel's queues`, async () => {
      const messageId = newId();
      await portal.sendMessage({
        messageId,
        author: PORTAL_AUTHOR,
        reader: "ags:01002000",
        message: { contentType: "application/xml", filename: "xdomea.xml", bytes: xdomea },
        attachments: files,
        mtom,
      });
      const [gewerbe] = await xta.hub.broker.drain(xta.hub.queue("kiel", "gewerbe"), { atLeast: 1 });
      const [dms] = await xta.hub.broker.drain(xta.hub.queue("kiel", "dms"), { atLeast: 1 });
      for (const msg of [gewerbe!, dms!]) {
        const ev = msg.body as any;
        expect(ev).toMatchObject({ ozgtenant: "kiel", ozgformat: "xdomea", ozgleikakey: "99050012104000" });
        expect(ev.data.sourceId).toBe("5f3a9c1e-8b2d-4e6f-a017-2c4b6d8e0f12"); // the xdomea ProzessID
        expect(ev.data.data.xta.messageId).toBe(messageId);
        expect(ev.data.recipient).toMatchObject({ xtaReader: "ags:01002000" });
        expect(ev.data.attachments.map((a: any) => [a.name, a.size, a.sha256])).toEqual(files.map((f) => [f.filename, f.bytes.length, sha(f.bytes)]));
      }
      expect(await xta.hub.broker.count(xta.hub.queue("augsburg", "dms"))).toBe(0);

      // The relay marks the delivery published in the transaction after the broker's confirm.
      expect(await reportStatus(messageId, "1")).toBe("1");
    });
  }

  it("the Reader decides the tenant: a document naming Augsburg sent to Kiel's Reader is parked for Kiel, never published to Augsburg", async () => {
    const messageId = newId();
    const augsburgDoc = readFileSync(path.join(REPO, "mappings/xdomea/fixtures/ummeldung-augsburg-3-0.input.xml"));
    await portal.sendMessage({ messageId, author: PORTAL_AUTHOR, reader: "ags:01002000", message: { contentType: "application/xml", bytes: augsburgDoc } });
    const sql = postgres(xta.hub.databaseUrl, { max: 1 });
    try {
      const [d] = await sql<{ state: string; tenant_id: string | null; park_reason: { message: string } | null }[]>`
        select state, tenant_id, park_reason from deliveries where source_message_id = ${messageId}`;
      expect(d).toMatchObject({ state: "parked", tenant_id: "kiel" });
      expect(d!.park_reason!.message).toContain("addressed to kiel, document names augsburg");
    } finally {
      await sql.end();
    }
    expect(await xta.hub.broker.count(xta.hub.queue("augsburg", "dms"))).toBe(0);
  });

  it("refuses a reused MessageID with 9024 and stores nothing", async () => {
    const messageId = newId();
    await portal.sendMessage({ messageId, author: PORTAL_AUTHOR, reader: "ags:01002000", message: { contentType: "application/xml", bytes: xdomea } });
    await xta.hub.broker.drain(xta.hub.queue("kiel", "dms"), { atLeast: 1 });
    const before = await rowCounts(xta.hub.databaseUrl);
    const err = await portal
      .sendMessage({ messageId, author: PORTAL_AUTHOR, reader: "ags:01002000", message: { contentType: "application/xml", bytes: xdomea } })
      .catch((e: unknown) => e);
    expect(faultOf(err)).toMatchObject({ status: 400, exception: "ParameterIsNotValidException", code: "9024" });
    expect(await rowCounts(xta.hub.databaseUrl)).toEqual(before);
  });

  it("refuses a message whose Author the certificate does not belong to (9014)", async () => {
    const before = await rowCounts(xta.hub.databaseUrl);
    const err = await portal
      .sendMessage({ messageId: newId(), author: "psw:someone-else", reader: "ags:01002000", message: { contentType: "application/xml", bytes: xdomea } })
      .catch((e: unknown) => e);
    expect(faultOf(err)).toMatchObject({ exception: "PermissionDeniedException", code: "9014" });
    const err2 = await portal.checkAccountActive("psw:someone-else").catch((e: unknown) => e);
    expect(faultOf(err2)).toMatchObject({ exception: "PermissionDeniedException", code: "9014" });
    expect(await rowCounts(xta.hub.databaseUrl)).toEqual(before);
  });

  it("refuses unknown, self-signed and missing client certificates with 9012, then serves the portal again", async () => {
    const before = await rowCounts(xta.hub.databaseUrl);
    for (const cert of [pki.client("unknown-but-ca-signed"), pki.client("self-signed", { selfSigned: true }), undefined]) {
      const stranger = await portalClient(xta.url, pki, cert);
      const err = await stranger
        .sendMessage({ messageId: newId(), author: PORTAL_AUTHOR, reader: "ags:01002000", message: { contentType: "application/xml", bytes: xdomea } })
        .catch((e: unknown) => e);
      expect(faultOf(err)).toMatchObject({ status: 400, exception: "PermissionDeniedException", code: "9012" });
      // The refusal is related to the request (WS-Addressing), read from the request's header only.
      const requestId = /<wsa:MessageID[^>]*>([^<]+)<\/wsa:MessageID>/.exec(stranger.send.lastRequest ?? "")?.[1];
      expect(requestId).toMatch(/^urn:uuid:/);
      expect(faultOf(err).body).toContain(`<wsa:RelatesTo>${requestId}</wsa:RelatesTo>`);
      for (const reply of stranger.replies) expect(await xsdErrors(reply)).toEqual([]);
    }
    expect(await rowCounts(xta.hub.databaseUrl)).toEqual(before);
    await portal.checkAccountActive(PORTAL_AUTHOR);
  });

  it("answers sendMessageSync with SyncAsync (asynchronous only)", async () => {
    const before = await rowCounts(xta.hub.databaseUrl);
    const err = await portal
      .sendMessageSync({ messageId: newId(), author: PORTAL_AUTHOR, reader: "ags:01002000", message: { contentType: "application/xml", bytes: xdomea } })
      .catch((e: unknown) => e);
    expect(faultOf(err)).toMatchObject({ exception: "SyncAsyncException", code: "9080" });
    expect(await rowCounts(xta.hub.databaseUrl)).toEqual(before);
  });

  it("reports lookupService availability from tenants and their subscribers", async () => {
    const [, kielTrade] = await portal.lookupService("ags:01002000", "urn:de:fim:leika:leistung:99050012104000");
    expect(kielTrade).toContain("<xta:ServiceIsAvailable>true</xta:ServiceIsAvailable>");
    const [, nobody] = await portal.lookupService("ags:99999999", "urn:de:fim:leika:leistung:99050012104000");
    expect(nobody).toContain("<xta:ServiceIsAvailable>false</xta:ServiceIsAvailable>");
  });

  it("cancels a message nobody has received yet, and refuses to cancel a published one", async () => {
    // An unknown Reader parks the delivery: held for an operator, not yet handed out.
    const parked = newId();
    await portal.sendMessage({
      messageId: parked,
      author: PORTAL_AUTHOR,
      reader: "ags:99999999",
      message: { contentType: "application/xml", bytes: readFileSync(path.join(REPO, "mappings/xdomea/fixtures/minimal-transport-reader.input.xml")) },
    });
    const [, open] = await portal.getTransportReport(parked);
    expect(open).toContain("<xta:Status>2</xta:Status>");
    await portal.cancelMessage(parked);
    const [, cancelled] = await portal.getTransportReport(parked);
    expect(cancelled).toContain("<xta:Status>3</xta:Status>");

    const published = newId();
    await portal.sendMessage({
      messageId: published,
      author: PORTAL_AUTHOR,
      reader: "ags:01002000",
      message: { contentType: "application/xml", bytes: xdomea },
    });
    await xta.hub.broker.drain(xta.hub.queue("kiel", "dms"), { atLeast: 1 });
    await xta.hub.broker.drain(xta.hub.queue("kiel", "gewerbe"), { atLeast: 1 });
    expect(await reportStatus(published, "1")).toBe("1");
    expect(faultOf(await portal.cancelMessage(published).catch((e: unknown) => e))).toMatchObject({ exception: "CancelDeniedException" });
    expect(faultOf(await portal.cancelMessage(newId()).catch((e: unknown) => e))).toMatchObject({ exception: "InvalidMessageIDException", code: "9070" });
    expect(faultOf(await portal.getTransportReport(newId()).catch((e: unknown) => e))).toMatchObject({ exception: "InvalidMessageIDException", code: "9070" });
  });

  it("gave only replies and faults that are valid against the official XTA schemas", async () => {
    expect(portal.replies.length).toBeGreaterThan(15);
    expect(portal.replies.some((r) => r.includes("s12:Fault"))).toBe(true);
    for (const reply of portal.replies) expect(await xsdErrors(reply), reply).toEqual([]);
  });
});
