import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postAntrag } from "../support/forms.ts";
import { startTestHub, TOKENS, type TestHub } from "../support/hub.ts";
import { routingKey } from "../../gateway/publish/topology.ts";
import { flushTracing, tracingEnabled } from "../../gateway/tracing.ts";

const auth = { authorization: `Bearer ${TOKENS.formsolutions}` };

/** A span as an OTLP/HTTP JSON export carries it (ids normalised to lower-case hex). */
interface ReceivedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  service: string;
  attributes: Record<string, unknown>;
}

/** OTLP/JSON ids are hex in the JS exporter; the protocol's canonical JSON allows base64 too. */
function hex(id: string | undefined): string {
  if (!id) return "";
  return /^[0-9a-f]+$/i.test(id) && (id.length === 32 || id.length === 16) ? id.toLowerCase() : Buffer.from(id, "base64").toString("hex");
}

/**
 * A test OTLP receiver: accepts POST /v1/traces with an OTLP/HTTP JSON body, as a collector
 * would, and keeps every span. Protobuf bodies are refused, so a change of encoding shows.
 */
async function startReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; server: Server }> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/traces" || !String(req.headers["content-type"]).startsWith("application/json")) {
        res.writeHead(415).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as any;
      for (const rs of body.resourceSpans ?? []) {
        const service = rs.resource?.attributes?.find((a: any) => a.key === "service.name")?.value?.stringValue;
        for (const ss of rs.scopeSpans ?? [])
          for (const s of ss.spans ?? [])
            spans.push({
              name: s.name,
              traceId: hex(s.traceId),
              spanId: hex(s.spanId),
              parentSpanId: hex(s.parentSpanId),
              service,
              attributes: Object.fromEntries((s.attributes ?? []).map((a: any) => [a.key, Object.values(a.value ?? {})[0]])),
            });
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, server };
}

describe("tracing from intake to the broker confirm", () => {
  let hub: TestHub;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
    process.env.OTEL_SERVICE_NAME = "ozg-hub-test";
    hub = await startTestHub();
  });
  afterAll(async () => {
    await hub?.stop();
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    await new Promise((r) => receiver?.server.close(r));
  });

  /** The spans of one trace, once the exporter delivered all `names` of it. */
  async function spansOf(traceId: string, names: string[]): Promise<ReceivedSpan[]> {
    let found: ReceivedSpan[] = [];
    await expect
      .poll(
        async () => {
          await flushTracing();
          found = receiver.spans.filter((s) => s.traceId === traceId);
          return names.filter((n) => !found.some((s) => s.name === n));
        },
        { timeout: 15_000, interval: 200 },
      )
      .toEqual([]);
    return found;
  }

  it("continues the portal's trace through intake, mapping, store and publish, and hands it on in the message", async () => {
    expect(tracingEnabled()).toBe(true);
    const traceId = randomBytes(16).toString("hex");
    const callerSpan = randomBytes(8).toString("hex");
    const res = await postAntrag(hub, { transactionId: "traced-1" }, { headers: { ...auth, traceparent: `00-${traceId}-${callerSpan}-01` } });
    expect(res.status).toBe(202);
    const [msg] = await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1, waitMs: 10_000 });
    expect(msg).toBeDefined();

    // Two subscribers (dms, gewerbe): two publish spans.
    const spans = await spansOf(traceId, ["ozg-hub.intake", "ozg-hub.map", "ozg-hub.store", "ozg-hub.publish"]);
    const byName = (n: string) => spans.filter((s) => s.name === n);
    const [intake] = byName("ozg-hub.intake");
    expect(intake!.parentSpanId).toBe(callerSpan);
    expect(intake!.service).toBe("ozg-hub-test");
    expect(intake!.attributes["ozg.outcome"]).toBe("accepted");
    expect(byName("ozg-hub.map")[0]!.parentSpanId).toBe(intake!.spanId);
    expect(byName("ozg-hub.store")[0]!.parentSpanId).toBe(intake!.spanId);
    await expect
      .poll(async () => (await flushTracing(), receiver.spans.filter((s) => s.traceId === traceId && s.name === "ozg-hub.publish").length), { timeout: 10_000 })
      .toBe(2);
    const publishes = receiver.spans.filter((s) => s.traceId === traceId && s.name === "ozg-hub.publish");
    for (const p of publishes) expect(p.parentSpanId).toBe(intake!.spanId);

    // The consumed message: the CloudEvent names the intake span, the AMQP header the publish span of its queue.
    const event = msg!.body as { traceparent?: string; data: { sourceId: string } };
    expect(event.data.sourceId).toBe("traced-1");
    expect(event.traceparent).toBe(`00-${traceId}-${intake!.spanId}-01`);
    const header = String(msg!.headers.traceparent);
    const dmsPublish = publishes.find((p) => p.attributes["messaging.rabbitmq.destination.routing_key"] === routingKey("kiel", "dms"));
    expect(header).toBe(`00-${traceId}-${dmsPublish!.spanId}-01`);
  });

  it("starts a new trace for a delivery without traceparent, and still carries it into the message", async () => {
    const res = await postAntrag(hub, { transactionId: "traced-2" });
    expect(res.status).toBe(202);
    const [msg] = await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1, waitMs: 10_000 });
    const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(String(msg!.headers.traceparent));
    expect(m).not.toBeNull();
    const spans = await spansOf(m![1]!, ["ozg-hub.intake", "ozg-hub.publish"]);
    expect(spans.find((s) => s.name === "ozg-hub.intake")!.parentSpanId).toBe("");
    expect(spans.some((s) => s.name === "ozg-hub.publish" && s.spanId === m![2])).toBe(true);
  });
});
