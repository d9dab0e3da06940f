import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { expect } from "vitest";
import { conformance } from "../../test/conformance/suite.ts";
import type { TestHub } from "../../test/support/hub.ts";
import { challenge, type OrderOptions } from "./fixtures/client.ts";
import { prepareOsci, xdomea } from "./fixtures/osci-hub.ts";
import { osciXsdErrors } from "./fixtures/xsd.ts";

const setup = prepareOsci();
let server: ServerType | undefined;
let url = "";
/** MessageIds by the delivery's id: a repeat reuses its MessageId, as a client retrying would. */
const ids = new Map<string, string>();

/** Over a real socket, as an OSCI client sends: text/xml on the outside, MIME inside. */
async function send(op: Parameters<typeof setup.portal.build>[0], o: OrderOptions) {
  const res = await fetch(`${url}/osci`, {
    method: "POST",
    headers: { "content-type": "text/xml; charset=utf-8" },
    body: new Uint8Array(setup.portal.build(op, o)),
  });
  return setup.portal.read(res.status, Buffer.from(await res.arrayBuffer()));
}

async function messageId(): Promise<string> {
  const a = await send("getMessageId", { control: { challenge: challenge(), sequenceNumber: 0 } });
  expect(a.code).toBe("0800");
  return a.doc.getElementsByTagNameNS("http://www.osci.de/2002/04/osci", "MessageId").item(0)!.textContent!;
}

conformance({
  name: "OSCI StoreDelivery (HTTP, transport and content encryption, pinned signatures)",
  hubOptions: { gateway: { osci: setup.gateway } },
  async setUp(hub: TestHub) {
    await setup.configure(hub);
    // Through hub.app at each request: a restart of the hub replaces it.
    server = serve({ fetch: (req) => hub.app.fetch(req), port: 0, hostname: "127.0.0.1" });
    await new Promise((r) => server!.once("listening", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  },
  async tearDown() {
    await new Promise((r) => server?.close(r));
    await setup.cleanup();
  },
  async send(_hub, id) {
    if (!ids.has(id)) ids.set(id, await messageId());
    const a = await send("storeDelivery", {
      control: { challenge: challenge(), sequenceNumber: 0 },
      messageId: ids.get(id)!,
      content: { document: xdomea(id), encryptFor: setup.parties.kielReader.certPem, author: setup.parties.portalSig },
    });
    expect(a.signature).toMatchObject({ ok: true });
    expect(a.encrypted).toBe(true);
    expect(await osciXsdErrors(a.xml, "soapResponseToStoreDelivery")).toEqual([]);
    if (a.code === "9801") return { kind: "duplicate", receipt: ids.get(id)! };
    expect(a.code).toBe("0800");
    return { kind: "accepted", receipt: ids.get(id)! };
  },
  async sendBad() {
    const a = await send("storeDelivery", {
      control: { challenge: challenge(), sequenceNumber: 0 },
      messageId: await messageId(),
      content: { document: "<Geschaeftsgang", encryptFor: setup.parties.kielReader.certPem },
    });
    expect(a.code).toBe("9300");
    expect(a.signature).toMatchObject({ ok: true });
    return { kind: "refused", detail: a.code! };
  },
  async sendUnauthenticated() {
    const a = await send("storeDelivery", {
      signAs: setup.parties.stranger,
      control: { challenge: challenge(), sequenceNumber: 0 },
      messageId: await messageId(),
      content: { document: xdomea("intruder"), encryptFor: setup.parties.kielReader.certPem },
    });
    expect(a).toMatchObject({ status: 500, fault: true, code: "9700" });
    return { kind: "refused", detail: a.code! };
  },
  idOf: (event) => event.data.sourceId,
});
