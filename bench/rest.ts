import http from "node:http";
import amqp from "amqplib";

export interface LoadResult {
  concurrency: number;
  n: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** From the send to the HTTP answer (202): the intake's own part of the latency. */
  acceptedP50Ms: number;
  acceptedP99Ms: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** A canonical submission of about `bytes` bytes of JSON. */
export function submission(sourceId: string, bytes: number): string {
  const base = {
    sourceId,
    service: { leikaKeys: ["99050012104000"], name: "Gewerbeanmeldung" },
    recipient: { ags: "01002000" },
    applicant: {
      kind: "person",
      name: "Erika Mustermann",
      givenName: "Erika",
      familyName: "Mustermann",
      email: "erika@example.org",
      address: { street: "Holstenstraße", houseNumber: "1", postalCode: "24103", city: "Kiel", country: "DE" },
    },
    data: { taetigkeit: "Einzelhandel mit Fahrrädern", beginn: "2026-12-01", notes: "" },
  };
  const size = Buffer.byteLength(JSON.stringify(base));
  base.data.notes = "x".repeat(Math.max(0, bytes - size));
  return JSON.stringify(base);
}

/**
 * Sends `n` applications to POST /api/v1/applications with `concurrency` requests in flight and
 * waits until a consumer of `queue` has each of them. Latency is from the send to the consumer.
 * Several URLs (several `serve` processes) share the requests round-robin by in-flight slot.
 */
export async function restLoad(o: {
  url: string | string[];
  token: string;
  amqpUrl: string;
  queue: string;
  n: number;
  concurrency: number;
  bytes: number;
  tag: string;
}): Promise<LoadResult> {
  const conn = await amqp.connect(o.amqpUrl);
  const ch = await conn.createChannel();
  await ch.prefetch(1000);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const accepted: number[] = [];
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  await ch.consume(
    o.queue,
    (msg) => {
      if (!msg) return;
      const id = (JSON.parse(msg.content.toString()) as { data: { sourceId: string } }).data.sourceId;
      const t = sentAt.get(id);
      if (t !== undefined) {
        latencies.push(performance.now() - t);
        sentAt.delete(id);
        if (latencies.length === o.n) done();
      }
    },
    { noAck: true },
  );
  // node:http with keep-alive rather than fetch: the client shares the two cores with the hub,
  // and fetch costs several times more CPU per request.
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.concurrency });
  const targets = (Array.isArray(o.url) ? o.url : [o.url]).map((u) => new URL("/api/v1/applications", u));
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: o.concurrency }, async (_, slot) => {
      const target = targets[slot % targets.length]!;
      for (let i = next++; i < o.n; i = next++) {
        const id = `${o.tag}-${i}`;
        const t0 = performance.now();
        sentAt.set(id, t0);
        const { status, body } = await post(agent, target, o.token, submission(id, o.bytes));
        accepted.push(performance.now() - t0);
        if (status !== 202) throw new Error(`intake answered ${status}: ${body}`);
      }
    }),
  );
  const timeout = new Promise<void>((_, reject) => setTimeout(() => reject(new Error(`only ${latencies.length}/${o.n} arrived`)), 60_000));
  await Promise.race([all, timeout]);
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  await ch.close();
  await conn.close();
  latencies.sort((a, b) => a - b);
  accepted.sort((a, b) => a - b);
  return {
    concurrency: o.concurrency,
    n: o.n,
    perSecond: o.n / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    acceptedP50Ms: percentile(accepted, 50),
    acceptedP99Ms: percentile(accepted, 99),
  };
}

function post(agent: http.Agent, url: URL, token: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        hostname: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
