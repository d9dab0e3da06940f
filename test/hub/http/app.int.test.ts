import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parse, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { antragBody, ozgCloudForm, postAntrag } from "../../support/forms.ts";
import { startTestHub } from "../../support/hub.ts";
import { startedForSuite } from "../../support/suite.ts";

describe("operations endpoints", () => {
  const hub = startedForSuite(() => startTestHub());

  it("reports health, readiness and counts deliveries by outcome", async () => {
    expect((await hub.app.request("/healthz")).status).toBe(200);
    const ready = await hub.app.request("/readyz");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", checks: { postgres: true, broker: true } });

    await postAntrag(hub, { transactionId: "metrics-1" });
    await postAntrag(hub, { transactionId: "metrics-2", zustaendigeStelle: "0" });
    await postAntrag(hub, {}, { headers: { authorization: "Bearer wrong" } });
    await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1 });

    const metrics = await (await hub.app.request("/metrics")).text();
    expect(metrics).toContain('ozg_hub_deliveries_total{channel="rest",portal="formsolutions",outcome="accepted"} 2');
    expect(metrics).toContain('ozg_hub_deliveries_total{channel="rest",portal="",outcome="unauthorized"} 1');
    expect(metrics).toContain('ozg_hub_parked_total{stage="routing"} 1');
    expect(metrics).toContain("ozg_hub_parked_deliveries 1");
    expect(metrics).toMatch(/ozg_hub_published_total\{tenant="kiel",subscriber="dms"\} 1/);
    expect(metrics).toMatch(/ozg_hub_publish_latency_seconds_count \d+/);
  });

  it("answers unknown routes with a problem", async () => {
    const res = await hub.app.request("/nowhere");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });

  it("is quiet on success: accepted deliveries write no log line at info level", async () => {
    const before = hub.logs.length;
    const res = await postAntrag(hub, { transactionId: "quiet-1" });
    expect(res.status).toBe(202);
    await hub.broker.drain(hub.queue("kiel", "gewerbe"), { atLeast: 1 });
    expect(hub.logs.slice(before)).toEqual([]);
  });

  it("names process metrics once: ozg_hub_process_*, never process_process_", async () => {
    const metrics = await (await hub.app.request("/metrics")).text();
    expect(metrics).toMatch(/^ozg_hub_process_cpu_user_seconds_total /m);
    expect(metrics).toMatch(/^ozg_hub_nodejs_eventloop_lag_seconds /m);
    expect(metrics).not.toContain("process_process_");
  });

  it("gives problem types as URNs, or under the base URL the operator configures", async () => {
    expect((await (await hub.app.request("/nowhere")).json()).type).toBe("urn:ozg-hub:problem:not-found");
    const file = path.join(hub.configDir, "gateway.yaml");
    const doc = parse(await readFile(file, "utf8"));
    doc.problemTypeBase = "https://ozg.example.de/problems/";
    await writeFile(file, stringify(doc));
    expect(await hub.services.reload()).toEqual({ ok: true });
    expect((await (await hub.app.request("/nowhere")).json()).type).toBe("https://ozg.example.de/problems/not-found");
    const unauthorized = await hub.app.request("/antrag", { method: "POST", body: antragBody(ozgCloudForm(), []) });
    expect((await unauthorized.json()).type).toBe("https://ozg.example.de/problems/unauthorized");
    doc.problemTypeBase = "https://ozg.example.de/problems";
    await writeFile(file, stringify(doc));
    expect((await hub.services.reload()).ok).toBe(false);
  });
});
