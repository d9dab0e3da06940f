import { html } from "hono/html";
import type { GatewayConfig } from "../config/schema.ts";
import { messageOf } from "../errors.ts";
import type { Broker } from "../publish/broker.ts";
import type { Topology } from "../publish/topology.ts";
import type { View } from "./i18n.ts";
import { page, type Html } from "./layout.ts";
import type { SubscriberLoad } from "./queries.ts";

type Management = NonNullable<NonNullable<GatewayConfig["admin"]>["rabbitmqManagement"]>;

/** One queue as the broker sees it; `unacked` only where the management API answers. */
export interface QueueState {
  ready: number;
  unacked: number | null;
  consumers: number;
}

export interface BrokerRow {
  tenant: string;
  subscriber: string;
  queue: string;
  state: QueueState | undefined;
  deadLettered: number | undefined;
  relay: SubscriberLoad | undefined;
}

export interface BrokerView {
  source: "management" | "amqp";
  rows: BrokerRow[];
  /** Why the broker could not be asked at all (then every state is undefined). */
  error?: string;
}

/** Queue figures from the management HTTP API: ready, unacknowledged, consumers. */
async function fromManagement(m: Management, queues: string[], env: NodeJS.ProcessEnv): Promise<Map<string, QueueState | undefined>> {
  const credentials = env[m.credentialsEnv] ?? "";
  const auth = `Basic ${Buffer.from(credentials).toString("base64")}`;
  const out = new Map<string, QueueState | undefined>();
  await Promise.all(
    queues.map(async (q) => {
      const res = await fetch(new URL(`api/queues/${encodeURIComponent(m.vhost)}/${encodeURIComponent(q)}`, m.url.endsWith("/") ? m.url : `${m.url}/`), {
        headers: { authorization: auth },
        signal: AbortSignal.timeout(5000),
      });
      if (res.status === 404) return void out.set(q, undefined);
      if (!res.ok) throw new Error(`management API answered ${res.status} for queue ${q}`);
      const b = (await res.json()) as { messages_ready?: number; messages_unacknowledged?: number; consumers?: number };
      out.set(q, { ready: b.messages_ready ?? 0, unacked: b.messages_unacknowledged ?? 0, consumers: b.consumers ?? 0 });
    }),
  );
  return out;
}

/**
 * Each subscriber queue as the broker reports it, beside the relay's own figures: so an
 * operator sees at once whether a Fachverfahren stopped consuming (no consumers, depth growing)
 * or ozg-hub stopped publishing (relay backlog growing). The management API where configured
 * (it also counts unacknowledged messages), else a passive declare over AMQP.
 */
export async function brokerView(
  o: { broker: Broker; topology: Topology; management: Management | undefined; load: SubscriberLoad[] },
  env: NodeJS.ProcessEnv = process.env,
): Promise<BrokerView> {
  const names = o.topology.queues.flatMap((q) => [q.queue, q.deadLetterQueue]);
  let states = new Map<string, QueueState | undefined>();
  let error: string | undefined;
  try {
    states = o.management
      ? await fromManagement(o.management, names, env)
      : new Map([...(await o.broker.queueStates(names))].map(([q, s]) => [q, s ? { ready: s.messages, unacked: null, consumers: s.consumers } : undefined]));
  } catch (err) {
    error = messageOf(err);
  }
  return {
    source: o.management ? "management" : "amqp",
    ...(error ? { error } : {}),
    rows: o.topology.queues.map((q) => ({
      tenant: q.tenantId,
      subscriber: q.subscriberId,
      queue: q.queue,
      state: states.get(q.queue),
      deadLettered: states.get(q.deadLetterQueue)?.ready,
      relay: o.load.find((l) => l.tenant === q.tenantId && l.subscriber === q.subscriberId),
    })),
  };
}

export function brokerPage(v: View, b: BrokerView): Html {
  const { t } = v;
  const n = (x: number | null | undefined) => (x === null || x === undefined ? "–" : v.num(x));
  return page(
    v,
    t("broker.title"),
    html`<p class="muted" id="broker-source">${t(`broker.source.${b.source}`)}</p>
      ${b.error ? html`<p class="red" id="broker-error">${t("broker.unreachable", { error: b.error })}</p>` : ""}
      <table id="queues">
        <tr>
          <th>${t("col.tenant")} / ${t("col.subscriber")}</th>
          <th>${t("broker.queue")}</th>
          <th class="n">${t("broker.ready")}</th>
          <th class="n">${t("broker.unacked")}</th>
          <th class="n">${t("broker.consumers")}</th>
          <th class="n">${t("broker.deadLettered")}</th>
          <th class="n">${t("broker.relayBacklog")}</th>
          <th>${t("overview.oldestWaiting")}</th>
        </tr>
        ${b.rows.map(
          (r) =>
            html`<tr data-queue="${r.queue}">
              <td>${r.tenant} / ${r.subscriber}</td>
              <td><code>${r.queue}</code>${r.state || b.error ? "" : html` <span class="red">${t("broker.missing")}</span>`}</td>
              <td class="n ready">${n(r.state?.ready)}</td>
              <td class="n unacked">${n(r.state?.unacked)}</td>
              <td class="n consumers ${r.state && r.state.consumers === 0 ? "red" : ""}">${n(r.state?.consumers)}</td>
              <td class="n ${r.deadLettered ? "red" : ""}">${n(r.deadLettered)}</td>
              <td class="n relay-backlog ${r.relay?.backlog ? "red" : ""}">${n(r.relay?.backlog ?? 0)}</td>
              <td>${r.relay?.oldestWaitingSeconds ? v.duration(r.relay.oldestWaitingSeconds) : "–"}</td>
            </tr>`,
        )}
      </table>
      <p class="muted">${t("broker.explain")}</p>`,
  );
}
