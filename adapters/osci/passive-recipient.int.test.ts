import { describe, expect, it } from "vitest";
import { challenge } from "./fixtures/client.ts";
import { settledRowCounts, startOsciHub, xdomea } from "./fixtures/osci-hub.ts";
import { osciXsdErrors } from "./fixtures/xsd.ts";
import { startedForSuite } from "../../test/support/suite.ts";

const messageId = (n: number) => Buffer.alloc(32, n).toString("base64");

describe("OSCI passive recipient: an Intermediär pushes AcceptDelivery / ProcessDelivery", () => {
  const o = startedForSuite(() => startOsciHub());

  it("accepts a delivery for Augsburg's Reader key and answers ResponseToAcceptDelivery 0800, signed and encrypted for the Intermediär", async () => {
    const cb = challenge();
    const a = await o.intermediary.send(o.hub.app, "acceptDelivery", {
      control: { challenge: cb },
      messageId: messageId(1),
      subject: "Gewerbeabmeldung",
      content: {
        document: xdomea("osci-accept-1"),
        encryptFor: o.parties.augsburgReader.certPem,
        author: o.parties.portalSig,
        attachments: [{ cid: "anlage1", name: "Vollmacht.txt", contentType: "text/plain", bytes: Buffer.from("Vollmacht für Broder Hansen\n") }],
      },
    });
    expect(a.status).toBe(200);
    expect(a.encrypted).toBe(true);
    expect(a.signature).toMatchObject({ ok: true });
    expect(a.code).toBe("0800");
    expect(a.control).toEqual({ response: cb, challenge: undefined, conversationId: undefined, sequenceNumber: undefined });
    expect(await osciXsdErrors(a.xml, "soapResponseToAcceptDelivery")).toEqual([]);
    const [dms] = await o.hub.broker.drain(o.hub.queue("augsburg", "dms"), { atLeast: 1 });
    const ev = dms!.body as any;
    expect(ev.ozgtenant).toBe("augsburg");
    expect(ev.data.attachments.map((x: any) => x.name)).toEqual(["Vollmacht.txt"]);
    expect(await o.hub.broker.count(o.hub.queue("kiel", "dms"))).toBe(0);
  });

  it("accepts ProcessDelivery for Kiel and names the response's MessageId in ResponseToProcessDelivery", async () => {
    const a = await o.intermediary.send(o.hub.app, "processDelivery", {
      control: { challenge: challenge() },
      messageId: messageId(2),
      messageIdResponse: messageId(3),
      content: { document: xdomea("osci-process-1"), encryptFor: o.parties.kielReader.certPem },
    });
    expect(a.code).toBe("0800");
    expect(a.signature).toMatchObject({ ok: true });
    expect(await osciXsdErrors(a.xml, "soapResponseToProcessDelivery")).toEqual([]);
    expect(a.doc.getElementsByTagNameNS("http://www.osci.de/2002/04/osci", "MessageId").item(0)?.textContent).toBe(messageId(3));
    const [dms] = await o.hub.broker.drain(o.hub.queue("kiel", "dms"), { atLeast: 1 });
    expect((dms!.body as any).ozgtenant).toBe("kiel");
  });

  it("answers a repeated AcceptDelivery with 9801 and stores it once", async () => {
    const send = () =>
      o.intermediary.send(o.hub.app, "acceptDelivery", {
        control: { challenge: challenge() },
        messageId: messageId(3),
        content: { document: xdomea("osci-accept-3"), encryptFor: o.parties.kielReader.certPem },
      });
    expect((await send()).code).toBe("0800");
    const before = await settledRowCounts(o.hub.databaseUrl);
    expect((await send()).code).toBe("9801");
    expect(await settledRowCounts(o.hub.databaseUrl)).toEqual(before);
  });

  it("does not take AcceptDelivery from a portal's originator certificate (only pinned Intermediäre)", async () => {
    const before = await settledRowCounts(o.hub.databaseUrl);
    const a = await o.portal.send(o.hub.app, "acceptDelivery", {
      control: { challenge: challenge() },
      messageId: messageId(4),
      content: { document: xdomea("osci-accept-4"), encryptFor: o.parties.kielReader.certPem },
    });
    // Before the sender is authenticated there is nobody to sign and encrypt an order answer for: a SOAP fault.
    expect(a.fault).toBe(true);
    expect(a.code).toBe("9700");
    expect(await osciXsdErrors(a.xml, "soapMessageFault")).toEqual([]);
    expect(await settledRowCounts(o.hub.databaseUrl)).toEqual(before);
  });
});
