import { createHash, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PORTAL_AUTHOR } from "../../adapters/xta/fixtures/xta-hub.ts";
import { xsdErrors } from "../../adapters/xta/fixtures/xsd.ts";
import { eventually } from "./support.ts";
import { xtaWayBackPerSuite } from "./xta-way-back.ts";

const requestIdOf = (raw: string) => /MsgBoxRequestID="([^"]+)"/.exec(raw)?.[1] ?? "";
const messageIdsOf = (raw: string) => [...raw.matchAll(/<oscimeta:MsgIdentification><wsa:MessageID>([^<]+)</g)].map((m) => m[1]!);
const messageOf = (raw: string) => JSON.parse(Buffer.from(/<xta:Message [^>]*>([^<]*)</.exec(raw)![1]!, "base64").toString("utf8"));

/**
 * XTA portal -> ozg-hub -> the example Fachverfahren -> `received` and `decided` with a
 * Bescheid -> the reply waits in the portal's msgBox at ozg-hub; the portal fetches it with the
 * `soap` client and the official XTA 2.1.1 WSDL, and closes it.
 */
describe("the way back to an XTA portal, through its msgBox", () => {
  const sent = `urn:de:xta:messageid:sp:${randomUUID()}`;
  const suite = xtaWayBackPerSuite(sent);

  it("the portal lists, fetches and closes `received` and `decided` with the Bescheid as Attachment", async () => {
    const list = await eventually(async () => {
      const [, raw] = await suite.portal.getStatusList();
      return messageIdsOf(raw).length === 2 ? raw : undefined;
    }, "two replies in the portal's msgBox");
    expect(list).toContain("<oscimeta:Service>urn:de:ozg-hub:status</oscimeta:Service>");
    expect(list).toContain(`<oscimeta:Reader><oscimeta:Identifier type="xoev">${PORTAL_AUTHOR}</oscimeta:Identifier></oscimeta:Reader>`);

    const [, first] = await suite.portal.getMessage();
    const received = messageOf(first);
    expect(received).toMatchObject({ type: "de.ozghub.portal.status.v1", data: { status: "received", sourceId: sent } });
    const [, second] = await suite.portal.getNextMessage(requestIdOf(first));
    const decided = messageOf(second);
    expect(decided.data.status).toBe("decided");
    expect(decided.data.document.content).toBeUndefined(); // the bytes travel as Attachment
    const m = /<xta:Attachment contentType="application\/pdf" filename="([^"]+)" size="(\d+)">([^<]*)</.exec(second);
    expect(m?.[1]).toBe(decided.data.document.name);
    const pdf = Buffer.from(m![3]!, "base64");
    expect(pdf.length).toBe(Number(m![2]));
    expect(createHash("sha256").update(pdf).digest("hex")).toBe(decided.data.document.sha256);
    expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");

    // fetched but not closed: offered again
    const [, again] = await suite.portal.getStatusList();
    expect(messageIdsOf(again)).toHaveLength(2);
    await suite.portal.close(requestIdOf(second), [...messageIdsOf(first), ...messageIdsOf(second)]);
    const [, gone] = await suite.portal.getStatusList();
    expect(gone).toContain("<osci:NoMessageAvailable");
  });

  it("the timeline shows the application, both statuses and the replies fetched and closed", async () => {
    const [d] = await suite.xta.hub.services.store.sql<{ id: string }[]>`select id from deliveries where source_message_id = ${sent}`;
    const events = await suite.xta.hub.services.store.sql<
      { type: string; detail: string }[]
    >`select type, detail::text as detail from events where delivery_id = ${d!.id} order by id`;
    const steps = events.map((e) => {
      const detail = JSON.parse(e.detail ?? "null");
      return e.type === "status" ? `status:${detail.status}` : e.type === "notified" ? `notified:${detail.channel}` : e.type;
    });
    for (const step of ["mapped", "routed", "published", "status:received", "notification-queued", "status:decided", "reply-fetched"])
      expect(steps).toContain(step);
    expect(steps.filter((s) => s === "notified:xta-mailbox")).toHaveLength(2);
  });

  it("the transport report of the sent message carries the statuses as an additional report", async () => {
    const [, report] = await suite.portal.getTransportReport(sent);
    expect(report).toContain('<xta:Key listURI="urn:de:ozg-hub:codeliste:report-type" listVersionID="1"><code>status</code></xta:Key>');
    const data = JSON.parse(Buffer.from(/<xta:Data>([^<]+)</.exec(report)![1]!, "base64").toString("utf8"));
    expect(data.statuses.map((s: { status: string }) => s.status)).toEqual(["received", "decided"]);
    expect(data.statuses[1].document).toMatchObject({ contentType: "application/pdf", sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it("gave only replies that are valid against the official XTA schemas", async () => {
    expect(suite.portal.replies.length).toBeGreaterThan(4);
    for (const reply of suite.portal.replies) expect(await xsdErrors(reply), reply).toEqual([]);
  });
});
