import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adapterPort } from "../../gateway/port/port.ts";
import { REPO, startTestHub, type TestHub } from "../../test/support/hub.ts";
import { createXtaClient } from "./client.ts";
import { serveHttps } from "./fixtures/https.ts";
import { testPki } from "../../test/support/pki.ts";
import { remoteXtaServer, type RemoteMessage } from "./fixtures/remote-xta-server.ts";
import { xsdErrors } from "./fixtures/xsd.ts";
import { AccountPoller } from "./poller.ts";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("XTA client role against a test XTA server that answers in MTOM/XOP", () => {
  const pki = testPki();
  const cert = pki.client("kiel-at-land");
  const pdf = Buffer.concat([Buffer.from("%PDF-1.7\r\n--\r\n"), Buffer.alloc(120_000, 0x0d)]);
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x0d, 0x0a, 0x2d, 0x2d, 0x00]);
  let box: RemoteMessage[];
  let remote: ReturnType<typeof remoteXtaServer>;
  let server: Awaited<ReturnType<typeof serveHttps>>;
  let hub: TestHub;
  const requests: string[] = [];

  beforeAll(async () => {
    const xml = await readFile(path.join(REPO, "mappings/xdomea/fixtures/gewerbeanmeldung-kiel-2-4.input.xml"));
    box = [
      {
        meta: {
          messageId: "urn:de:xta:messageid:land:0001",
          author: "psw:formsolutions",
          reader: "ags:01002000",
          service: "urn:xoev-de:xdomea:schema:2.4.0",
          businessScenario: "XDOMEAGG_DATA",
          messageType: "Geschaeftsgang.Geschaeftsgang.0201",
          payloadSchema: "urn:xoev-de:xdomea:schema:2.4.0",
        },
        message: { contentType: "application/xml", filename: "xdomea.xml", bytes: xml },
        attachments: [
          { contentType: "application/pdf", filename: "7e2b1a90_Antrag.pdf", bytes: pdf },
          { contentType: "image/jpeg", filename: "1f9e8d7c_Aufenthaltstitel.jpg", bytes: jpeg },
        ],
      },
    ];
    remote = remoteXtaServer(box);
    server = await serveHttps(remote.app, pki);
    hub = await startTestHub();
  });
  afterAll(async () => {
    await hub?.stop();
    await server?.close();
  });

  it("takes Message and Attachments from the MIME parts byte for byte, commits, then closes", async () => {
    const account = {
      id: "land",
      managementUrl: `${server.url}/xta/management`,
      msgBoxUrl: `${server.url}/xta/msgbox`,
      pkcs12File: "unused",
      author: "ags:01002000",
      pollIntervalMs: 1000,
      backoffMaxMs: 1000,
      maxListItems: 10,
    };
    const connect = () =>
      createXtaClient({
        ...account,
        pfx: cert.pkcs12("pw"),
        passphrase: "pw",
        ca: Buffer.from(pki.caPem),
        onXml: (kind, x) => kind === "request" && requests.push(x),
      });
    const round = await new AccountPoller(adapterPort(hub.services), account, connect).pollOnce();
    expect(round).toEqual({ fetched: 1, committed: 1, duplicates: 0, refused: 0 });
    expect(remote.closed).toEqual(["urn:de:xta:messageid:land:0001"]);

    const [app] = await hub.broker.drain(hub.queue("kiel", "gewerbe"), { atLeast: 1 });
    const ev = app!.body as any;
    expect(ev).toMatchObject({ ozgtenant: "kiel", ozgformat: "xdomea", ozgleikakey: "99050012104000" });
    expect(ev.data.data.xta.messageId).toBe("urn:de:xta:messageid:land:0001");
    expect(ev.data.attachments.map((a: any) => [a.name, a.size, a.sha256])).toEqual([
      ["7e2b1a90_Antrag.pdf", pdf.length, sha(pdf)],
      ["1f9e8d7c_Aufenthaltstitel.jpg", jpeg.length, sha(jpeg)],
    ]);
  });

  it("exchanged only XML that is valid against the official XTA schemas (requests and the server's replies)", async () => {
    expect(requests.length).toBe(4);
    expect(remote.replies.length).toBe(4);
    for (const x of [...requests, ...remote.replies]) expect(await xsdErrors(x), x).toEqual([]);
  });
});
