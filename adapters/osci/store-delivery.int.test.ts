import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { rowCounts } from "../../test/support/database.ts";
import { challenge } from "./fixtures/client.ts";
import { settledRowCounts, startOsciHub, xdomea } from "./fixtures/osci-hub.ts";
import { osciXsdErrors } from "./fixtures/xsd.ts";
import { startedForSuite } from "../../test/support/suite.ts";

describe("OSCI direct intake: GetMessageId + StoreDelivery against Postgres and RabbitMQ", () => {
  const o = startedForSuite(() => startOsciHub());

  /** The CloudEvent for one application, whatever else the queue holds. */
  async function eventFor(queue: string, sourceId: string): Promise<any> {
    for (let i = 0; i < 40; i++) {
      const hit = (await o.hub.broker.drain(queue, { waitMs: 250 })).find((m) => (m.body as any).data.sourceId === sourceId);
      if (hit) return hit.body;
    }
    throw new Error(`no event for ${sourceId} in ${queue}`);
  }

  async function messageId(): Promise<string> {
    const a = await o.portal.send(o.hub.app, "getMessageId", { control: { challenge: challenge(), sequenceNumber: 0 } });
    expect(a.code, a.xml).toBe("0800");
    expect(await osciXsdErrors(a.xml, "soapResponseToGetMessageId")).toEqual([]);
    const id = a.doc.getElementsByTagNameNS("http://www.osci.de/2002/04/osci", "MessageId").item(0)?.textContent;
    // base64 of ASCII text: the Governikus library decodes and re-encodes ids as UTF-8
    expect(Buffer.from(id!, "base64").toString("latin1")).toMatch(/^ozg-hub-[0-9a-f]{32}-[0-9a-f]{32}$/);
    return id!;
  }

  it("stores a delivery encrypted for Kiel's Reader key, routes it to Kiel, answers with a signed, encrypted process card", async () => {
    const id = await messageId();
    const pdf = Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(50_000, 9)]);
    const before = await rowCounts(o.hub.databaseUrl);
    const cb = challenge();
    const a = await o.portal.send(o.hub.app, "storeDelivery", {
      control: { challenge: cb, sequenceNumber: 0 },
      messageId: id,
      subject: "Gewerbeabmeldung Hansen",
      content: {
        document: xdomea("osci-store-1"),
        encryptFor: o.parties.kielReader.certPem,
        author: o.parties.portalSig,
        attachments: [{ cid: "anlage1", name: "Abmeldung.pdf", contentType: "application/pdf", bytes: pdf }],
      },
    });
    expect(a.status).toBe(200);
    expect(a.fault).toBe(false);
    expect(a.encrypted).toBe(true);
    expect(a.signature).toMatchObject({ ok: true });
    expect(a.code).toBe("0800");
    expect(a.control.response).toBe(cb);
    expect(await osciXsdErrors(a.xml, "soapResponseToStoreDelivery")).toEqual([]);
    const osci = "http://www.osci.de/2002/04/osci";
    expect(a.doc.getElementsByTagNameNS(osci, "ProcessCardBundle").item(0)?.getElementsByTagNameNS(osci, "MessageId").item(0)?.textContent).toBe(id);
    expect(a.doc.getElementsByTagNameNS(osci, "Creation").length).toBe(1);
    // the inspection report names the client's and the Author's certificate
    expect(a.doc.getElementsByTagNameNS(osci, "Inspection").length).toBe(2);

    const [gewerbe] = await o.hub.broker.drain(o.hub.queue("kiel", "gewerbe"), { atLeast: 1 });
    const ev = gewerbe!.body as any;
    expect(ev.ozgtenant).toBe("kiel");
    expect(ev.data.recipient).toMatchObject({ ags: "01002000" });
    expect(ev.data.service.leikaKeys).toEqual(["99050012202000"]);
    expect(ev.data.attachments.map((x: any) => [x.name, x.size])).toEqual([["Abmeldung.pdf", pdf.length]]);
    expect(await o.hub.broker.count(o.hub.queue("augsburg", "dms"))).toBe(0);
    const after = await rowCounts(o.hub.databaseUrl);
    expect(after).not.toEqual(before);
  });

  it("routes by the XTA MessageMetaData Reader when the container is in the clear, and offers the header to mappings", async () => {
    const id = await messageId();
    const a = await o.portal.send(o.hub.app, "storeDelivery", {
      control: { challenge: challenge(), sequenceNumber: 0 },
      messageId: id,
      xtaReader: "ags:09761000",
      content: { document: xdomea("osci-store-2"), author: o.parties.portalSig },
    });
    expect(a.code).toBe("0800");
    const [dms] = await o.hub.broker.drain(o.hub.queue("augsburg", "dms"), { atLeast: 1 });
    expect((dms!.body as any).ozgtenant).toBe("augsburg");
    expect((dms!.body as any).data.recipient).toMatchObject({ xtaReader: "ags:09761000" });
    expect((dms!.body as any).data.data.xta.messageId).toMatch(/^urn:de:xta:messageid:osci:/);
  });

  it("answers a second StoreDelivery with the same MessageId with 9801 and stores nothing more", async () => {
    const id = await messageId();
    const send = () =>
      o.portal.send(o.hub.app, "storeDelivery", {
        control: { challenge: challenge(), sequenceNumber: 0 },
        messageId: id,
        content: { document: xdomea("osci-store-3"), encryptFor: o.parties.kielReader.certPem },
      });
    expect((await send()).code).toBe("0800");
    const before = await settledRowCounts(o.hub.databaseUrl);
    const again = await send();
    expect(again.code).toBe("9801");
    expect(again.signature).toMatchObject({ ok: true });
    expect(await osciXsdErrors(again.xml, "soapResponseToStoreDelivery")).toEqual([]);
    expect(await rowCounts(o.hub.databaseUrl)).toEqual(before);
  });

  it("refuses a MessageId that ozg-hub never issued (9801)", async () => {
    const before = await rowCounts(o.hub.databaseUrl);
    const a = await o.portal.send(o.hub.app, "storeDelivery", {
      control: { challenge: challenge(), sequenceNumber: 0 },
      messageId: Buffer.alloc(32, 1).toString("base64"),
      content: { document: xdomea("osci-store-4"), encryptFor: o.parties.kielReader.certPem },
    });
    expect(a.code).toBe("9801");
    expect(await rowCounts(o.hub.databaseUrl)).toEqual(before);
  });

  it("decrypts attachments encrypted for the Reader and stores them as the Author wrote (and signed) them", async () => {
    const id = await messageId();
    const scan = Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(20_000, 3)]);
    const a = await o.portal.send(o.hub.app, "storeDelivery", {
      control: { challenge: challenge(), sequenceNumber: 0 },
      messageId: id,
      content: {
        document: xdomea("osci-store-sealed"),
        encryptFor: o.parties.kielReader.certPem,
        encryptAttachments: true,
        author: o.parties.portalSig,
        attachments: [{ cid: "scan1", name: "Scan.pdf", contentType: "application/pdf", bytes: scan }],
      },
    });
    expect(a.code).toBe("0800");
    const att = (await eventFor(o.hub.queue("kiel", "dms"), "osci-store-sealed")).data.attachments;
    expect(att.map((x: any) => [x.name, x.contentType ?? x.mediaType, x.size, x.sha256])).toEqual([
      ["Scan.pdf", "application/pdf", scan.length, createHash("sha256").update(scan).digest("hex")],
    ]);
  });

  it("answers an unencrypted request unencrypted", async () => {
    const id = await messageId();
    const a = await o.portal.send(o.hub.app, "storeDelivery", {
      encrypt: false,
      control: { challenge: challenge(), sequenceNumber: 0 },
      messageId: id,
      content: { document: xdomea("osci-store-5"), encryptFor: o.parties.kielReader.certPem },
    });
    expect(a.encrypted).toBe(false);
    expect(a.code).toBe("0800");
    expect(a.signature).toMatchObject({ ok: true });
  });

  it("serves FetchProcessCard after a restart from the stored delivery", async () => {
    const id = await messageId();
    expect(
      (
        await o.portal.send(o.hub.app, "storeDelivery", {
          control: { challenge: challenge(), sequenceNumber: 0 },
          messageId: id,
          content: { document: xdomea("osci-store-restart"), encryptFor: o.parties.kielReader.certPem },
        })
      ).code,
    ).toBe("0800");
    await o.hub.restart();
    const init = await o.portal.send(o.hub.app, "initDialog", { control: { challenge: challenge() } });
    const fetched = await o.portal.send(o.hub.app, "fetchProcessCard", {
      control: { conversationId: init.control.conversationId!, sequenceNumber: 0, response: init.control.challenge!, challenge: challenge() },
      selectMessageIds: [id],
    });
    expect(fetched.code).toBe("0801");
    expect(await osciXsdErrors(fetched.xml, "soapResponseToFetchProcessCard")).toEqual([]);
    const osci = "http://www.osci.de/2002/04/osci";
    const bundle = fetched.doc.getElementsByTagNameNS(osci, "ProcessCardBundle").item(0)!;
    expect(bundle.getElementsByTagNameNS(osci, "MessageId").item(0)?.textContent).toBe(id);
    expect(bundle.getElementsByTagNameNS(osci, "Reception").length).toBe(1);
  });
});
