import type { HubConfig } from "../config/load.ts";
import type { SubscriberConfig, TenantConfig } from "../config/schema.ts";

/** Names of everything ozg-hub declares on the broker, derived from config in one place. */
export interface QueueSpec {
  tenantId: string;
  subscriberId: string;
  queue: string;
  deadLetterQueue: string;
  routingKey: string;
}

export interface Topology {
  exchange: string;
  deadLetterExchange: string;
  queues: QueueSpec[];
}

export function routingKey(tenantId: string, subscriberId: string): string {
  return `${tenantId}.${subscriberId}`;
}

export function queueSpec(config: HubConfig, tenant: TenantConfig, s: SubscriberConfig): QueueSpec {
  const queue = s.queue ?? `${config.gateway.amqp.queuePrefix}.${tenant.id}.${s.id}`;
  return { tenantId: tenant.id, subscriberId: s.id, queue, deadLetterQueue: `${queue}.dlq`, routingKey: routingKey(tenant.id, s.id) };
}

/**
 * One topic exchange for applications, one for dead letters; per AMQP subscriber a durable
 * quorum queue bound by `<tenant>.<subscriber>` that dead-letters into `<queue>.dlq`.
 */
export function topologyOf(config: HubConfig): Topology {
  return {
    exchange: config.gateway.amqp.exchange,
    deadLetterExchange: config.gateway.amqp.deadLetterExchange,
    queues: config.tenants.flatMap((t) => t.subscribers.filter((s) => s.kind === "amqp").map((s) => queueSpec(config, t, s))),
  };
}
