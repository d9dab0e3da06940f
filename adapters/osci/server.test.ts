import { rm } from "node:fs/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { InboundDocument } from "../../gateway/index.ts";
import { OutageError } from "../../gateway/index.ts";
import { loadRuntime } from "../../gateway/runtime.ts";
import { configSpec } from "../index.ts";
import { writeTestConfig } from "../../test/support/config.ts";
import { fakePort } from "../../test/support/fake-port.ts";
import { challenge, type OrderOptions } from "./fixtures/client.ts";
import { memoryOsciState } from "./fixtures/memory-state.ts";
import { prepareOsci as prepareOsciParties, xdomea, type OsciSetup } from "./fixtures/osci-hub.ts";
import { osciXsdErrors } from "./fixtures/xsd.ts";
import { osciRoutes } from "./server.ts";
import { prepareOsci } from "./settings.ts";

const OSCI = "http://www.osci.de/2002/04/osci";

/**
 * The OSCI routes in-process, against a fake port (intake, config) and the OSCI state in
 * memory: no Postgres, no RabbitMQ. The client side is the test client with its own keys; the
 * reference library's side is covered by the library-*.int tests.
 */
describe("OSCI routes against a fake port", () => {
  let setup: OsciSetup;
  let dir: string;
  let port: ReturnType<typeof fakePort>;
  let app: ReturnType<typeof osciRoutes>;

  beforeAll(async () => {
    setup = prepareOsciParties();
    dir = await writeTestConfig("osci-unit", { gateway: { osci: setup.gateway } });
    await setup.writeConfig(dir);
    const loaded = await loadRuntime(dir, configSpec);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    port = fakePort(loaded.runtime);
    app = osciRoutes(port.ctx, port.ctx.prepare(prepareOsci), memoryOsciState());
  });
  beforeEach(() =>
    port.answer((d) => ({
      kind: "accepted",
      receipt: { deliveryId: "d-1", reference: "AAAA-BBBB", sourceMessageId: d.sourceMessageId ?? null, receivedAt: new Date(), state: "routed" },
    })),
  );
  afterAll(async () => {
    await setup?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function messageId(): Promise<string> {
    const a = await setup.portal.send(app, "getMessageId", { control: { challenge: challenge(), sequenceNumber: 0 } });
    expect(a.code, a.xml).toBe("0800");
    return a.doc.getElementsByTagNameNS(OSCI, "MessageId").item(0)!.textContent!;
  }

  const store = async (o: Partial<OrderOptions> = {}) =>
    setup.portal.send(app, "storeDelivery", {
      control: { challenge: challenge(), sequenceNumber: 0 },
      messageId: await messageId(),
      subject: "Gewerbeabmeldung",
      content: {
        document: xdomea("osci-unit"),
        encryptFor: setup.parties.kielReader.certPem,
        author: setup.parties.portalSig,
        attachments: [{ cid: "anlage1", name: "Abmeldung.pdf", contentType: "application/pdf", bytes: Buffer.from("%PDF-1.7 unit") }],
      },
      ...o,
    });

  it("hands a StoreDelivery decrypted to the intake and answers 0800, signed and encrypted, with a valid response", async () => {
    const a = await store();
    expect(a).toMatchObject({ status: 200, fault: false, encrypted: true, code: "0800", signature: { ok: true } });
    expect(await osciXsdErrors(a.xml, "soapResponseToStoreDelivery")).toEqual([]);
    const seen = port.seen.at(-1)!;
    expect(seen.delivery).toMatchObject({ channel: "osci", portalId: "osciportal" });
    const doc = seen.doc as InboundDocument;
    expect(Buffer.from(doc.bytes).toString()).toBe(xdomea("osci-unit"));
    expect(doc.metadata).toMatchObject({ osci: { operation: "storeDelivery", subject: "Gewerbeabmeldung", tenant: "kiel" } });
    expect(doc.recipient).toMatchObject({ ags: expect.any(String) });
    expect(seen.attachments.map((x) => [x.a.name, x.a.contentType, x.bytes.toString()])).toEqual([["Abmeldung.pdf", "application/pdf", "%PDF-1.7 unit"]]);
  });

  it("answers the intake's refusals inside the order response: invalid 9300, duplicate 9801", async () => {
    port.answer(() => ({ kind: "invalid", problems: [{ path: "applicant.familyName", message: "required" }] }));
    const invalid = await store();
    expect(invalid).toMatchObject({ status: 200, fault: false, code: "9300" });
    expect(invalid.xml).toContain("applicant.familyName: required");

    port.answer(() => ({
      kind: "duplicate",
      receipt: { deliveryId: "d-0", reference: "AAAA-AAAA", sourceMessageId: null, receivedAt: new Date(), state: "routed" },
    }));
    expect(await store()).toMatchObject({ status: 200, fault: false, code: "9801" });
  });

  it("refuses a replayed request (its Challenge already used) with 9400, and it never reaches the intake", async () => {
    const body = setup.portal.build("getMessageId", { control: { challenge: challenge(), sequenceNumber: 0 } });
    const send = async () => {
      const res = await app.request("/osci", { method: "POST", headers: { "content-type": "text/xml; charset=utf-8" }, body: new Uint8Array(body) });
      return setup.portal.read(res.status, Buffer.from(await res.arrayBuffer()));
    };
    expect((await send()).code).toBe("0800");
    const before = port.seen.length;
    const replay = await send();
    expect(replay).toMatchObject({ fault: true, code: "9400" });
    expect(port.seen.length).toBe(before);
  });

  it("answers an outage during the intake with an unsigned 9000 fault, valid against the OSCI schema", async () => {
    port.answer(() => {
      throw new OutageError("database unreachable", { retryable: true });
    });
    const a = await store();
    expect(a).toMatchObject({ status: 500, fault: true, code: "9000", encrypted: false });
    // Whether the write reached the store is unknown here: the sender is told to retry with the same id.
    expect(a.xml).toContain("may have been stored: retry with the same message id");
    expect(await osciXsdErrors(a.xml, "soapMessageFault")).toEqual([]);
  });
});
