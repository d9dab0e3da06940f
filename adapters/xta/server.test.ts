import { randomUUID } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InboundDocument, IntakeResult } from "../../gateway/index.ts";
import type { Runtime } from "../../gateway/runtime.ts";
import { OutageError } from "../../gateway/index.ts";
import { loadRuntime } from "../../gateway/runtime.ts";
import { configSpec } from "../index.ts";
import { writeTestConfig } from "../../test/support/config.ts";
import { fakePort } from "../../test/support/fake-port.ts";
import { metaDataXml } from "./fixtures/portal-client.ts";
import { prepareXta } from "./auth.ts";
import { xtaRoutes } from "./server.ts";

const FP = "ab".repeat(32);
const SEND = "http://www.xta.de/XTA/SendMessage";
const WSA = "http://www.w3.org/2005/08/addressing";
const S12 = "http://www.w3.org/2003/05/soap-envelope";

async function runtimeWith(xta: Record<string, unknown>): Promise<{ runtime: Runtime; dir: string }> {
  const dir = await writeTestConfig("unit", { gateway: { xta } });
  await writeFile(
    path.join(dir, "portals/xtaportal.yaml"),
    stringify({ id: "xtaportal", name: "XTA portal", channels: ["xta"], xta: { certificateSha256: [FP], authorIdentifiers: ["psw:fs"] } }),
  );
  const loaded = await loadRuntime(dir, configSpec);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return { runtime: loaded.runtime, dir };
}

/** The routes with an intake that records what it was given and answers as told. */
function routes(runtime: Runtime) {
  const port = fakePort(runtime);
  return { app: xtaRoutes(port.ctx, port.ctx.prepare(prepareXta)), seen: port.seen, answer: port.answer };
}

const envelope = (body: string, headers = metaDataXml({ messageId: "urn:de:xta:messageid:fs:1", author: "psw:fs", reader: "ags:01002000" })) =>
  `<s:Envelope xmlns:s="${S12}" xmlns:wsa="${WSA}"><s:Header><wsa:Action>${SEND}</wsa:Action><wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID>${headers}</s:Header><s:Body>${body}</s:Body></s:Envelope>`;
const container = (message: string, attachments = "") =>
  `<xta:GenericContentContainer xmlns:xta="http://xoev.de/transport/xta/211"><xta:ContentContainer><xta:Message contentType="application/xml" filename="m.xml">${message}</xta:Message>${attachments}</xta:ContentContainer></xta:GenericContentContainer>`;
const code = async (res: Response) => /<code>(\d+)<\/code>/.exec(await res.text())?.[1];

