import { describe, expect, it } from "vitest";
import { metaDataXml } from "./fixtures/portal-client.ts";
import { transportStatus } from "./management.ts";
import { readMessageMetaData } from "./metadata.ts";
import { param, parseMultipart, partFor } from "./mtom.ts";
import { NS } from "./ns.ts";
import { parseEnvelope } from "./xml.ts";

describe("MTOM/XOP multipart parsing", () => {
  const body = (parts: string[], boundary = "b1") => Buffer.from(parts.map((p) => `--${boundary}\r\n${p}\r\n`).join("") + `--${boundary}--\r\n`);

  it("finds the root by start and the other parts by Content-ID", () => {
    const m = parseMultipart(
      'multipart/related; boundary="b1"; start="<r@x>"',
      body(["Content-ID: <a@x>\r\nContent-Type: text/plain\r\n\r\nAAA", "Content-ID: <r@x>\r\nContent-Type: application/xop+xml\r\n\r\n<e/>"]),
    );
    if (typeof m === "string") throw new Error(m);
    expect(m.root.toString()).toBe("<e/>");
    expect(partFor(m, "cid:a%40x")?.toString()).toBe("AAA");
    expect(partFor(m, "cid:missing")).toBeUndefined();
    expect(partFor(m, "http://elsewhere/a")).toBeUndefined();
  });

  it("names what is wrong with a broken multipart body", () => {
    expect(parseMultipart("multipart/related", Buffer.from(""))).toBe("multipart/related without a boundary");
    expect(parseMultipart("multipart/related; boundary=b1", Buffer.from("--b1\r\nContent-ID: <a>\r\n\r\nno end"))).toBe("a part without a closing boundary");
    expect(
      parseMultipart(
        "multipart/related; boundary=b1",
        body(["Content-ID: <r>\r\n\r\n<e/>", "Content-ID: <a>\r\nContent-Transfer-Encoding: base64\r\n\r\nQUFB"]),
      ),
    ).toMatch(/base64 encoded MIME parts/);
  });

  it("reads Content-Type parameters quoted and unquoted", () => {
    const ct = 'multipart/related; type="application/xop+xml"; boundary=uuid:1; action="http://www.xta.de/XTA/SendMessage"';
    expect([param(ct, "boundary"), param(ct, "action"), param(ct, "start")]).toEqual(["uuid:1", "http://www.xta.de/XTA/SendMessage", undefined]);
  });
});

describe("envelope parsing", () => {
  it("refuses DTDs before parsing and reports malformed XML", () => {
    expect(parseEnvelope(`<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>`)).toMatchObject({ ok: false, reason: "doctype" });
    expect(parseEnvelope("<x><y></x>")).toMatchObject({ ok: false, reason: "malformed" });
    expect(parseEnvelope("<x/>")).toMatchObject({ ok: true });
  });

  it("reads MessageMetaData and names the first missing part", () => {
    const doc = (xml: string) => {
      const r = parseEnvelope(xml);
      if (!r.ok) throw new Error(r.detail);
      return r.doc.documentElement!;
    };
    const full = doc(metaDataXml({ messageId: "urn:de:xta:messageid:p:1", author: "psw:fs", reader: "ags:01002000" }));
    expect(readMessageMetaData(full)).toEqual({
      ok: true,
      meta: {
        messageId: "urn:de:xta:messageid:p:1",
        author: "psw:fs",
        reader: "ags:01002000",
        service: "urn:xoev-de:xdomea:schema:2.4.0",
        businessScenario: "XDOMEAGG_DATA",
        messageType: "Geschaeftsgang.Geschaeftsgang.0201",
        payloadSchema: "urn:xoev-de:xdomea:schema:2.4.0",
      },
    });
    const noReader = doc(metaDataXml({ messageId: "urn:x", author: "psw:fs", reader: "" }).replace(/<oscimeta:Destinations>.*<\/oscimeta:Destinations>/, ""));
    expect(readMessageMetaData(noReader)).toEqual({ ok: false, missing: "MessageMetaData reader" });
    expect(readMessageMetaData(undefined)).toEqual({ ok: false, missing: "oscimeta:MessageMetaData header" });
    expect(full.namespaceURI).toBe(NS.oscimeta);
  });
});

describe("transport report status", () => {
  it("maps delivery states to XTA's 0 open, 1 green, 2 yellow, 3 red", () => {
    expect(["routed", "published", "parked", "cancelled"].map((s) => transportStatus(s))).toEqual([0, 1, 2, 3]);
    // Every subscriber has it, even if the delivery's state has not caught up yet.
    expect(transportStatus("routed", { handedOut: 2, waiting: 0 })).toBe(1);
    expect(transportStatus("routed", { handedOut: 1, waiting: 1 })).toBe(0);
  });
});
