import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { rowCounts } from "../../test/support/database.ts";
import { antragBody, ozgCloudForm, withJacksonNulls } from "../../test/support/forms.ts";
import { startTestHub, TOKENS } from "../../test/support/hub.ts";
import { startedForSuite } from "../../test/support/suite.ts";

const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");
const auth = { authorization: `Bearer ${TOKENS.formsolutions}` };

describe("POST /antrag (OZG-Cloud compatible) against Postgres and RabbitMQ", () => {
  const hub = startedForSuite(() => startTestHub());

  it("delivers one CloudEvent to each matching queue of the right tenant, none elsewhere", async () => {
    const pdf = Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(300_000, 7)]);
    const photo = Buffer.alloc(1_500_000, 0xab);
    const form = ozgCloudForm({ transactionId: "tx-delivery-1" });
    const res = await hub.app.request("/antrag", {
      method: "POST",
      headers: auth,
      body: antragBody(form, [
        { part: "representation", name: "Gewerbeanmeldung.pdf", type: "application/pdf", content: pdf },
        { part: "attachment", name: "Personalausweis Rückseite.jpg", type: "image/jpeg", content: photo },
      ]),
    });
    expect(res.status).toBe(202);
    const receipt = await res.json();
    expect(receipt).toMatchObject({ transactionId: "tx-delivery-1", vorgang: { status: "NEU" } });
    expect(receipt.vorgang.vorgangNummer).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);

    const [gewerbe] = await hub.broker.drain(hub.queue("kiel", "gewerbe"), { atLeast: 1 });
    const [dms] = await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1 });
    expect(gewerbe).toBeDefined();
    expect(dms).toBeDefined();
    for (const msg of [gewerbe!, dms!]) {
      expect(msg.contentType).toBe("application/cloudevents+json");
      expect(msg.headers["x-ozg-tenant"]).toBe("kiel");
      expect(msg.headers["x-ozg-leika-key"]).toBe("99050012104000");
      const ev = msg.body as any;
      expect(ev).toMatchObject({
        specversion: "1.0",
        type: "de.ozghub.application.received.v1",
        ozgtenant: "kiel",
        ozgleikakey: "99050012104000",
        ozgdelivery: receipt.vorgang.vorgangId,
      });
      expect(ev.data.applicant).toMatchObject({
        kind: "person",
        name: "Jürgen Größe-Möller",
        givenName: "Jürgen",
        familyName: "Größe-Möller",
        birthDate: "1979-03-14",
      });
      expect(ev.data.recipient).toEqual({ organisationUnitId: "9030229" });
      expect(ev.data.attachments.map((a: any) => [a.name, a.group, a.size, a.sha256])).toEqual([
        ["Gewerbeanmeldung.pdf", "representation", pdf.length, sha(pdf)],
        ["Personalausweis Rückseite.jpg", "attachment", photo.length, sha(photo)],
      ]);
      expect(ev.data.data.betrieb.beschaeftigte).toBe(3);
    }
    expect(gewerbe!.messageId).not.toBe(dms!.messageId);
    // nothing more arrives, and the other tenant saw nothing
    await new Promise((r) => setTimeout(r, 300));
    expect(await hub.broker.count(hub.queue("kiel", "gewerbe"))).toBe(0);
    expect(await hub.broker.count(hub.queue("kiel", "dms"))).toBe(0);
    expect(await hub.broker.count(hub.queue("augsburg", "gewerbe"))).toBe(0);
    expect(await hub.broker.count(hub.queue("augsburg", "dms"))).toBe(0);

    const status = await hub.app.request(`/api/v1/applications/${receipt.vorgang.vorgangId}`, { headers: auth });
    expect(status.status).toBe(200);
    const body = await status.json();
    expect(body.state).toBe("published");
    expect(body.timeline.map((e: any) => e.type)).toEqual(["received", "mapped", "routed", "published", "published"]);

    // The event's id (the application's) names the same delivery; to another portal it names none.
    const applicationId = (gewerbe!.body as any).id as string;
    expect(applicationId).not.toBe(receipt.vorgang.vorgangId);
    const byApplication = await hub.app.request(`/api/v1/applications/${applicationId}`, { headers: auth });
    expect(byApplication.status).toBe(200);
    expect(await byApplication.json()).toEqual(body);
    const otherPortal = await hub.app.request(`/api/v1/applications/${applicationId}`, { headers: { authorization: `Bearer ${TOKENS.serviceportal}` } });
    expect(otherPortal.status).toBe(404);
  });

  it("accepts a form with nulls for every absent member (Jackson's default) and delivers the same data", async () => {
    const form = withJacksonNulls(ozgCloudForm({ transactionId: "tx-jackson-nulls", zustaendigeStelle: "276519", leikaIds: ["99123456760000"] }));
    expect(form.formData[0].formItems[0].formItems).toBeNull();
    const res = await hub.app.request("/antrag", { method: "POST", headers: auth, body: antragBody(form, []) });
    expect(res.status).toBe(202);
    const [msg] = await hub.broker.drain(hub.queue("augsburg", "dms"), { atLeast: 1 });
    const ev = msg!.body as any;
    expect(ev.data.sourceId).toBe("tx-jackson-nulls");
    expect(ev.data.applicant).toMatchObject({ givenName: "Jürgen", familyName: "Größe-Möller", birthDate: "1979-03-14" });
    // The form read as an object is the same as without the nulls: fields keep their values.
    const plain = ozgCloudForm().formData;
    expect(ev.data.data.antragsteller).toEqual(Object.fromEntries(plain[0].formItems.map((i: any) => [i.name, i.stringValue ?? i.dateValue])));
    expect(ev.data.data.betrieb.beschaeftigte).toBe(3);
  });

  it("keeps attachment file names as sent, slashes and backslashes included", async () => {
    const names = ["Anlage 1/2.pdf", "/ ", "C:\\Scans\\Ausweis.jpg", "Straße 5%22.zip"];
    const form = ozgCloudForm({ transactionId: "tx-names", zustaendigeStelle: "276519", leikaIds: ["99123456760000"] });
    const files = names.map((name) => ({ part: "attachment" as const, name, type: "application/octet-stream", content: "x" }));
    const res = await hub.app.request("/antrag", { method: "POST", headers: auth, body: antragBody(form, files) });
    expect(res.status).toBe(202);
    const [msg] = await hub.broker.drain(hub.queue("augsburg", "dms"), { atLeast: 1 });
    expect((msg!.body as any).data.attachments.map((a: any) => a.name)).toEqual(names);
  });

  it("routes a form for Augsburg to Augsburg, and a non-trade service only to the DMS", async () => {
    const form = ozgCloudForm({ transactionId: "tx-augsburg-1", zustaendigeStelle: "276519", leikaIds: ["99123456760000"] });
    const res = await hub.app.request("/antrag", { method: "POST", headers: auth, body: antragBody(form, []) });
    expect(res.status).toBe(202);
    const dms = await hub.broker.drain(hub.queue("augsburg", "dms"), { atLeast: 1 });
    expect(dms).toHaveLength(1);
    expect((dms[0]!.body as any).ozgtenant).toBe("augsburg");
    expect(await hub.broker.count(hub.queue("augsburg", "gewerbe"))).toBe(0);
    expect(await hub.broker.count(hub.queue("kiel", "dms"))).toBe(0);
  });

  it("answers a repeated transactionId with the first receipt and publishes once", async () => {
    const form = ozgCloudForm({ transactionId: "tx-twice" });
    const send = () =>
      hub.app.request("/antrag", {
        method: "POST",
        headers: auth,
        body: antragBody(form, [{ part: "attachment", name: "a.txt", type: "text/plain", content: "x" }]),
      });
    const first = await send();
    const firstBody = await first.json();
    expect(await publishedFor(hub.queue("kiel", "dms"), "tx-twice")).toBe(1);
    const before = await rowCounts(hub.databaseUrl);
    const second = await send();
    expect(second.status).toBe(202);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await second.json()).toEqual(firstBody);
    expect(await rowCounts(hub.databaseUrl)).toEqual(before);
    await new Promise((r) => setTimeout(r, 500));
    expect(await hub.broker.count(hub.queue("kiel", "dms"))).toBe(0);
  });

  it("answers 409, storing nothing, when a repeated transactionId comes with another form or other attachments", async () => {
    const form = ozgCloudForm({ transactionId: "tx-changed" });
    const files = [{ part: "attachment" as const, name: "a.txt", type: "text/plain", content: "x" }];
    const send = (f: unknown, a: typeof files) => hub.app.request("/antrag", { method: "POST", headers: auth, body: antragBody(f, a) });
    expect((await send(form, files)).status).toBe(202);
    expect(await publishedFor(hub.queue("kiel", "dms"), "tx-changed")).toBe(1);

    const changedForm = structuredClone(form);
    changedForm.formData[0].formItems[1].stringValue = "Größe-Möller-Schmidt";
    for (const [f, a] of [
      [changedForm, files],
      [form, [{ ...files[0]!, content: "y" }]],
      [form, []],
    ] as const) {
      const before = await rowCounts(hub.databaseUrl);
      const res = await send(f, [...a]);
      expect(res.status).toBe(409);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(await res.json()).toMatchObject({ type: "urn:ozg-hub:problem:conflict", status: 409 });
      expect(await rowCounts(hub.databaseUrl)).toEqual(before);
    }
    // the same content again is still a replay
    const same = await send(form, files);
    expect(same.status).toBe(202);
    expect(same.headers.get("idempotent-replayed")).toBe("true");
  });

  it("answers concurrent repeats of one transactionId with one receipt", async () => {
    const form = ozgCloudForm({ transactionId: "tx-race" });
    const results = await Promise.all(
      Array.from({ length: 5 }, () => hub.app.request("/antrag", { method: "POST", headers: auth, body: antragBody(form, []) })),
    );
    const bodies = await Promise.all(results.map((r) => r.json()));
    expect(results.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    expect(new Set(bodies.map((b) => b.vorgang.vorgangId)).size).toBe(1);
    expect(await publishedFor(hub.queue("kiel", "gewerbe"), "tx-race")).toBe(1);
  });

  it("makes POST /api/v1/applications idempotent by Idempotency-Key", async () => {
    const body = JSON.stringify({
      service: { leikaKeys: ["99123456760000"] },
      recipient: { ags: "09761000" },
      applicant: { kind: "organisation", name: "Bäckerei Öztürk GmbH", organisationName: "Bäckerei Öztürk GmbH" },
      data: { antrag: "Sondernutzung" },
    });
    const send = () =>
      hub.app.request("/api/v1/applications", { method: "POST", headers: { ...auth, "content-type": "application/json", "idempotency-key": "key-42" }, body });
    const first = await send();
    expect(first.status).toBe(202);
    const receipt = await first.json();
    expect(receipt).toMatchObject({ sourceId: "key-42", state: "routed" });
    const second = await send();
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await second.json()).toEqual(receipt);
    // the same key with another body is a conflict, not a replay
    const before = await rowCounts(hub.databaseUrl);
    const changed = await hub.app.request("/api/v1/applications", {
      method: "POST",
      headers: { ...auth, "content-type": "application/json", "idempotency-key": "key-42" },
      body: body.replace("Sondernutzung", "Sondernutzung (geändert)"),
    });
    expect(changed.status).toBe(409);
    expect(await changed.json()).toMatchObject({ type: "urn:ozg-hub:problem:conflict", reference: receipt.reference });
    expect(await rowCounts(hub.databaseUrl)).toEqual(before);
    const got = await hub.broker.drain(hub.queue("augsburg", "dms"), { atLeast: 1 });
    await new Promise((r) => setTimeout(r, 500));
    expect([...got, ...(await hub.broker.drain(hub.queue("augsburg", "dms"), { waitMs: 0 }))]).toHaveLength(1);
    expect((got[0]!.body as any).data.applicant.name).toBe("Bäckerei Öztürk GmbH");
  });

  /** Messages in a queue for one transaction, after the relay had time to publish any repeat. */
  async function publishedFor(queue: string, transactionId: string): Promise<number> {
    const first = await hub.broker.drain(queue, { atLeast: 1 });
    await new Promise((r) => setTimeout(r, 500));
    const later = await hub.broker.drain(queue, { waitMs: 0 });
    return [...first, ...later].filter((m) => (m.body as any).data.sourceId === transactionId).length;
  }
});