describe("XTA routes in-process (trusted proxy mode)", () => {
  let dirs: string[] = [];
  let proxied: ReturnType<typeof routes>;
  let direct: ReturnType<typeof routes>;
  const headers = { "content-type": `application/soap+xml; action="${SEND}"`, "x-ssl-client-sha256": FP.match(/../g)!.join(":").toUpperCase() };

  beforeAll(async () => {
    const a = await runtimeWith({ trustedProxy: { header: "x-ssl-client-sha256" } });
    const b = await runtimeWith({});
    dirs = [a.dir, b.dir];
    proxied = routes(a.runtime);
    direct = routes(b.runtime);
  });
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("takes the certificate fingerprint from the proxy header only when a trusted proxy is configured", async () => {
    const body = envelope(container(Buffer.from("<a/>").toString("base64")));
    const ok = await proxied.app.request("/xta/send", { method: "POST", headers, body });
    expect(ok.status).toBe(200);
    const refused = await direct.app.request("/xta/send", { method: "POST", headers, body });
    expect(refused.status).toBe(400);
    expect(await code(refused)).toBe("9012");
  });

  it("hands intake the Message bytes, the attachments and the MessageMetaData", async () => {
    const xml = Buffer.from(`<?xml version="1.0"?><a xmlns="urn:x">Grüße</a>`);
    const attachment = `<xta:Attachment contentType="application/pdf" filename="Antrag.pdf" contentDescription="representation">${Buffer.from("%PDF").toString("base64")}</xta:Attachment>`;
    const res = await proxied.app.request("/xta/send", { method: "POST", headers, body: envelope(container(xml.toString("base64"), attachment)) });
    expect(res.status).toBe(200);
    const last = proxied.seen.at(-1)!;
    expect(last.delivery).toMatchObject({ channel: "xta", portalId: "xtaportal", sourceMessageId: "urn:de:xta:messageid:fs:1" });
    expect(last.doc).toMatchObject({
      contentType: "application/xml",
      sourceMessageId: "urn:de:xta:messageid:fs:1",
      recipient: { xtaReader: "ags:01002000" },
      metadata: {
        xta: {
          messageId: "urn:de:xta:messageid:fs:1",
          author: "psw:fs",
          reader: "ags:01002000",
          service: "urn:xoev-de:xdomea:schema:2.4.0",
          businessScenario: "XDOMEAGG_DATA",
          messageType: "Geschaeftsgang.Geschaeftsgang.0201",
          filename: "m.xml",
        },
      },
    });
    expect(Buffer.from((last.doc as InboundDocument).bytes).equals(xml)).toBe(true);
    expect(last.attachments.map((x) => [x.a.name, x.a.contentType, x.a.group, x.bytes.toString()])).toEqual([
      ["Antrag.pdf", "application/pdf", "representation", "%PDF"],
    ]);
  });

  it("reads a Message labelled application/octet-stream that is XML as application/xml", async () => {
    const body = envelope(
      container(Buffer.from("\uFEFF <a/>").toString("base64")).replace('contentType="application/xml"', 'contentType="application/octet-stream"'),
    );
    const res = await proxied.app.request("/xta/send", { method: "POST", headers, body });
    expect(res.status).toBe(200);
    expect((proxied.seen.at(-1)!.doc as InboundDocument).contentType).toBe("application/xml");
  });

  it("reads MTOM/XOP parts byte for byte, even when they contain CRLF and dashes", async () => {
    const binary = Buffer.concat([Buffer.from("\r\n--not-the-boundary\r\n\r\n"), Buffer.from([0, 255, 13, 10, 45, 45])]);
    const boundary = "MIME_boundary_1";
    const env = envelope(
      container(
        Buffer.from("<a/>").toString("base64"),
        `<xta:Attachment contentType="application/octet-stream" filename="b.bin"><xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:part%40one"/></xta:Attachment>`,
      ),
    );
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\nContent-ID: <root>\r\n\r\n${env}\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <part@one>\r\n\r\n`),
      binary,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await proxied.app.request("/xta/send", {
      method: "POST",
      headers: {
        ...headers,
        "content-type": `multipart/related; type="application/xop+xml"; start="<root>"; start-info="application/soap+xml"; boundary=${boundary}`,
      },
      body,
    });
    expect(res.status).toBe(200);
    expect(proxied.seen.at(-1)!.attachments[0]!.bytes.equals(binary)).toBe(true);
  });

  it("answers each intake outcome with its fault, and an outage with 9030", async () => {
    const send = () => proxied.app.request("/xta/send", { method: "POST", headers, body: envelope(container(Buffer.from("<a/>").toString("base64"))) });
    const receipt = { deliveryId: randomUUID(), reference: "AAAA-BBBB", sourceMessageId: "urn:de:xta:messageid:fs:1", receivedAt: new Date(), state: "routed" };
    const outcomes: [IntakeResult | "outage", number, string][] = [
      [{ kind: "duplicate", receipt }, 400, "9024"],
      [{ kind: "too_large", limit: 10, what: "document" }, 400, "9023"],
      [{ kind: "malformed", detail: "not XML" }, 400, "9050"],
      [{ kind: "invalid", problems: [{ path: "applicant", message: "missing" }] }, 400, "9050"],
      ["outage", 500, "9030"],
    ];
    for (const [outcome, status, fehlernummer] of outcomes) {
      proxied.answer(() => {
        if (outcome === "outage") throw new OutageError("database down", { retryable: true });
        return outcome;
      });
      const res = await send();
      expect([res.status, await code(res)]).toEqual([status, fehlernummer]);
    }
  });
});
