import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { antragBody, ozgCloudForm } from "../../test/support/forms.ts";
import { startTestHub, TOKENS, type TestHub } from "../../test/support/hub.ts";
import { expectRefused } from "../../test/support/refusals.ts";
import { listen } from "../../test/subscribers/support.ts";
import { rowCounts } from "../../test/support/database.ts";

const auth = { authorization: `Bearer ${TOKENS.formsolutions}` };

const canonical = (patch: Record<string, unknown> = {}) => ({
  sourceId: "canon-1",
  service: { leikaKeys: ["99050012104000"], name: "Gewerbeanmeldung" },
  recipient: { ags: "01002000" },
  applicant: { kind: "person", name: "Anna Schmidt", givenName: "Anna", familyName: "Schmidt" },
  data: { taetigkeit: "Handel" },
  ...patch,
});

describe("REST intake refusals: status, problem type, and nothing stored", () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({ gateway: { limits: { documentBytes: 64 * 1024, attachmentBytes: 256 * 1024, deliveryBytes: 400 * 1024, attachments: 3 } } });
  });
  afterAll(async () => {
    await hub?.stop();
  });

  const refused = (path: string, init: RequestInit, status: number, type: string) => expectRefused(hub, path, init, status, type);

  it("401 without or with an unknown token, 403 for a portal not allowed on REST", async () => {
    await refused(
      "/api/v1/applications",
      { method: "POST", body: JSON.stringify(canonical()), headers: { "content-type": "application/json" } },
      401,
      "unauthorized",
    );
    await refused("/antrag", { method: "POST", body: antragBody(ozgCloudForm(), []), headers: { authorization: "Bearer not-a-token" } }, 401, "unauthorized");
    const res = await hub.app.request("/api/v1/applications", { method: "POST", headers: { authorization: "Bearer x" } });
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
  });

  it("400 for malformed JSON and invalid UTF-8", async () => {
    await refused(
      "/api/v1/applications",
      { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: '{"sourceId": "x",' },
      400,
      "malformed",
    );
    await refused(
      "/api/v1/applications",
      { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]) },
      400,
      "malformed",
    );
    const fd = new FormData();
    fd.append("formData", new Blob(["{not json"], { type: "application/json" }));
    await refused("/antrag", { method: "POST", headers: auth, body: fd }, 400, "malformed");
  });

  it("400 for broken multipart, a missing document part, or a part twice", async () => {
    await refused(
      "/antrag",
      {
        method: "POST",
        headers: { ...auth, "content-type": "multipart/form-data; boundary=xyz" },
        body: '--xyz\r\nContent-Disposition: form-data; name="formData"\r\n\r\n{"a":',
      },
      400,
      "malformed",
    );
    await refused("/antrag", { method: "POST", headers: { ...auth, "content-type": "multipart/form-data" }, body: "no boundary" }, 400, "malformed");
    const missing = new FormData();
    missing.append("attachment", new Blob(["x"], { type: "text/plain" }), "a.txt");
    const body = await refused("/antrag", { method: "POST", headers: auth, body: missing }, 400, "malformed");
    expect(body.detail).toContain("formData");
    const twice = antragBody(ozgCloudForm(), []);
    twice.append("formData", new Blob([JSON.stringify(ozgCloudForm())], { type: "application/json" }));
    await refused("/antrag", { method: "POST", headers: auth, body: twice }, 400, "malformed");
    const stranger = antragBody(ozgCloudForm(), []);
    stranger.append("virus", new Blob(["x"]), "x.exe");
    await refused("/antrag", { method: "POST", headers: auth, body: stranger }, 400, "malformed");
  });

  it("415 for content types an intake does not take", async () => {
    await refused("/api/v1/applications", { method: "POST", headers: { ...auth, "content-type": "text/plain" }, body: "hello" }, 415, "unsupported-media-type");
    await refused(
      "/antrag",
      { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify(ozgCloudForm()) },
      415,
      "unsupported-media-type",
    );
    await refused(
      "/api/v1/deliveries",
      { method: "POST", headers: { ...auth, "content-type": "application/pdf" }, body: "%PDF" },
      415,
      "unsupported-media-type",
    );
  });

  it("413 for an oversize document, attachment, delivery or too many attachments", async () => {
    const big = canonical({ data: { text: "x".repeat(70 * 1024) } });
    await refused(
      "/api/v1/applications",
      { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify(big) },
      413,
      "too-large",
    );
    const bigForm = ozgCloudForm({ transactionId: "big-form" });
    bigForm.formData.push({ name: "notes", stringValue: "y".repeat(70 * 1024) });
    await refused("/antrag", { method: "POST", headers: auth, body: antragBody(bigForm, []) }, 413, "too-large");
    const bigFile = antragBody(ozgCloudForm({ transactionId: "big-file" }), [
      { part: "attachment", name: "scan.pdf", type: "application/pdf", content: new Uint8Array(300 * 1024) },
    ]);
    await refused("/antrag", { method: "POST", headers: auth, body: bigFile }, 413, "too-large");
    const manyBig = antragBody(ozgCloudForm({ transactionId: "sum" }), [
      { part: "attachment", name: "1.pdf", type: "application/pdf", content: new Uint8Array(200 * 1024) },
      { part: "attachment", name: "2.pdf", type: "application/pdf", content: new Uint8Array(200 * 1024) },
    ]);
    await refused("/antrag", { method: "POST", headers: auth, body: manyBig }, 413, "too-large");
    const many = antragBody(
      ozgCloudForm({ transactionId: "many" }),
      [1, 2, 3, 4].map((i) => ({ part: "attachment" as const, name: `${i}.txt`, type: "text/plain", content: "x" })),
    );
    await refused("/antrag", { method: "POST", headers: auth, body: many }, 413, "too-large");
  });

  it("413 at once, over a real socket, for a multipart body that announces more than limits.deliveryBytes", async () => {
    const http = await listen(hub);
    try {
      for (const path of ["/antrag", "/api/v1/applications", "/api/v1/deliveries"]) {
        const before = await rowCounts(hub.databaseUrl);
        const answer = await rawRequest(
          http.url,
          [
            `POST ${path} HTTP/1.1`,
            "Host: 127.0.0.1",
            `Authorization: ${auth.authorization}`,
            "Content-Type: multipart/form-data; boundary=b",
            "Content-Length: 99999999999",
            "",
            '--b\r\nContent-Disposition: form-data; name="attachment"; filename="a.bin"\r\n\r\nxxxx',
          ].join("\r\n"),
        );
        expect(answer).toMatch(/^HTTP\/1\.1 413 /);
        expect(answer).toContain("application/problem+json");
        expect(answer).toContain("delivery exceeds the limit of 409600 bytes");
        expect(await rowCounts(hub.databaseUrl)).toEqual(before);
      }
    } finally {
      await http.close();
    }
  });

  it("422 with the field path for schema violations", async () => {
    const body = await refused(
      "/api/v1/applications",
      { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify(canonical({ service: { leikaKeys: ["123"] } })) },
      422,
      "invalid",
    );
    expect(body.errors).toContainEqual({ path: "service.leikaKeys[0]", message: "a 14-digit LeiKa key" });
    const form = ozgCloudForm({ transactionId: "bad-form" });
    delete form.control.zustaendigeStelle;
    form.formData[0].formItems[1].name = "";
    const antrag = await refused("/antrag", { method: "POST", headers: auth, body: antragBody(form, []) }, 422, "invalid");
    expect(antrag.errors.map((e: { path: string }) => e.path).sort()).toEqual(["control.zustaendigeStelle", "formData[0].formItems[1].name"]);
  });

  it("400 for DTDs and entity declarations in XML, before anything is parsed", async () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><a>&lol2;</a>`;
    await refused("/api/v1/deliveries", { method: "POST", headers: { ...auth, "content-type": "application/xml" }, body: bomb }, 400, "malformed");
    const xxe = `<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>`;
    await refused("/api/v1/deliveries", { method: "POST", headers: { ...auth, "content-type": "application/xml" }, body: xxe }, 400, "malformed");
    const deep = `${"<a>".repeat(100)}x${"</a>".repeat(100)}`;
    await refused("/api/v1/deliveries", { method: "POST", headers: { ...auth, "content-type": "application/xml" }, body: deep }, 400, "malformed");
  });

  it("parks, rather than refuses, what no tenant or no mapping takes, and tells the portal", async () => {
    const res = await hub.app.request("/antrag", {
      method: "POST",
      headers: auth,
      body: antragBody(ozgCloudForm({ transactionId: "nowhere", zustaendigeStelle: "000000" }), []),
    });
    expect(res.status).toBe(202);
    const receipt = await res.json();
    expect(receipt.vorgang.status).toBe("IN_PRUEFUNG");
    const status = await (await hub.app.request(`/api/v1/applications/${receipt.vorgang.vorgangId}`, { headers: auth })).json();
    expect(status.state).toBe("parked");
    expect(status.parkReason.stage).toBe("routing");
    expect(status.parkReason.message).toContain("no tenant");

    const xml = await hub.app.request("/api/v1/deliveries", {
      method: "POST",
      headers: { ...auth, "content-type": "application/xml" },
      body: "<unbekannt xmlns='urn:nobody'><x>1</x></unbekannt>",
    });
    expect(xml.status).toBe(202);
    const parked = await xml.json();
    expect(parked.state).toBe("parked");
    const s2 = await (await hub.app.request(`/api/v1/applications/${parked.id}`, { headers: auth })).json();
    expect(s2.parkReason).toEqual({ stage: "mapping", message: "no mapping matches this delivery (XML root {urn:nobody}unbekannt)" });
    for (const q of hub.allQueues()) expect(await hub.broker.count(q)).toBe(0);
  });

  it("shows a delivery's status only to the portal that delivered it", async () => {
    const res = await hub.app.request("/api/v1/applications", {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify(canonical({ sourceId: "mine" })),
    });
    expect(res.status).toBe(202);
    const { id } = await res.json();
    const other = await hub.app.request(`/api/v1/applications/${id}`, { headers: { authorization: `Bearer ${TOKENS.serviceportal}` } });
    expect(other.status).toBe(404);
    const own = await hub.app.request(`/api/v1/applications/${id}`, { headers: auth });
    expect(own.status).toBe(200);
  });

  it("parks a delivery for a tenant the portal may not deliver to", async () => {
    const res = await hub.app.request("/api/v1/applications", {
      method: "POST",
      headers: { authorization: `Bearer ${TOKENS.serviceportal}`, "content-type": "application/json" },
      body: JSON.stringify(canonical({ sourceId: "sp-augsburg", recipient: { ags: "09761000" } })),
    });
    expect(res.status).toBe(202);
    expect((await res.json()).state).toBe("parked");
    expect(await hub.broker.count(hub.queue("augsburg", "dms"))).toBe(0);
  });
});

/**
 * Writes `head` to a raw socket and returns what the server answers within 5 s, without ever
 * sending the rest of the body it announced (fetch cannot send a false Content-Length).
 */
async function rawRequest(url: string, head: string): Promise<string> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let answer = "";
  socket.on("data", (d) => (answer += String(d)));
  socket.on("error", () => {});
  socket.write(head);
  const deadline = Date.now() + 5_000;
  while (!/\r\n\r\n[\s\S]*\}/.test(answer) && Date.now() < deadline && !socket.closed) await new Promise((r) => setTimeout(r, 20));
  socket.destroy();
  return answer;
}
