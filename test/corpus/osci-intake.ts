import { challenge } from "../../adapters/osci/fixtures/client.ts";
import type { OsciSetup } from "../../adapters/osci/fixtures/osci-hub.ts";
import type { Intake, Refusal } from "./intakes.ts";

const OSCI_NS = "http://www.osci.de/2002/04/osci";

/**
 * OSCI-Transport 1.2 StoreDelivery as a portal sends it (transport encrypted for ozg-hub, the
 * content container encrypted for Kiel's Reader key and signed by the portal's author key),
 * with the document as the container's Base64Content. Built at run time: it needs the test
 * PKI and a MessageId from the running hub (GetMessageId) for every order.
 */
export function osciIntake(setup: OsciSetup, url: () => string): Intake {
  const order = async (op: "getMessageId" | "storeDelivery", o: Parameters<OsciSetup["portal"]["build"]>[1]) =>
    fetch(`${url()}/osci`, { method: "POST", headers: { "content-type": "text/xml; charset=utf-8" }, body: new Uint8Array(setup.portal.build(op, o)) });
  const messageId = async () => {
    const res = await order("getMessageId", { control: { challenge: challenge(), sequenceNumber: 0 } });
    const a = setup.portal.read(res.status, Buffer.from(await res.arrayBuffer()));
    return a.doc.getElementsByTagNameNS(OSCI_NS, "MessageId").item(0)!.textContent!;
  };
  // Feedback codes of OSCI 1.2: 9100 message not readable, 9300 content not readable,
  // 9600 signature missing, 9700 signature not acceptable.
  const CODES: Partial<Record<Refusal, string[]>> = {
    malformed: ["9300"],
    too_large: ["9300", "9301", "9302"],
    unauthorized: ["9600", "9700"],
    unsupported: ["9100"],
  };
  return {
    name: "OSCI StoreDelivery",
    kinds: ["xml"],
    schema: false,
    async request(doc, o) {
      const options = {
        control: { challenge: challenge(), sequenceNumber: 0 },
        messageId: await messageId(),
        content: { document: Buffer.from(doc.bytes), encryptFor: setup.parties.kielReader.certPem, author: setup.parties.portalSig },
        // no credentials: unsigned; wrong credentials: a certificate ozg-hub does not pin
        ...(o?.token === null ? { unsigned: true } : o?.token ? { signAs: setup.parties.stranger } : {}),
      };
      return {
        path: "/osci",
        init: { method: "POST", headers: { "content-type": "text/xml; charset=utf-8" }, body: new Uint8Array(setup.portal.build("storeDelivery", options)) },
      };
    },
    check(res, _body, expected, raw) {
      const want = CODES[expected];
      if (!want) return `no OSCI answer defined for ${expected}`;
      const a = setup.portal.read(res.status, raw);
      if (!a.code || !want.includes(a.code)) return `feedback ${a.code} (HTTP ${res.status}), expected ${want.join(" or ")}`;
      return undefined;
    },
    accepted(res, raw) {
      return setup.portal.read(res.status, raw).code === "0800";
    },
  };
}
