import { describe, expect, it } from "vitest";
import { headerMessageId, peekMessageId, PEEK_BYTES } from "./peek.ts";

const S12 = "http://www.w3.org/2003/05/soap-envelope";
const WSA = "http://www.w3.org/2005/08/addressing";
const META = "http://www.osci.eu/ws/2014/10/transport";

describe("the wsa:MessageID of an unauthenticated request", () => {
  it("is the Header's own block, in any prefix or the default namespace", () => {
    expect(
      headerMessageId(
        `<?xml version="1.0"?><s:Envelope xmlns:s="${S12}" xmlns:a="${WSA}"><s:Header><a:Action>x</a:Action><a:MessageID> urn:uuid:1 </a:MessageID></s:Header><s:Body/></s:Envelope>`,
      ),
    ).toBe("urn:uuid:1");
    expect(headerMessageId(`<Envelope xmlns="${S12}"><Header><MessageID xmlns="${WSA}">urn:uuid:2&amp;3</MessageID></Header><Body/></Envelope>`)).toBe(
      "urn:uuid:2&3",
    );
  });

  it("skips a MessageID nested in MessageMetaData, one in a foreign namespace and one in the Body", () => {
    const nested = `<s:Envelope xmlns:s="${S12}" xmlns:wsa="${WSA}"><s:Header><m:MessageMetaData xmlns:m="${META}"><m:MsgIdentification><wsa:MessageID>urn:de:xta:messageid:p:1</wsa:MessageID></m:MsgIdentification></m:MessageMetaData><!-- <wsa:MessageID>no</wsa:MessageID> --><wsa:MessageID>urn:uuid:own</wsa:MessageID></s:Header><s:Body/></s:Envelope>`;
    expect(headerMessageId(nested)).toBe("urn:uuid:own");
    expect(
      headerMessageId(`<s:Envelope xmlns:s="${S12}" xmlns:x="urn:other"><s:Header><x:MessageID>urn:uuid:3</x:MessageID></s:Header><s:Body/></s:Envelope>`),
    ).toBeUndefined();
    expect(
      headerMessageId(`<s:Envelope xmlns:s="${S12}" xmlns:wsa="${WSA}"><s:Header/><s:Body><wsa:MessageID>urn:uuid:4</wsa:MessageID></s:Body></s:Envelope>`),
    ).toBeUndefined();
    expect(
      headerMessageId(
        `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsa="${WSA}"><s:Header><wsa:MessageID>urn:uuid:5</wsa:MessageID></s:Header></s:Envelope>`,
      ),
    ).toBeUndefined();
  });

  it("is found in the root part of an MTOM request, reading no further than the Body", async () => {
    const head = `--b\r\nContent-Type: application/xop+xml\r\nContent-ID: <root@x>\r\n\r\n<s:Envelope xmlns:s="${S12}" xmlns:wsa="${WSA}"><s:Header><wsa:MessageID>urn:uuid:6</wsa:MessageID></s:Header><s:Body>`;
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        c.enqueue(pulled === 1 ? Buffer.from(head) : Buffer.alloc(PEEK_BYTES, 0x41));
      },
    });
    const request = new Request("http://x/xta/send", { method: "POST", body, duplex: "half" } as RequestInit);
    expect(await peekMessageId(request)).toBe("urn:uuid:6");
    expect(pulled).toBe(1);
  });

  it("gives up at the peek limit when the header is not over by then", async () => {
    const padding = `<x:Pad xmlns:x="urn:pad">${"p".repeat(PEEK_BYTES)}</x:Pad>`;
    const xml = `<s:Envelope xmlns:s="${S12}" xmlns:wsa="${WSA}"><s:Header>${padding}<wsa:MessageID>urn:uuid:7</wsa:MessageID></s:Header><s:Body/></s:Envelope>`;
    expect(headerMessageId(xml)).toBe("urn:uuid:7");
    expect(await peekMessageId(new Request("http://x/", { method: "POST", body: xml }))).toBeUndefined();
  });
});
