import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, addCredentials } from "../isolation/credentials.ts";
import { editYaml, startTestHub, TOKENS, type TestHub } from "../support/hub.ts";
import { configureWebhook, eventually, publishStatus, statusEvent, submitAntrag, webhookReceiver, type WebhookReceiver } from "./support.ts";

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const status = (id: string, data: Record<string, unknown>) => statusEvent(id, data, "urn:fachverfahren:kiel:dms");

/** A portal's webhook that is down for a while gets every notification once it is back; one down for good is disabled, visibly. */
describe("webhooks: retries with backoff, at least once, disabled endpoints", () => {
  let hub: TestHub;
  let receiver: WebhookReceiver;

  const submit = (transactionId: string) => submitAntrag(hub, { transactionId });
  /** Kiel's DMS reports a status on ozg.status. */
  const report = (id: string, data: Record<string, unknown>) => publishStatus(hub, hub.amqpUrl, "kiel.dms", status(id, data));
  const timeline = async (deliveryId: string) => {
    const res = await hub.app.request(`/api/v1/applications/${deliveryId}`, { headers: bearer(TOKENS.formsolutions) });
    return ((await res.json()) as { timeline: { type: string; detail?: any }[] }).timeline;
  };
  const endpoint = async () => (await (await hub.app.request("/api/v1/webhook", { headers: bearer(TOKENS.formsolutions) })).json()) as Record<string, any>;

  beforeAll(async () => {
    hub = await startTestHub(); // backoff 100 ms doubling to 1 s (test/support/config.ts)
    await addCredentials(hub);
    receiver = await webhookReceiver();
    await configureWebhook(hub, "formsolutions", receiver);
  });
  afterAll(async () => {
    await receiver?.close();
    await hub?.stop();
  });

  it("an endpoint down for a while gets every notification after it is back, each once", async () => {
    receiver.down = true;
    const apps = [await submit("retry-1"), await submit("retry-2"), await submit("retry-3")];
    for (const [i, a] of apps.entries()) {
      expect(await report(`r-${i}`, { status: "in-progress", applicationId: a.applicationId })).toBe("ok");
    }
    // at least three attempts each while down
    await eventually(async () => (receiver.refused >= 9 ? true : undefined), "attempts while the endpoint is down");
    expect(receiver.byId.size).toBe(0);
    receiver.down = false;
    await receiver.waitFor(3);
    await new Promise((r) => setTimeout(r, 1500)); // longer than the longest backoff: nothing comes twice
    expect([...receiver.byId.values()].map((v) => v.count)).toEqual([1, 1, 1]);
    expect(receiver.invalid).toBe(0);
    expect(new Set([...receiver.byId.values()].map((v) => v.body.data.deliveryId))).toEqual(new Set(apps.map((a) => a.deliveryId)));

    const steps = await eventually(async () => {
      const t = await timeline(apps[0]!.deliveryId);
      return t.some((e) => e.type === "notified") ? t : undefined;
    }, "the delivery on the timeline");
    const failed = steps.filter((e) => e.type === "notify-failed");
    expect(failed.length).toBeGreaterThanOrEqual(3);
    expect(failed.map((e) => e.detail.attempt)).toEqual(failed.map((_, i) => i + 1));
    expect(failed[0]!.detail).toMatchObject({ channel: "webhook", error: "HTTP 503", nextAttemptAt: expect.any(String) });
    expect(steps.filter((e) => e.type === "notified")).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ attempt: failed.length + 1, httpStatus: 204 }) }),
    ]);
    expect((await endpoint()).state).toBe("enabled");
    const metrics = await (await hub.app.request("/metrics")).text();
    expect(metrics).toMatch(/ozg_hub_portal_notifications_total\{portal="formsolutions",channel="webhook",outcome="delivered"\} 3/);
    expect(Number(/ozg_hub_portal_notifications_total\{portal="formsolutions",channel="webhook",outcome="failed"\} (\d+)/.exec(metrics)?.[1])).toBe(
      receiver.refused,
    );
  });

  it("disables an endpoint whose notification exhausted its attempts; enabling it delivers what waited", async () => {
    await editYaml(path.join(hub.configDir, "gateway.yaml"), (doc) => (doc.status.webhooks.maxAttempts = 2));
    expect((await hub.services.reload()).ok).toBe(true);

    receiver.down = true;
    const a = await submit("disable-1");
    expect(await report("d-1", { status: "rejected", applicationId: a.applicationId, reason: "Zuständigkeit liegt beim Kreis." })).toBe("ok");
    const disabled = await eventually(async () => {
      const e = await endpoint();
      return e.state === "disabled" ? e : undefined;
    }, "the endpoint to be disabled");
    expect(disabled).toMatchObject({ url: receiver.url, state: "disabled", lastError: "HTTP 503", failed: 1, disabledAt: expect.any(String) });
    expect((await timeline(a.deliveryId)).map((e) => e.type)).toContain("notify-gave-up");
    expect(await (await hub.app.request("/metrics")).text()).toMatch(/ozg_hub_webhook_endpoints_disabled 1/);
    const admin = (await (await hub.app.request("/admin/webhooks", { headers: bearer(ADMIN_TOKEN) })).json()) as { webhooks: unknown[] };
    expect(admin.webhooks).toEqual([expect.objectContaining({ portalId: "formsolutions", state: "disabled", failed: 1 })]);
    expect((await hub.app.request("/admin/webhooks", { headers: bearer(TOKENS.formsolutions) })).status).toBe(401);
    const all = (await (await hub.app.request("/admin/endpoints", { headers: bearer(ADMIN_TOKEN) })).json()) as { endpoints: unknown[] };
    expect(all.endpoints).toEqual([expect.objectContaining({ portalId: "formsolutions", channel: "webhook", state: "disabled", failed: 1 })]);
    expect((await hub.app.request("/admin/endpoints")).status).toBe(401);
    // the console's overview shows the disabled way back, with the button that enables it
    const login = await hub.app.request("/admin/login", { method: "POST", body: new URLSearchParams({ token: ADMIN_TOKEN }) });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
    const overview = await (await hub.app.request("/admin", { headers: { cookie } })).text();
    const row = /<table id="ways-back">[\s\S]*?<tr class="red">([\s\S]*?)<\/tr>/.exec(overview)?.[1] ?? "";
    expect(row).toMatch(/formsolutions[\s\S]*webhook[\s\S]*abgeschaltet[\s\S]*action="\/admin\/ways-back\/formsolutions\/webhook\/enable"/);
    expect(row).toContain("HTTP 503");

    // while disabled, new notifications wait without attempts
    const b = await submit("disable-2");
    const refusedBefore = receiver.refused;
    expect(await report("d-2", { status: "received", applicationId: b.applicationId })).toBe("ok");
    await eventually(async () => ((await endpoint()).pending === 1 ? true : undefined), "the second notification to wait");
    await new Promise((r) => setTimeout(r, 800));
    expect(receiver.refused).toBe(refusedBefore);

    receiver.down = false;
    const enabled = (await (await hub.app.request("/api/v1/webhook/enable", { method: "POST", headers: bearer(TOKENS.formsolutions) })).json()) as Record<
      string,
      any
    >;
    expect(enabled).toMatchObject({ state: "enabled", requeued: 1 });
    await receiver.waitFor(5);
    const last = [...receiver.byId.values()].slice(3);
    expect(last.map((v) => [v.body.data.status, v.count])).toEqual(
      expect.arrayContaining([
        ["rejected", 1],
        ["received", 1],
      ]),
    );
    expect(last[0]!.body.data.reason ?? last[1]!.body.data.reason).toBe("Zuständigkeit liegt beim Kreis.");
  });
  it("keeps statuses and notifications across a restart: what waited arrives once afterwards", async () => {
    await editYaml(path.join(hub.configDir, "gateway.yaml"), (doc) => (doc.status.webhooks.maxAttempts = 25));
    expect((await hub.services.reload()).ok).toBe(true);
    const before = receiver.byId.size;

    receiver.down = true;
    const a = await submit("restart-1");
    expect(await report("s-1", { status: "in-progress", applicationId: a.applicationId })).toBe("ok");
    await eventually(async () => ((await timeline(a.deliveryId)).some((e) => e.type === "notify-failed") ? true : undefined), "a failed attempt");

    await hub.restart({ relay: false }); // a process that neither consumes nor dispatches
    expect(await report("s-2", { status: "needs-information", applicationId: a.applicationId, question: "Bitte Nachweis der Sachkunde." })).toBe("ok");
    receiver.down = false;
    await new Promise((r) => setTimeout(r, 800));
    expect(receiver.byId.size).toBe(before);

    await hub.restart();
    await receiver.waitFor(before + 2);
    await new Promise((r) => setTimeout(r, 1500));
    const got = [...receiver.byId.values()].slice(before);
    expect(got.map((g) => [g.body.data.status, g.count]).sort()).toEqual([
      ["in-progress", 1],
      ["needs-information", 1],
    ]);
    expect(got.find((g) => g.body.data.status === "needs-information")!.body.data.question).toBe("Bitte Nachweis der Sachkunde.");
  });
});
