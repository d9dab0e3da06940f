import { createHash, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Issued } from "../support/pki.ts";
import { configureReplyServer, startPortalXtaServer, type PortalXtaServer } from "../../adapters/xta/fixtures/portal-xta-server.ts";
import { PORTAL_AUTHOR } from "../../adapters/xta/fixtures/xta-hub.ts";
import { eventually } from "./support.ts";
import { xtaWayBackPerSuite } from "./xta-way-back.ts";

const PASSPHRASE_ENV = "OZG_HUB_TEST_XTA_WAY_BACK_PASSPHRASE";

/**
 * XTA portal with its own XTA server -> ozg-hub -> the example Fachverfahren -> `received` and
 * `decided` with a Bescheid -> ozg-hub sends both to the portal's XTA server with sendMessage.
 * The portal's server (the `soap` package's server from the official WSDL, mutual TLS) is down
 * at first and then answers one fault: the dispatcher retries until both replies are there, each
 * once, and the timeline shows every attempt.
 */
describe("the way back to an XTA portal's own XTA server", () => {
  let portalServer: PortalXtaServer;
  let hubCert: Issued;
  const sent = `urn:de:xta:messageid:sp:${randomUUID()}`;
  // The portal's own XTA server, down at first; the hub sends replies to it.
  const suite = xtaWayBackPerSuite(sent, {
    async configure(xta, pki) {
      hubCert = pki.client("ozg-hub");
      portalServer = await startPortalXtaServer(pki);
      await portalServer.down();
      await configureReplyServer(xta.hub, pki, hubCert, portalServer, PASSPHRASE_ENV);
    },
    async stop() {
      await portalServer?.close();
      delete process.env[PASSPHRASE_ENV];
    },
  });

  const timeline = async () => {
    const [d] = await suite.xta.hub.services.store.sql<{ id: string }[]>`select id from deliveries where source_message_id = ${sent}`;
    if (!d) return [];
    return suite.xta.hub.services.store.sql<{ type: string; detail: any }[]>`select type, detail from events where delivery_id = ${d.id} order by id`;
  };

  it("retries while the portal's server is down or answers a fault, then delivers `received` and `decided` with the Bescheid, each once", async () => {
    await eventually(async () => ((await timeline()).filter((e) => e.type === "notify-failed").length >= 3 ? true : undefined), "failed attempts while down");
    expect(portalServer.received).toHaveLength(0);
    portalServer.mode = { kind: "fault", times: 1 };
    await portalServer.up();
    await eventually(async () => (portalServer.received.length >= 2 ? true : undefined), "both replies at the portal's server", 30_000);
    await new Promise((r) => setTimeout(r, 1500)); // longer than the longest backoff: nothing comes twice
    expect(portalServer.received).toHaveLength(2);
    expect(portalServer.attempts.filter((a) => a.answered === "fault")).toHaveLength(1);

    const events = portalServer.received.map((r) => JSON.parse(Buffer.from(r.body.ContentContainer.Message.$value, "base64").toString("utf8")));
    expect(events.map((e) => e.data.status).sort()).toEqual(["decided", "received"]);
    for (const r of portalServer.received) {
      const meta = r.headers.MessageMetaData;
      expect(r.clientCertSha256).toBe(hubCert.sha256);
      expect(meta.Originators.Author.Identifier.$value ?? meta.Originators.Author.Identifier).toBe("ozg-hub");
      expect(meta.Destinations.Reader.Identifier.$value ?? meta.Destinations.Reader.Identifier).toBe(PORTAL_AUTHOR);
      expect(meta.MsgIdentification["In-Reply-To"]).toBe(sent);
    }
    const i = events.findIndex((e) => e.data.status === "decided");
    const decided = events[i];
    expect(decided.data.sourceId).toBe(sent);
    const attachment = [portalServer.received[i]!.body.ContentContainer.Attachment].flat()[0];
    expect(attachment.attributes).toMatchObject({ contentType: "application/pdf", filename: decided.data.document.name });
    const pdf = Buffer.from(attachment.$value, "base64");
    expect(createHash("sha256").update(pdf).digest("hex")).toBe(decided.data.document.sha256);
    expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
  });

  it("the timeline shows the application, both statuses, every failed attempt and the replies sent", async () => {
    const events = await eventually(async () => {
      const t = await timeline();
      return t.filter((e) => e.type === "notified").length === 2 ? t : undefined;
    }, "both replies on the timeline");
    const steps = events.map((e) => (e.type === "status" ? `status:${e.detail.status}` : e.type));
    for (const step of ["mapped", "routed", "published", "status:received", "notification-queued", "status:decided"]) expect(steps).toContain(step);
    expect(events.filter((e) => e.type === "notification-queued").map((e) => e.detail.channel)).toEqual(["xta-client", "xta-client"]);
    const failed = events.filter((e) => e.type === "notify-failed");
    expect(failed.length).toBeGreaterThanOrEqual(3);
    expect(failed.every((e) => e.detail.channel === "xta-client")).toBe(true);
    expect(failed.some((e) => /ECONNREFUSED|connect/i.test(e.detail.error))).toBe(true);
    expect(failed.some((e) => /XTAWSTechnicalProblemException 9999/.test(e.detail.error))).toBe(true);
    const notified = events.filter((e) => e.type === "notified");
    expect(notified.map((e) => e.detail.channel)).toEqual(["xta-client", "xta-client"]);
    for (const n of notified)
      expect(n.detail).toMatchObject({
        reader: PORTAL_AUTHOR,
        server: portalServer.sendUrl,
        messageId: expect.stringMatching(/^urn:de:xta:messageid:ozghub:/),
      });
    // Nothing waits in the portal's msgBox at ozg-hub: the replies went to its own server.
    const [, list] = await suite.portal.getStatusList();
    expect(list).toContain("<osci:NoMessageAvailable");
  });
});
