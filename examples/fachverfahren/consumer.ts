/**
 * An example Fachverfahren connected to ozg-hub: it consumes its tenant's queue, reads the
 * attachments over the REST API with the tenant's token, reports `received` at once and
 * `decided` with a Bescheid (PDF) a little later. Only amqplib and fetch; nothing of ozg-hub is
 * imported, so it can be copied as the start of a real connector.
 *
 * Run: AMQP_URL=amqp://ozg-kiel:…@broker OZG_QUEUE=ozg.kiel.gewerbe OZG_ROUTING_KEY=kiel.gewerbe \
 *      OZG_API=https://ozg-hub.example OZG_TOKEN=… node --import tsx examples/fachverfahren/consumer.ts
 */
import { createHash } from "node:crypto";
import amqp, { type ConfirmChannel, type ConsumeMessage } from "amqplib";
import { bescheidPdf } from "./pdf.ts";

export interface ConsumerOptions {
  /** The tenant's broker user (it may read its queues and publish status, nothing else). */
  amqpUrl: string;
  queue: string;
  /** default ozg.status */
  statusExchange?: string;
  /** `<tenant>.<subscriber>`: the broker refuses any other tenant's prefix. */
  routingKey: string;
  /** CloudEvents `source` of the status events; with the event id it makes repeats harmless. */
  source: string;
  apiBase: string;
  apiToken: string;
  /** Pause between `received` and `decided` (a clerk's work in real life). */
  decisionDelayMs?: number;
  log?: (line: string) => void;
}

export interface RunningConsumer {
  /** Message ids handled, in order; repeats are not listed again. */
  handled: string[];
  /** Redeliveries that were dropped because their id had been handled before. */
  duplicates: number;
  /** Attachments read, by application id: name and sha256 as computed here. */
  attachments: Map<string, { name: string; sha256: string; matches: boolean }[]>;
  stop(): Promise<void>;
}

type ApplicationEvent = {
  id: string;
  subject: string;
  data: { id: string; service?: { name?: string }; applicant?: { name?: string }; attachments?: { id: string; name: string; sha256: string }[] };
};

export async function startConsumer(o: ConsumerOptions): Promise<RunningConsumer> {
  const log = o.log ?? (() => {});
  const exchange = o.statusExchange ?? "ozg.status";
  const conn = await amqp.connect(o.amqpUrl);
  const ch: ConfirmChannel = await conn.createConfirmChannel();
  await ch.prefetch(4);
  // A real system keeps handled ids in its own database, in the transaction that creates the case.
  const seen = new Set<string>();
  const running: RunningConsumer = { handled: [], duplicates: 0, attachments: new Map(), stop: async () => {} };
  const timers = new Set<NodeJS.Timeout>();
  const publishing = new Set<Promise<void>>();

  const publishStatus = (id: string, data: Record<string, unknown>) =>
    new Promise<void>((resolve, reject) => {
      const body = {
        specversion: "1.0",
        id,
        source: o.source,
        type: "de.ozghub.application.status.v1",
        time: new Date().toISOString(),
        datacontenttype: "application/json",
        data,
      };
      ch.publish(
        exchange,
        o.routingKey,
        Buffer.from(JSON.stringify(body)),
        { persistent: true, contentType: "application/cloudevents+json", messageId: id },
        (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()),
      );
    });

  async function readAttachments(event: ApplicationEvent) {
    const read = [];
    for (const a of event.data.attachments ?? []) {
      const res = await fetch(`${o.apiBase}/api/v1/attachments/${a.id}`, { headers: { authorization: `Bearer ${o.apiToken}` } });
      if (!res.ok) throw new Error(`attachment ${a.id}: HTTP ${res.status}`);
      const sha256 = createHash("sha256")
        .update(Buffer.from(await res.arrayBuffer()))
        .digest("hex");
      read.push({ name: a.name, sha256, matches: sha256 === a.sha256 });
    }
    running.attachments.set(event.data.id, read);
  }

  async function handle(msg: ConsumeMessage) {
    const event = JSON.parse(msg.content.toString("utf8")) as ApplicationEvent;
    const messageId = (msg.properties.messageId as string | undefined) ?? event.id;
    if (seen.has(messageId)) {
      running.duplicates++;
      ch.ack(msg);
      return;
    }
    await readAttachments(event);
    await publishStatus(`${event.id}.received`, { status: "received", applicationId: event.data.id, caseReference: `AZ-${event.subject}` });
    seen.add(messageId);
    running.handled.push(messageId);
    ch.ack(msg);
    log(`received ${event.data.id} (${event.subject})`);

    const timer = setTimeout(() => {
      timers.delete(timer);
      const pdf = bescheidPdf([
        "Bescheid",
        `Vorgang ${event.subject}`,
        `${event.data.service?.name ?? "Antrag"} von ${event.data.applicant?.name ?? "-"}`,
        "Dem Antrag wird stattgegeben.",
      ]);
      const p = publishStatus(`${event.id}.decided`, {
        status: "decided",
        applicationId: event.data.id,
        caseReference: `AZ-${event.subject}`,
        message: "Ihr Antrag wurde bewilligt.",
        document: { name: `bescheid-${event.subject}.pdf`, contentType: "application/pdf", content: pdf.toString("base64") },
      })
        .then(() => log(`decided ${event.data.id}`))
        .catch((err: unknown) => log(`publishing the decision for ${event.data.id} failed: ${String(err)}`))
        .finally(() => publishing.delete(p));
      publishing.add(p);
    }, o.decisionDelayMs ?? 1000);
    timers.add(timer);
  }

  await ch.consume(o.queue, (msg) => {
    if (!msg) return;
    handle(msg).catch((err: unknown) => {
      // Not acked: the broker offers it again (and dead-letters it past the delivery limit).
      log(`handling ${msg.properties.messageId as string} failed: ${String(err)}`);
      setTimeout(() => ch.nack(msg, false, true), 1000);
    });
  });

  running.stop = async () => {
    for (const t of timers) clearTimeout(t);
    await Promise.allSettled([...publishing]);
    await conn.close().catch(() => {});
  };
  return running;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const env = (k: string) =>
    process.env[k] ??
    (() => {
      throw new Error(`${k} is not set`);
    })();
  startConsumer({
    amqpUrl: env("AMQP_URL"),
    queue: env("OZG_QUEUE"),
    statusExchange: process.env.OZG_STATUS_EXCHANGE,
    routingKey: env("OZG_ROUTING_KEY"),
    source: process.env.OZG_SOURCE ?? `urn:fachverfahren:${env("OZG_ROUTING_KEY")}`,
    apiBase: env("OZG_API"),
    apiToken: env("OZG_TOKEN"),
    decisionDelayMs: Number(process.env.DECISION_DELAY_MS ?? 5000),
    log: (l) => console.log(l),
  }).then((c) => {
    process.once("SIGTERM", () => void c.stop());
    process.once("SIGINT", () => void c.stop());
  });
}
