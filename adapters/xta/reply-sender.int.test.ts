import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decidedNotification, testBescheid } from "../../test/support/notifications.ts";
import { testPki, type Issued, type TestPki } from "../../test/support/pki.ts";
import { XtaFaultError } from "./client.ts";
import { configureReplyServer, startPortalXtaServer, type PortalXtaServer } from "./fixtures/portal-xta-server.ts";
import { startXtaHub, PORTAL_AUTHOR, type XtaHub } from "./fixtures/xta-hub.ts";
import { xsdErrors } from "./fixtures/xsd.ts";
import type { PortalNotification } from "../../gateway/index.ts";
import { xtaSettings } from "./config.ts";
import { createXtaReplySender, prepareXtaReplies } from "./reply-sender.ts";

const PASSPHRASE_ENV = "OZG_HUB_TEST_XTA_REPLY_PASSPHRASE";
const bescheid = testBescheid(70_000);
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** A due `decided` notification for an application that came in by XTA. */
const decided = (sourceMessageId: string): PortalNotification =>
  decidedNotification({
    portalId: "xtaportal",
    channel: "xta-client",
    bescheid,
    delivery: { channel: "xta", sourceMessageId, metadata: { xta: { messageId: sourceMessageId, author: "psw:original-author", reader: "ags:01002000" } } },
  });

/**
 * The way back to an XTA portal that runs its own XTA server: ozg-hub, as client with its TLS
 * certificate, calls sendMessage on the portal's server. The other side is the `soap` package's
 * server built from the official WSDL, not ozg-hub's XTA server.
 */
