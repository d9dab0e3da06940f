import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Every metric ozg-hub exports, on one registry per process (tests make their own). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "ozg_hub_" });
  return {
    registry,
    deliveries: new Counter({
      name: "ozg_hub_deliveries_total",
      help: "Deliveries by channel, portal and intake outcome (accepted, duplicate, malformed, invalid, too_large, busy, unauthorized).",
      labelNames: ["channel", "portal", "outcome"] as const,
      registers: [registry],
    }),
    mappingFailures: new Counter({
      name: "ozg_hub_mapping_failures_total",
      help: "Deliveries that no mapping could turn into a valid application, by format (empty: none matched).",
      labelNames: ["format"] as const,
      registers: [registry],
    }),
    parked: new Counter({
      name: "ozg_hub_parked_total",
      help: "Deliveries parked, by stage (mapping, routing).",
      labelNames: ["stage"] as const,
      registers: [registry],
    }),
    published: new Counter({
      name: "ozg_hub_published_total",
      help: "Messages confirmed by the broker, by tenant and subscriber.",
      labelNames: ["tenant", "subscriber"] as const,
      registers: [registry],
    }),
    publishFailures: new Counter({
      name: "ozg_hub_publish_failures_total",
      help: "Outbox rows whose publish failed and will be retried.",
      registers: [registry],
    }),
    publishLatency: new Histogram({
      name: "ozg_hub_publish_latency_seconds",
      help: "From commit of the application to the broker's confirm.",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    groupCommitSize: new Histogram({
      name: "ozg_hub_group_commit_size",
      help: "Deliveries committed together in one intake transaction.",
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers: [registry],
    }),
    relayInFlight: new Gauge({
      name: "ozg_hub_relay_in_flight",
      help: "Messages published to the broker and not yet confirmed.",
      registers: [registry],
    }),
    brokerConnected: new Gauge({
      name: "ozg_hub_broker_connected",
      help: "1 while this process has a broker connection (readiness does not depend on it: intake is durable without the broker).",
      registers: [registry],
    }),
    replicationLossless: new Gauge({
      name: "ozg_hub_replication_lossless",
      help: "1 while every commit waits for a synchronous standby (nothing acknowledged is lost on a database failover), else 0.",
      registers: [registry],
    }),
    replicationSyncStandbys: new Gauge({
      name: "ozg_hub_replication_sync_standbys",
      help: "Standbys streaming from the database in sync or quorum state.",
      registers: [registry],
    }),
    outboxBacklog: new Gauge({
      name: "ozg_hub_outbox_backlog",
      help: "Outbox rows not yet confirmed by the broker (sampled at scrape).",
      registers: [registry],
    }),
    parkedNow: new Gauge({
      name: "ozg_hub_parked_deliveries",
      help: "Deliveries currently parked (sampled at scrape).",
      registers: [registry],
    }),
    statusEvents: new Counter({
      name: "ozg_hub_status_events_total",
      help: "Status events from subscribers by tenant and outcome (accepted, duplicate, rejected).",
      labelNames: ["tenant", "outcome"] as const,
      registers: [registry],
    }),
    notifications: new Counter({
      name: "ozg_hub_portal_notifications_total",
      help: "Attempts to bring a status back to a portal, by portal, channel and outcome (delivered, failed, gave_up).",
      labelNames: ["portal", "channel", "outcome"] as const,
      registers: [registry],
    }),
    webhookEndpointsDisabled: new Gauge({
      name: "ozg_hub_webhook_endpoints_disabled",
      help: "Ways back to portals (webhooks and other push endpoints) disabled after a notification exhausted its attempts (sampled at scrape).",
      registers: [registry],
    }),
    configReloads: new Counter({
      name: "ozg_hub_config_reloads_total",
      help: "Config and mapping reloads by result (applied, rejected).",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * An adapter's counter on the process's registry, taken from the registry when present, so that
 * building an adapter (or one of its pollers) twice on one registry does not register it twice.
 */
export function adapterCounter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Counter<L> {
  return (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
}
