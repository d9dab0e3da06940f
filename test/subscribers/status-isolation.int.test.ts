import amqp from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REJECTION_HEADER, statusNames } from "../../gateway/status/consumer.ts";
import { rowCounts } from "../support/database.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";
import { eventually, publishStatus, statusCounts, statusEvent, submitAntrag, tenantUsers } from "./support.ts";

const status = statusEvent;

/**
 * A tenant can report only on its own applications: the broker refuses its user any routing key
 * of another tenant (topic permission), and ozg-hub refuses an application of another tenant
 * under its own key. Refusals land in the status dead-letter queue with the reason and leave the
 * store as it was.
 */
describe("status events: tenant isolation, validation, dead letters", () => {
  let hub: TestHub;
  let users: Awaited<ReturnType<typeof tenantUsers>>;
  const app = { kiel: "", augsburg: "" };

  const submit = async (transactionId: string, zustaendigeStelle?: string) => (await submitAntrag(hub, { transactionId, zustaendigeStelle })).applicationId;

  /** The dead letters so far, with the reason ozg-hub gave. */
  async function deadLetters(atLeast: number): Promise<{ reason: string; routingKey: string }[]> {
    const q = statusNames(hub.services.runtime().config.gateway).deadLetterQueue;
    const conn = await amqp.connect(hub.amqpUrl);
    const ch = await conn.createChannel();
    const out: { reason: string; routingKey: string }[] = [];
    const end = Date.now() + 10_000;
    // raw: not every dead letter is JSON
    while (out.length < atLeast && Date.now() < end) {
      const m = await ch.get(q, { noAck: true });
      if (m) out.push({ reason: String(m.properties.headers?.[REJECTION_HEADER]), routingKey: String(m.properties.headers?.["x-ozg-routing-key"]) });
      else await new Promise((r) => setTimeout(r, 50));
    }
    await conn.close();
    return out;
  }

  beforeAll(async () => {
    hub = await startTestHub();
    users = await tenantUsers(hub);
    app.kiel = await submit("iso-kiel");
    app.augsburg = await submit("iso-augsburg", "276519");
    const [t] = await hub.services.store.sql<{ tenant_id: string }[]>`select tenant_id from applications where id = ${app.augsburg}`;
    expect(t!.tenant_id).toBe("augsburg");
  });
  afterAll(async () => {
    await users?.drop();
    await hub?.stop();
  });

  it("the broker refuses kiel's user a status under augsburg's routing key", async () => {
    const before = await rowCounts(hub.databaseUrl);
    expect(await publishStatus(hub, users.urlFor("kiel"), "augsburg.dms", status("x-1", { status: "received", applicationId: app.augsburg }))).toBe(
      "refused 403",
    );
    expect(await publishStatus(hub, users.urlFor("kiel"), "augsburg", status("x-2", { status: "received", applicationId: app.augsburg }))).toBe("refused 403");
    // and the application exchange stays closed to tenants
    const conn = await amqp.connect(users.urlFor("kiel"));
    conn.on("error", () => {});
    const ch = await conn.createConfirmChannel();
    const refused = new Promise<string>((resolve) => ch.on("error", (err: { code?: number }) => resolve(`refused ${err.code}`)));
    ch.publish(hub.services.runtime().config.gateway.amqp.exchange, "kiel.dms", Buffer.from("{}"));
    expect(await refused).toBe("refused 403");
    await conn.close().catch(() => {});
    await new Promise((r) => setTimeout(r, 300));
    expect(await rowCounts(hub.databaseUrl)).toEqual(before);
    expect(await statusCounts(hub)).toMatchObject({ reports: 0, notifications: 0 });
  });

  it("ozg-hub refuses kiel's report on augsburg's application under kiel's own key, with the reason", async () => {
    const before = await statusCounts(hub);
    expect(await publishStatus(hub, users.urlFor("kiel"), "kiel.dms", status("x-3", { status: "decided", applicationId: app.augsburg }))).toBe("ok");
    const [dl] = await deadLetters(1);
    expect(dl).toEqual({ reason: `no application ${app.augsburg} for tenant kiel`, routingKey: "kiel.dms" });
    expect(await statusCounts(hub)).toEqual(before);
  });

  it("dead-letters invalid events with the reason and stores nothing of them", async () => {
    const before = await statusCounts(hub);
    const kiel = users.urlFor("kiel");
    expect(await publishStatus(hub, kiel, "kiel.dms", status("bad-1", { status: "needs-information", applicationId: app.kiel }))).toBe("ok");
    expect(await publishStatus(hub, kiel, "kiel.dms", status("bad-2", { status: "approved", applicationId: app.kiel }))).toBe("ok");
    expect(await publishStatus(hub, kiel, "kiel.dms", "{not json")).toBe("ok");
    expect(await publishStatus(hub, kiel, "kiel.nosuchsystem", status("bad-3", { status: "received", applicationId: app.kiel }))).toBe("ok");
    const dls = await deadLetters(4);
    expect(dls.map((d) => d.reason)).toEqual([
      "not a valid status event: data.question: Invalid input: expected string, received undefined",
      expect.stringMatching(/^not a valid status event: data.status: /),
      "body is not JSON",
      "routing key kiel.nosuchsystem is not <tenant>.<subscriber> of a configured subscriber",
    ]);
    expect(await statusCounts(hub)).toEqual(before);
  });

  it("accepts kiel's own report once, however often it is sent", async () => {
    const kiel = users.urlFor("kiel");
    const event = status("ok-1", { status: "needs-information", applicationId: app.kiel, question: "Bitte reichen Sie die Gewerbeerlaubnis nach." });
    for (let i = 0; i < 3; i++) expect(await publishStatus(hub, kiel, "kiel.dms", event)).toBe("ok");
    await eventually(async () => ((await statusCounts(hub)).reports === 1 ? true : undefined), "the report to be stored");
    await new Promise((r) => setTimeout(r, 500));
    const rows = await hub.services.store.sql<
      { status: string; subscriber_id: string; tenant_id: string }[]
    >`select status, subscriber_id, tenant_id from status_reports`;
    expect(rows).toEqual([{ status: "needs-information", subscriber_id: "dms", tenant_id: "kiel" }]);
    const [n] = await hub.services.store.sql<{ state: string; channel: string; reason: string }[]>`select state, channel, reason from portal_notifications`;
    // formsolutions has no webhook in this hub: the notification is parked, visibly
    expect(n).toEqual({ state: "parked", channel: "parked", reason: "the portal has no webhook configured" });
    const metrics = await (await hub.app.request("/metrics")).text();
    expect(metrics).toMatch(/ozg_hub_status_events_total\{tenant="kiel",outcome="accepted"\} 1/);
    expect(metrics).toMatch(/ozg_hub_status_events_total\{tenant="kiel",outcome="duplicate"\} 2/);
    expect(metrics).toMatch(/ozg_hub_status_events_total\{tenant="kiel",outcome="rejected"\} 5/);
  });
});