describe("XTA status replies sent to the portal's own XTA server", () => {
  let pki: TestPki;
  let hubCert: Issued;
  let xta: XtaHub;
  let portalServer: PortalXtaServer;
  let send: ReturnType<typeof createXtaReplySender>;

  beforeAll(async () => {
    pki = testPki();
    hubCert = pki.client("ozg-hub");
    portalServer = await startPortalXtaServer(pki);
    xta = await startXtaHub(pki, { portal: pki.client("formsolutions-xta") });
    await configureReplyServer(xta.hub, pki, hubCert, portalServer, PASSPHRASE_ENV);
    const prepared = prepareXtaReplies(xta.hub.services.runtime().config);
    if (!prepared.ok) throw new Error(JSON.stringify(prepared.problems));
    const runtime = xta.hub.services.runtime;
    send = createXtaReplySender({
      portal: (id) => runtime().portals.byId(id),
      xta: () => xtaSettings(runtime().config.gateway.xta),
      tls: () => prepared.settings,
    });
  });
  afterAll(async () => {
    await portalServer?.close();
    await xta?.stop();
    delete process.env[PASSPHRASE_ENV];
  });

  it("sends the status event as Message and the Bescheid as Attachment, addressed back to the portal's author", async () => {
    const original = `urn:de:xta:messageid:sp:${randomUUID()}`;
    const n = decided(original);
    const detail = await send(n);
    expect(detail).toMatchObject({ messageId: `urn:de:xta:messageid:ozghub:${n.messageId}`, reader: "psw:original-author", server: portalServer.sendUrl });

    expect(portalServer.received).toHaveLength(1);
    const got = portalServer.received[0]!;
    expect(got.clientCertSha256).toBe(hubCert.sha256);
    const meta = got.headers.MessageMetaData;
    expect(meta.Originators.Author.Identifier.$value ?? meta.Originators.Author.Identifier).toBe("ozg-hub");
    expect(meta.Destinations.Reader.Identifier.$value ?? meta.Destinations.Reader.Identifier).toBe("psw:original-author");
    expect(meta.MsgIdentification.MessageID).toBe(`urn:de:xta:messageid:ozghub:${n.messageId}`);
    expect(meta.MsgIdentification["In-Reply-To"]).toBe(original);
    expect(meta.Qualifier.Service).toBe("urn:de:ozg-hub:status");

    const cc = got.body.ContentContainer;
    expect(cc.Message.attributes.contentType).toBe("application/cloudevents+json");
    const event = JSON.parse(Buffer.from(cc.Message.$value, "base64").toString("utf8"));
    expect(event).toMatchObject({ id: n.messageId, type: "de.ozghub.portal.status.v1", data: { status: "decided", sourceId: original } });
    expect(event.data.document).toEqual({ name: "bescheid.pdf", contentType: "application/pdf", size: bescheid.byteLength, sha256: sha256(bescheid) });
    const attachments = [cc.Attachment].flat();
    expect(attachments).toHaveLength(1);
    expect(attachments[0].attributes).toMatchObject({ contentType: "application/pdf", filename: "bescheid.pdf" });
    const pdf = Buffer.from(attachments[0].$value, "base64");
    expect(sha256(pdf)).toBe(sha256(bescheid));

    // The request as it went over the wire is valid against the official schemas.
    expect(got.xml).toContain("<oscimeta:MessageMetaData");
    expect(await xsdErrors(got.xml)).toEqual([]);
  });

  it("a status without a document travels without Attachment", async () => {
    const n = decided(`urn:de:xta:messageid:sp:${randomUUID()}`);
    const { document: _d, ...data } = n.payload.data as Record<string, unknown>;
    n.payload = { ...n.payload, data: { ...data, status: "received" } };
    n.delivery = { ...n.delivery, metadata: null };
    const before = portalServer.received.length;
    const detail = await send(n);
    expect(detail.reader).toBe(PORTAL_AUTHOR); // the original names no author: the portal's own identifier
    const got = portalServer.received[before]!;
    expect(got.body.ContentContainer.Attachment ?? []).toEqual([]);
    expect(JSON.parse(Buffer.from(got.body.ContentContainer.Message.$value, "base64").toString("utf8")).data.status).toBe("received");
  });

  it("a fault from the server fails the attempt; the next attempt delivers", async () => {
    const n = decided(`urn:de:xta:messageid:sp:${randomUUID()}`);
    const before = portalServer.received.length;
    portalServer.mode = { kind: "fault", times: 1 };
    const failed = await send(n).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(XtaFaultError);
    expect((failed as XtaFaultError).code).toBe("9999");
    expect(portalServer.received).toHaveLength(before);
    await send({ ...n, attempt: 2 });
    expect(portalServer.received).toHaveLength(before + 1);
  });

  it("a server that is down fails the attempt; once it is back the reply arrives once", async () => {
    const n = decided(`urn:de:xta:messageid:sp:${randomUUID()}`);
    const before = portalServer.received.length;
    await portalServer.down();
    await expect(send(n)).rejects.toThrow(/ECONNREFUSED|socket|connect/i);
    await portalServer.up();
    await send({ ...n, attempt: 2 });
    expect(portalServer.received.slice(before).map((r) => r.headers.MessageMetaData.MsgIdentification.MessageID)).toEqual([
      `urn:de:xta:messageid:ozghub:${n.messageId}`,
    ]);
  });

  it("a wrong PKCS#12 passphrase is a config problem at reload, not a failing reply", async () => {
    const right = process.env[PASSPHRASE_ENV];
    process.env[PASSPHRASE_ENV] = "wrong";
    try {
      const reloaded = await xta.hub.services.reload();
      expect(reloaded.ok).toBe(false);
      expect(!reloaded.ok && reloaded.problems).toEqual([expect.objectContaining({ file: "portals/xtaportal", path: "xta.replyServer.pkcs12File" })]);
    } finally {
      process.env[PASSPHRASE_ENV] = right;
    }
    expect((await xta.hub.services.reload()).ok).toBe(true);
  });

  it("a server that has the MessageID already (its answer to an earlier attempt was lost) counts as delivered", async () => {
    portalServer.mode = { kind: "duplicate" };
    try {
      await expect(send(decided(`urn:de:xta:messageid:sp:${randomUUID()}`))).resolves.toMatchObject({ alreadyThere: true });
    } finally {
      portalServer.mode = { kind: "accept" };
    }
  });
});
