import { describe, expect, it } from "vitest";
import { challenge } from "./fixtures/client.ts";
import { settledRowCounts, startOsciHub, xdomea } from "./fixtures/osci-hub.ts";
import { osciXsdErrors } from "./fixtures/xsd.ts";
import { startedForSuite } from "../../test/support/suite.ts";

const OSCI = "http://www.osci.de/2002/04/osci";

describe("OSCI explicit dialog: InitDialog, GetMessageId, StoreDelivery, FetchProcessCard, ExitDialog", () => {
  const o = startedForSuite(() => startOsciHub());

  it("runs a whole dialog with Challenge/Response and SequenceNumbers, and refuses a replayed request", async () => {
    const c1 = challenge();
    const init = await o.portal.send(o.hub.app, "initDialog", { control: { challenge: c1 } });
    expect(init.code).toBe("0801");
    expect(init.signature).toMatchObject({ ok: true });
    expect(await osciXsdErrors(init.xml, "soapResponseToInitDialog")).toEqual([]);
    expect(init.control.response).toBe(c1);
    const conversationId = init.control.conversationId!;
    expect(conversationId).toMatch(/^\d+$/);
    let serverChallenge = init.control.challenge!;

    const c2 = challenge();
    const gm = await o.portal.send(o.hub.app, "getMessageId", { control: { conversationId, sequenceNumber: 0, response: serverChallenge, challenge: c2 } });
    expect(gm.code).toBe("0801");
    expect(gm.control).toMatchObject({ response: c2, conversationId, sequenceNumber: 0 });
    expect(await osciXsdErrors(gm.xml, "soapResponseToGetMessageId")).toEqual([]);
    const messageId = gm.doc.getElementsByTagNameNS(OSCI, "MessageId").item(0)!.textContent!;
    serverChallenge = gm.control.challenge!;

    const store = await o.portal.send(o.hub.app, "storeDelivery", {
      control: { conversationId, sequenceNumber: 1, response: serverChallenge, challenge: challenge() },
      messageId,
      subject: "im Dialog",
      content: { document: xdomea("osci-dialog-1"), encryptFor: o.parties.kielReader.certPem, author: o.parties.portalSig },
    });
    expect(store.code).toBe("0801");
    expect(await osciXsdErrors(store.xml, "soapResponseToStoreDelivery")).toEqual([]);
    serverChallenge = store.control.challenge!;
    expect(await o.hub.broker.drain(o.hub.queue("kiel", "dms"), { atLeast: 1 })).toHaveLength(1);

    const fetchOrder = { control: { conversationId, sequenceNumber: 2, response: serverChallenge, challenge: challenge() }, selectMessageIds: [messageId] };
    const fetchBody = o.portal.build("fetchProcessCard", fetchOrder);
    const fetched = o.portal.read(...(await post(fetchBody)));
    expect(fetched.code).toBe("0801");
    expect(await osciXsdErrors(fetched.xml, "soapResponseToFetchProcessCard")).toEqual([]);
    const card = fetched.doc.getElementsByTagNameNS(OSCI, "ProcessCardBundle").item(0)!;
    expect(card.getElementsByTagNameNS(OSCI, "MessageId").item(0)?.textContent).toBe(messageId);
    expect(card.getElementsByTagNameNS(OSCI, "Reception").length).toBe(1);
    expect(card.getElementsByTagNameNS(OSCI, "Subject").item(0)?.textContent).toBe("im Dialog");
    serverChallenge = fetched.control.challenge!;

    // The same request again, byte for byte: its Response and SequenceNumber are spent.
    const before = await settledRowCounts(o.hub.databaseUrl);
    const replay = o.portal.read(...(await post(fetchBody)));
    expect(replay.fault).toBe(true);
    expect(replay.code).toBe("9400");

    const exit = await o.portal.send(o.hub.app, "exitDialog", {
      control: { conversationId, sequenceNumber: 3, response: serverChallenge, challenge: challenge() },
    });
    expect(exit.code).toBe("0800");
    expect(await osciXsdErrors(exit.xml, "soapResponseToExitDialog")).toEqual([]);
    const after = await o.portal.send(o.hub.app, "getMessageId", {
      control: { conversationId, sequenceNumber: 4, response: exit.control.challenge ?? "x", challenge: challenge() },
    });
    expect(after.code).toBe("9400");
    expect(await settledRowCounts(o.hub.databaseUrl)).toEqual(before);
  });

  it("refuses a SequenceNumber out of order and a Response that answers no Challenge", async () => {
    const init = await o.portal.send(o.hub.app, "initDialog", { control: { challenge: challenge() } });
    const conversationId = init.control.conversationId!;
    const skipped = await o.portal.send(o.hub.app, "getMessageId", {
      control: { conversationId, sequenceNumber: 1, response: init.control.challenge!, challenge: challenge() },
    });
    expect(skipped.code).toBe("9400");
    const wrong = await o.portal.send(o.hub.app, "getMessageId", {
      control: { conversationId, sequenceNumber: 0, response: "not-the-challenge", challenge: challenge() },
    });
    expect(wrong.code).toBe("9400");
    // the dialog itself is still usable with the right values
    const right = await o.portal.send(o.hub.app, "getMessageId", {
      control: { conversationId, sequenceNumber: 0, response: init.control.challenge!, challenge: challenge() },
    });
    expect(right.code).toBe("0801");
  });

  it("refuses ExitDialog outside a dialog (9802) and dialog orders signed by a certificate the direct intake does not pin (9700)", async () => {
    const exit = await o.portal.send(o.hub.app, "exitDialog", { control: { challenge: challenge(), sequenceNumber: 1 } });
    expect(exit.code).toBe("9802");
    const init = await o.portal.send(o.hub.app, "initDialog", { control: { challenge: challenge() } });
    const other = await o.intermediary.send(o.hub.app, "getMessageId", {
      control: { conversationId: init.control.conversationId!, sequenceNumber: 0, response: init.control.challenge!, challenge: challenge() },
    });
    expect(other.code).toBe("9700");
  });

  it("keeps a dialog and its process cards across restarts (another instance reads the same store) and lets only one of two identical requests through", async () => {
    const init = await o.portal.send(o.hub.app, "initDialog", { control: { challenge: challenge() } });
    expect(init.code).toBe("0801");
    const conversationId = init.control.conversationId!;
    await o.hub.restart();

    const step = o.portal.build("getMessageId", { control: { conversationId, sequenceNumber: 0, response: init.control.challenge!, challenge: challenge() } });
    const answers = (await Promise.all([post(step), post(step)])).map((a) => o.portal.read(...a));
    expect(answers.map((a) => a.code).sort()).toEqual(["0801", "9400"]);
    const moved = answers.find((a) => a.code === "0801")!;
    expect(moved.control).toMatchObject({ conversationId, sequenceNumber: 0 });

    const messageId = moved.doc.getElementsByTagNameNS(OSCI, "MessageId").item(0)!.textContent!;
    const stored = await o.portal.send(o.hub.app, "storeDelivery", {
      control: { conversationId, sequenceNumber: 1, response: moved.control.challenge!, challenge: challenge() },
      messageId,
      subject: "über Neustart",
      content: { document: xdomea("osci-dialog-restart"), encryptFor: o.parties.kielReader.certPem, author: o.parties.portalSig },
    });
    expect(stored.code).toBe("0801");
    expect(await o.hub.broker.drain(o.hub.queue("kiel", "dms"), { atLeast: 1 })).toHaveLength(1);

    // The process card, asked of the next instance, is the one the first gave: inspections included.
    await o.hub.restart();
    const fetched = await o.portal.send(o.hub.app, "fetchProcessCard", {
      control: { conversationId, sequenceNumber: 2, response: stored.control.challenge!, challenge: challenge() },
      selectMessageIds: [messageId],
    });
    expect(fetched.code).toBe("0801");
    const subjects = (doc: typeof fetched.doc) =>
      [...(doc.getElementsByTagNameNS(OSCI, "X509SubjectName") as unknown as { textContent: string }[])].map((e) => e.textContent);
    expect(subjects(fetched.doc)).toEqual(subjects(stored.doc));
    expect(subjects(fetched.doc)).toHaveLength(2); // the client's signing certificate and the Author's
    expect(fetched.doc.getElementsByTagNameNS(OSCI, "Subject").item(0)?.textContent).toBe("über Neustart");

    const exit = await o.portal.send(o.hub.app, "exitDialog", {
      control: { conversationId, sequenceNumber: 3, response: fetched.control.challenge!, challenge: challenge() },
    });
    expect(exit.code).toBe("0800");
    const gone = await o.portal.send(o.hub.app, "getMessageId", {
      control: { conversationId, sequenceNumber: 4, response: fetched.control.challenge!, challenge: challenge() },
    });
    expect(gone.code).toBe("9400");
  });

  async function post(body: Buffer): Promise<[number, Buffer]> {
    const res = await o.hub.app.request("/osci", { method: "POST", headers: { "content-type": "text/xml; charset=utf-8" }, body: new Uint8Array(body) });
    return [res.status, Buffer.from(await res.arrayBuffer())];
  }
});
