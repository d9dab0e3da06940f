import { Writable } from "node:stream";
import type { AdapterContext, InboundAttachment, InboundDelivery, InboundDocument, IntakeResult } from "../../gateway/index.ts";
import { createLogger } from "../../gateway/logger.ts";
import { createMetrics } from "../../gateway/metrics.ts";
import type { Runtime } from "../../gateway/runtime.ts";
import type { Store } from "../../gateway/store/db.ts";

/** What the fake intake was handed: the delivery, its attachments' bytes and its document. */
export interface SeenDelivery {
  delivery: InboundDelivery;
  attachments: { a: InboundAttachment; bytes: Buffer }[];
  doc?: InboundDocument | IntakeResult;
}

/**
 * The core as an adapter sees it, without Postgres or RabbitMQ: an intake that reads each
 * delivery the way the real one does (attachments first, then the document) and answers with
 * `answer(delivery, document)` (by default accepted), the given config, a silent log. An adapter's routes
 * built on it run in-process (`routes.request(...)`). A store is not offered: an adapter whose
 * state is in the store gets a fake of that state's own interface instead.
 */
export function fakePort(runtime: Runtime) {
  const seen: SeenDelivery[] = [];
  let answer: (d: InboundDelivery, doc: SeenDelivery["doc"]) => IntakeResult | Promise<IntakeResult> = () => ({
    kind: "accepted",
    receipt: { deliveryId: crypto.randomUUID(), reference: "AAAA-BBBB", sourceMessageId: null, receivedAt: new Date(), state: "routed" },
  });
  const ctx: AdapterContext = {
    gateway: {
      async intake(delivery) {
        const attachments: SeenDelivery["attachments"] = [];
        for await (const a of delivery.attachments) {
          const pieces: Uint8Array[] = [];
          if (a.content instanceof Uint8Array) pieces.push(a.content);
          else for await (const p of a.content) pieces.push(p);
          attachments.push({ a, bytes: Buffer.concat(pieces) });
        }
        const doc = await delivery.document();
        seen.push({ delivery, attachments, doc });
        return answer(delivery, doc);
      },
      status: async () => undefined,
    },
    runtime: () => runtime,
    store: absent("store") as Store,
    log: createLogger({ level: "fatal", destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
    metrics: createMetrics(),
    clock: () => new Date(),
    onReload: () => {},
    prepare(step) {
      const r = step(runtime);
      if (!r.ok) throw new Error(`test config not usable: ${JSON.stringify(r.problems)}`);
      return () => r.settings;
    },
  };
  return {
    ctx,
    seen,
    /** Sets how the intake answers from now on (e.g. a refusal, or a thrown outage). */
    answer: (f: typeof answer) => void (answer = f),
  };
}

/** Stands for something the fake port does not offer: may be passed around, fails when used. */
function absent(name: string): unknown {
  return new Proxy(() => {}, {
    apply: () => {
      throw new Error(`the fake port has no ${name}`);
    },
    get: (_t, key) => (key === "then" || typeof key === "symbol" ? undefined : absent(`${name}.${key}`)),
  });
}
