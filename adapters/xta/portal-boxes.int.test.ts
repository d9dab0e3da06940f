import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { REPO } from "../../test/support/hub.ts";
import { testPki } from "../../test/support/pki.ts";
import { eventually, publishStatus } from "../../test/subscribers/support.ts";
import { portalClient, type PortalClient } from "./fixtures/portal-client.ts";
import { startXtaHub, PORTAL_AUTHOR, type XtaHub } from "./fixtures/xta-hub.ts";

const abmeldung = readFileSync(path.join(REPO, "mappings/xdomea/fixtures/minimal-transport-reader.input.xml"));
const messageIdsOf = (raw: string) => [...raw.matchAll(/<oscimeta:MsgIdentification><wsa:MessageID>([^<]+)</g)].map((m) => m[1]!);
const messageOf = (raw: string) => JSON.parse(Buffer.from(/<xta:Message [^>]*>([^<]*)</.exec(raw)![1]!, "base64").toString("utf8"));
const OTHER_AUTHOR = "psw:intelliform";

/**
 * Each XTA portal has a msgBox of its own at ozg-hub for the replies to what it sent: with two
 * portals, each one's getStatusList (the `soap` client with the official WSDL, each with its own
 * TLS client certificate) lists its own replies and never the other's — where an account
 * without a box used to get 9013.
 */
describe("XTA portal msgBoxes: two portals, each sees only its own replies", () => {
  let xta: XtaHub;
  let first: PortalClient;
  let second: PortalClient;

  beforeAll(async () => {
    const pki = testPki();
    const firstCert = pki.client("formsolutions-xta");
    const secondCert = pki.client("intelliform-xta");
    xta = await startXtaHub(pki, { portal: firstCert });
    await writeFile(
      path.join(xta.hub.configDir, "portals/xtaportal2.yaml"),
      stringify({
        id: "xtaportal2",
        name: "second XTA portal",
        channels: ["xta"],
        xta: { certificateSha256: [secondCert.sha256], authorIdentifiers: [OTHER_AUTHOR] },
      }),
    );
    const reloaded = await xta.hub.services.reload();
    if (!reloaded.ok) throw new Error(JSON.stringify(reloaded.problems));
    first = await portalClient(xta.url, pki, firstCert);
    second = await portalClient(xta.url, pki, secondCert);
  });
  afterAll(async () => {
    await xta?.stop();
  });

  /** Sends a Gewerbeabmeldung for Kiel as `author`; the DMS reports `received` for it. */
  async function sendAndReport(portal: PortalClient, author: string): Promise<string> {
    const messageId = `urn:de:xta:messageid:sp:${randomUUID()}`;
    await portal.sendMessage({ messageId, author, reader: "ags:01002000", message: { contentType: "application/xml", bytes: abmeldung } });
    const [row] = await xta.hub.services.store.sql<{ id: string }[]>`
      select a.id from applications a join deliveries d on d.id = a.delivery_id where d.source_message_id = ${messageId}`;
    const event = { specversion: "1.0", id: randomUUID(), source: "urn:fachverfahren:kiel:dms", type: "de.ozghub.application.status.v1" };
    expect(await publishStatus(xta.hub, xta.hub.amqpUrl, "kiel.dms", { ...event, data: { status: "received", applicationId: row!.id } })).toBe("ok");
    return messageId;
  }

  it("lists each portal's own replies only, and hands out only those", async () => {
    const sentByFirst = await sendAndReport(first, PORTAL_AUTHOR);
    const sentBySecond = await sendAndReport(second, OTHER_AUTHOR);

    for (const [portal, own, other] of [
      [first, sentByFirst, OTHER_AUTHOR],
      [second, sentBySecond, PORTAL_AUTHOR],
    ] as const) {
      const list = await eventually(async () => {
        const [, raw] = await portal.getStatusList();
        return messageIdsOf(raw).length > 0 ? raw : undefined;
      }, "a reply in the portal's msgBox");
      expect(messageIdsOf(list)).toHaveLength(1);
      expect(list).not.toContain(other);
      const [, fetched] = await portal.getMessage();
      expect(messageOf(fetched)).toMatchObject({ type: "de.ozghub.portal.status.v1", data: { status: "received", sourceId: own } });
    }
  });
});
