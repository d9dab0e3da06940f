import { describe, expect, it } from "vitest";
import { buildMime, parseMime } from "./mime.ts";
import { headerSafe } from "./store-delivery-out.ts";

describe("OSCI MIME", () => {
  it("reads a body labelled text/xml that starts with its own MIME headers, with 8bit and the non-standard 8-bit parts", () => {
    const body = Buffer.concat([
      Buffer.from(
        "MIME-Version: 1.0\r\nContent-Type: Multipart/Related; boundary=MIME_boundary; type=text/xml\r\n\r\n" +
          "--MIME_boundary\r\nContent-Type: text/xml; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\nContent-ID: <osci@message>\r\n\r\n<soap:Envelope/>\r\n" +
          "--MIME_boundary\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: 8-bit\r\nContent-ID: <anlage1>\r\nContent-Length: 4\r\n\r\n",
      ),
      Buffer.from([0x00, 0x0d, 0x0a, 0xff]),
      Buffer.from("\r\n--MIME_boundary--\r\n"),
    ]);
    const r = parseMime(body, "text/xml; charset=utf-8");
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.parts.map((p) => p.contentId)).toEqual(["osci@message", "anlage1"]);
    expect(r.parts[0]!.body.toString()).toBe("<soap:Envelope/>");
    // binary content with CRLF inside stays byte for byte
    expect([...r.parts[1]!.body]).toEqual([0x00, 0x0d, 0x0a, 0xff]);
    expect(r.parts[1]!.headers["content-length"]).toBe("4");
  });

  it("takes the boundary from the HTTP header when the body has no MIME headers, and decodes base64 parts", () => {
    const body = Buffer.from(
      "--b1\r\nContent-ID: <osci@message>\r\nContent-Type: text/xml\r\n\r\n<a/>\r\n--b1\r\nContent-ID: <x>\r\nContent-Transfer-Encoding: base64\r\n\r\naGFsbG8=\r\n--b1--",
    );
    const r = parseMime(body, 'Multipart/Related; boundary="b1"; type=text/xml');
    expect(r.ok && r.parts.map((p) => p.body.toString())).toEqual(["<a/>", "hallo"]);
  });

  it("round-trips what it builds", () => {
    const built = buildMime([
      { contentId: "osci@message", contentType: "text/xml; charset=UTF-8", body: "<x>ä</x>" },
      { contentId: "osci_enc", contentType: "application/octet-stream", body: Buffer.from([1, 2, 3, 13, 10]) },
    ]);
    const r = parseMime(built, "text/xml; charset=utf-8");
    expect(r.ok && r.parts.map((p) => [p.contentId, [...p.body]])).toEqual([
      ["osci@message", [...Buffer.from("<x>ä</x>")]],
      ["osci_enc", [1, 2, 3, 13, 10]],
    ]);
  });

  it("says what is wrong with a body that is not Multipart/Related", () => {
    expect(parseMime(Buffer.from("<soap:Envelope/>"), "text/xml")).toEqual({ ok: false, detail: "no MIME headers and no multipart Content-Type" });
    expect(parseMime(Buffer.from("--b\r\nContent-ID: <a>\r\n\r\nno end"), "multipart/related; boundary=b")).toEqual({
      ok: false,
      detail: "MIME part without closing boundary",
    });
  });
});

describe("file names in MIME headers of requests ozg-hub sends", () => {
  it("keep printable ASCII only, so a name cannot start a header of its own", () => {
    expect(headerSafe("Bescheid Müller.pdf")).toBe("Bescheid M_ller.pdf");
    expect(headerSafe("a.pdf\r\nContent-ID: <osci@message>")).toBe("a.pdf__Content-ID: <osci@message>");
  });

  it("reads part headers as UTF-8 (Content-ID and Content-Description as the library writes them), Latin-1 only when they are no valid UTF-8", () => {
    const part = (headers: Buffer) => Buffer.concat([Buffer.from("--b\r\n"), headers, Buffer.from("\r\n\r\nx\r\n--b--")]);
    const utf8 = parseMime(
      part(Buffer.from("Content-ID: <Bauplan Straße 5.zip>\r\nContent-Description: Antrag Müller – Anlage 1.xml", "utf8")),
      "multipart/related; boundary=b",
    );
    expect(utf8.ok && [utf8.parts[0]!.contentId, utf8.parts[0]!.headers["content-description"]]).toEqual([
      "Bauplan Straße 5.zip",
      "Antrag Müller – Anlage 1.xml",
    ]);
    const latin1 = parseMime(part(Buffer.from("Content-ID: <Straße>", "latin1")), "multipart/related; boundary=b");
    expect(latin1.ok && latin1.parts[0]!.contentId).toBe("Straße");
  });
});
