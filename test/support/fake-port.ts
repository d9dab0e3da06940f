import { Writable } from "node:stream";
import type { AdapterContext, Gateway, InboundAttachment, InboundDelivery, InboundDocument, IntakeResult, Prepared } from "../../gateway/index.ts";
import { createLogger } from "../../gateway/logger.ts";
import { createMetrics } from "../../gateway/metrics.ts";
import { lookupsOf } from "../../gateway/port/port.ts";
import type { Runtime } from "../../gateway/runtime.ts";

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
 * built on it run in-process (`routes.request(...)`). The store is not offered: the gateway's
 * other members fail when used unless `gateway` gives them, and an adapter whose own tables hold
 * state gets a fake of that state's interface instead of `tables`.
 */
export function fakePort(runtime: Runtime, gateway: Partial<Gateway> = {}) {
  const seen: SeenDelivery[] = [];
  const pending: Promise<void>[] = [];
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
      deliveryMetadata: async () => undefined,
      deliveriesOf: async () => [],
      originalDocument: async () => undefined,
      attachment: async () => undefined,
      statusDocument: async () => undefined,
      control: absent("gateway.control") as Gateway["control"],
      mailbox: absent("gateway.mailbox") as Gateway["mailbox"],
      replies: absent("gateway.replies") as Gateway["replies"],
      notificationEndpoint: absent("gateway.notificationEndpoint") as Gateway["notificationEndpoint"],
      ...gateway,
    },
    lookups: lookupsOf(() => runtime),
    tables: absent("tables") as AdapterContext["tables"],
    transaction: absent("transaction") as AdapterContext["transaction"],
    lease: () => absent("lease") as ReturnType<AdapterContext["lease"]>,
    log: createLogger({ level: "fatal", destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
    metrics: createMetrics(),
    clock: () => new Date(),
    onReload: () => {},
    prepare<S>(step: (config: Runtime["config"]) => Prepared<S> | Promise<Prepared<S>>) {
      const usable = (r: Prepared<S>) => {
        if (!r.ok) throw new Error(`test config not usable: ${JSON.stringify(r.problems)}`);
        return r.settings;
      };
      const first = step(runtime.config);
      if (!(first instanceof Promise)) {
        const settings = usable(first);
        return () => settings;
      }
      let settings: S | undefined;
      pending.push(first.then((r) => void (settings = usable(r))));
      return () => settings as S;
    },
  };
  return {
    ctx,
    seen,
    /** Waits for the first settings of async prepare steps. */
    prepared: () => Promise.all(pending).then(() => {}),
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
