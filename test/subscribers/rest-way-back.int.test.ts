import { createHash } from "node:crypto";
import amqp from "amqplib";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN } from "../isolation/credentials.ts";
import { antragBody, ozgCloudForm } from "../support/forms.ts";
import { startTestHub, TOKENS, type TestHub } from "../support/hub.ts";
import { configureWebhook, eventually, startCaseSystem, webhookReceiver, type CaseSystem, type WebhookReceiver } from "./support.ts";

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

/**
 * REST portal -> ozg-hub -> the example Fachverfahren (real RabbitMQ, its tenant's own broker
 * user, attachments over HTTP) -> `received` and `decided` with a Bescheid -> the portal's
 * webhook, verified with the Standard Webhooks reference library.
 */
describe("the way back to a REST portal, end to end", () => {
  let hub: TestHub;
  let receiver: WebhookReceiver;
  let dms: CaseSystem;
  let deliveryId: string;
  const scan = Buffer.from("%PDF-1.4 Personalausweis (Scan)\n".repeat(50));

  beforeAll(async () => {
    hub = await startTestHub();
    receiver = await webhookReceiver();
    await configureWebhook(hub, "formsolutions", receiver);
    dms = await startCaseSystem(hub, { subscriber: "gewerbe", decisionDelayMs: 300 });
    const res = await hub.app.request("/antrag", {
      method: "POST",
      headers: bearer(TOKENS.formsolutions),
      body: antragBody(ozgCloudForm({ transactionId: "way-back-1" }), [{ part: "attachment", name: "ausweis.pdf", type: "application/pdf", content: scan }]),
    });
    expect(res.status).toBe(202);
    deliveryId = ((await res.json()) as { vorgang: { vorgangId: string } }).vorgang.vorgangId;
    await receiver.waitFor(2);
  });
  afterAll(async () => {
    await dms?.stop();
    await receiver?.close();
    await hub?.stop();
  });

  it("the Fachverfahren read the attachment with its tenant token, bytes as announced", () => {
    const [read] = [...dms.consumer.attachments.values()];
    expect(read).toEqual([{ name: "ausweis.pdf", sha256: createHash("sha256").update(scan).digest("hex"), matches: true }]);
  });

  it("the portal got `received` and then `decided` with the Bescheid, each once and correctly signed", () => {
    expect(receiver.invalid).toBe(0);
    const got = [...receiver.byId.values()];
    expect(got.map((g) => g.count)).toEqual([1, 1]);
    expect(got.map((g) => g.body.data.status)).toEqual(["received", "decided"]);
    for (const g of got) {
      expect(g.body.type).toBe("de.ozghub.portal.status.v1");
      expect(g.body.subject).toBe(deliveryId);
      expect(g.body.data.deliveryId).toBe(deliveryId);
      expect(g.body.data.sourceId).toBe("way-back-1");
    }
    const doc = got[1]!.body.data.document;
    const pdf = Buffer.from(doc.content, "base64");
    expect(pdf.subarray(0, 8).toString("latin1")).toBe("%PDF-1.4");
    expect(pdf.toString("latin1")).toContain("%%EOF");
    expect(doc).toMatchObject({ contentType: "application/pdf", size: pdf.length, sha256: createHash("sha256").update(pdf).digest("hex") });
    expect(receiver.raw[0]!.headers["content-type"]).toBe("application/cloudevents+json");
  });

  it("the signature covers id, timestamp and body: the reference library refuses any change", () => {
    const { headers, body } = receiver.raw[0]!;
    const verifier = new Webhook(receiver.secret);
    expect(() => verifier.verify(body, headers)).not.toThrow();
    expect(() => verifier.verify(body.replace('"received"', '"rejected"'), headers)).toThrow();
    expect(() => verifier.verify(body, { ...headers, "webhook-id": `${headers["webhook-id"]}x` })).toThrow();
    expect(() => verifier.verify(body, { ...headers, "webhook-timestamp": String(Number(headers["webhook-timestamp"]) - 1) })).toThrow();
    expect(() => new Webhook(`whsec_${Buffer.alloc(24, 7).toString("base64")}`).verify(body, headers)).toThrow();
  });

  it("the status API and the timeline show every step; the Bescheid can be pulled too", async () => {
    type Status = { timeline: { type: string; detail?: any }[]; statuses: any[] };
    // The receiver answers before the dispatcher records the attempt: wait for the second record.
    const status = await eventually(async () => {
      const res = await hub.app.request(`/api/v1/applications/${deliveryId}`, { headers: bearer(TOKENS.formsolutions) });
      expect(res.status).toBe(200);
      const s = (await res.json()) as Status;
      return s.timeline.filter((e) => e.type === "notified").length === 2 ? s : undefined;
    }, "both notifications on the timeline");
    const steps = status.timeline.map((e) =>
      e.type === "status" ? `status:${e.detail.status}` : e.type === "notification-queued" ? `queued:${e.detail.status}` : e.type,
    );
    for (const step of ["mapped", "routed", "published", "status:received", "queued:received", "status:decided", "queued:decided", "notified"])
      expect(steps).toContain(step);
    expect(steps.indexOf("status:received")).toBeLessThan(steps.indexOf("status:decided"));
    expect(steps.filter((s) => s === "notified")).toHaveLength(2);
    expect(status.statuses.map((s) => s.status)).toEqual(["received", "decided"]);
    expect(status.statuses[0]).toMatchObject({ subscriber: "gewerbe", caseReference: expect.stringMatching(/^AZ-/) });
    const decided = status.statuses[1];
    const doc = await hub.app.request(decided.documentUrl, { headers: bearer(TOKENS.formsolutions) });
    expect(doc.status).toBe(200);
    expect(doc.headers.get("content-type")).toBe("application/pdf");
    const bytes = Buffer.from(await doc.arrayBuffer());
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(decided.document.sha256);
    const admin = (await (await hub.app.request(`/admin/deliveries/${deliveryId}`, { headers: bearer(ADMIN_TOKEN) })).json()) as {
      statuses: { status: string }[];
    };
    expect(admin.statuses.map((s) => s.status)).toEqual(["received", "decided"]);
    // another portal sees neither the status nor the document
    expect((await hub.app.request(`/api/v1/applications/${deliveryId}`, { headers: bearer(TOKENS.serviceportal) })).status).toBe(404);
    expect((await hub.app.request(decided.documentUrl, { headers: bearer(TOKENS.serviceportal) })).status).toBe(404);
    expect((await hub.app.request(decided.documentUrl)).status).toBe(401);
  });

  it("the example drops a redelivered application by its message id and reports nothing twice", async () => {
    const first = dms.consumer.handled[0]!;
    const conn = await amqp.connect(hub.amqpUrl);
    const ch = await conn.createConfirmChannel();
    const [original] = await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1 }); // the same event, from the other queue
    await new Promise<void>((resolve, reject) =>
      ch.sendToQueue(hub.queue("kiel", "gewerbe"), Buffer.from(JSON.stringify(original!.body)), { messageId: first, persistent: true }, (err: unknown) =>
        err ? reject(err) : resolve(),
      ),
    );
    await conn.close();
    await eventually(async () => (dms.consumer.duplicates === 1 ? true : undefined), "the repeat to be dropped");
    await new Promise((r) => setTimeout(r, 800)); // longer than the example's decision delay
    expect(dms.consumer.handled).toEqual([first]);
    expect(receiver.byId.size).toBe(2);
  });
});
