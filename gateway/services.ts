import { count, eq, isNull, and } from "drizzle-orm";
import type { Adapter, CertificateSource, Gateway, Prepared, PrepareStep } from "./contract.ts";
import { rateLimiter, type RateLimiter } from "./auth/rate-limit.ts";
import type { ConfigSpec } from "./config/compose.ts";
import { formatProblem, type ConfigProblem } from "./config/load.ts";
import { messageOf } from "./errors.ts";
import { createIntake } from "./intake/intake.ts";
import { createLogger, type Logger } from "./logger.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import { Broker } from "./publish/broker.ts";
import { Relay, relaySettingsOf, type RelayControl } from "./publish/relay.ts";
import { RelayThread } from "./publish/relay-thread.ts";
import { startTracing } from "./tracing.ts";
import { topologyOf } from "./publish/topology.ts";
import { NotificationDispatcher } from "./notify/dispatcher.ts";
import { portalEndpoints } from "./notify/endpoints.ts";
import { loadRuntime, type Runtime } from "./runtime.ts";
import type { WayBacks } from "./status/accept.ts";
import { StatusConsumer } from "./status/consumer.ts";
import { migrateStore, openStore, type Store } from "./store/db.ts";
import { ReplicationMonitor } from "./store/replication.ts";
import { deliveries, outbox } from "./store/schema.ts";

const DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672";

/** The environment contract, with the defaults that work against local services. */
export function envSettings(env: NodeJS.ProcessEnv = process.env) {
  return {
    databaseUrl: env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres",
    /** One broker URL or several nodes, comma-separated. */
    amqpUrl: env.AMQP_URL || DEFAULT_AMQP_URL,
    /** Whether AMQP_URL was given (it then wins over `amqp.urls` of the config). */
    amqpUrlGiven: Boolean(env.AMQP_URL),
    configDir: env.OZG_HUB_CONFIG || "./config",
    port: Number(env.PORT || 8080),
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(`invalid configuration:\n${problems.map(formatProblem).join("\n")}`);
  }
}

export interface ServiceOptions {
  configDir: string;
  /** The registered adapters' config spec, from the composition root (`composeConfigSpec`). */
  spec: ConfigSpec;
  databaseUrl: string;
  /** One broker URL or several nodes, comma-separated; without it `amqp.urls` of the config, else the local default. */
  amqpUrl?: string;
  log?: Logger;
  clock?: () => Date;
  /** Pool size; each upload in flight holds one connection. */
  dbPoolSize?: number;
  /** The relay in a worker thread (default: the config's relay.thread); in this thread it shares the clock and log given here. */
  relayThread?: boolean;
}

export type ReloadResult = { ok: true } | { ok: false; problems: ConfigProblem[] };

/**
 * Every long-lived service of one process, wired in one place. Tests build their own with a
 * config directory, database and broker of their own.
 */
export interface Services {
  runtime(): Runtime;
  gateway: Pick<Gateway, "intake" | "status">;
  store: Store;
  broker: Broker;
  relay: RelayControl;
  /** Status events from subscribers (AMQP) into the store. */
  statusConsumer: StatusConsumer;
  /** Status notifications from the store to the portals, over the adapters' push ways back. */
  notifier: NotificationDispatcher;
  /** Whether the database replicates synchronously (checked at start and every minute). */
  replication: ReplicationMonitor;
  metrics: Metrics;
  log: Logger;
  clock: () => Date;
  /** Takes the built adapters' ways back: how statuses reach the portals that delivered over them. */
  useAdapters(adapters: readonly (Adapter & { channel: string })[]): void;
  /** Last rejected reload, for /readyz; cleared by a good one. */
  lastReloadError(): ConfigProblem[] | undefined;
  reload(): Promise<ReloadResult>;
  /** Called after every applied reload (e.g. adapters that start work per configured account). */
  onReload(listener: () => Promise<void> | void): void;
  /** An adapter's prepare step, run now and before every reload is applied (see `AdapterContext.prepare`). */
  prepare<S>(step: PrepareStep<S>): () => S;
  /** Waits for the first run of every prepare step registered so far; throws `ConfigError` on problems. */
  prepared(): Promise<void>;
  /** The certificate files the adapters' prepare steps report for the config in force. */
  certificates(): CertificateSource[];
  /** Whether Postgres and the broker answer; readiness follows Postgres alone (see /readyz). */
  ready(): Promise<{ postgres: boolean; broker: boolean }>;
  /** Per-portal token buckets of the REST intake. */
  rateLimiter: RateLimiter;
  /** Samples gauges that are read from the store. */
  sample(): Promise<void>;
  migrate(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

export async function createServices(o: ServiceOptions): Promise<Services> {
  const log = o.log ?? createLogger();
  const clock = o.clock ?? (() => new Date());
  const loaded = await loadRuntime(o.configDir, o.spec);
  if (!loaded.ok) throw new ConfigError(loaded.problems);
  let current = loaded.runtime;
  let reloadError: ConfigProblem[] | undefined;
  const reloadListeners: (() => Promise<void> | void)[] = [];
  type Preparer = { step: PrepareStep<unknown>; settings: unknown; certificates: CertificateSource[]; first: Promise<void> };
  const preparers: Preparer[] = [];
  const take = (p: Preparer, r: Prepared<unknown> & { ok: true }) => {
    p.settings = r.settings;
    p.certificates = r.certificates ?? [];
  };

  await startTracing(); // only when OTEL_EXPORTER_OTLP_ENDPOINT is set
  const metrics = createMetrics();
  const store = openStore(o.databaseUrl, { max: o.dbPoolSize });
  const amqpUrl = o.amqpUrl ?? current.config.gateway.amqp.urls?.join(",") ?? DEFAULT_AMQP_URL;
  const broker = new Broker(amqpUrl, () => topologyOf(current.config), log);
  const relaySettings = () => relaySettingsOf(current.config);
  const relayThread =
    (o.relayThread ?? current.config.gateway.relay.thread)
      ? new RelayThread({
          databaseUrl: o.databaseUrl,
          amqpUrl,
          store,
          settings: relaySettings,
          topology: () => topologyOf(current.config),
          metrics,
          log,
        })
      : undefined;
  const relay: RelayControl = relayThread ?? new Relay(store, broker, relaySettings, metrics, log, clock);
  const notifier = new NotificationDispatcher({ store, runtime: () => current, metrics, log, clock });
  let wayBacks: WayBacks = new Map();
  const statusConsumer = new StatusConsumer({
    amqpUrl,
    store,
    runtime: () => current,
    wayBacks: () => wayBacks,
    metrics,
    log,
    clock,
    onAccepted: () => notifier.wake(),
  });
  const replication = new ReplicationMonitor(store.sql, () => current.config.gateway.database.acceptAsyncReplication, metrics, log);
  const gateway = createIntake({ store, runtime: () => current, metrics, log, clock, onCommitted: () => relay.wake(), backlog: () => relay.backlog() });

  return {
    runtime: () => current,
    gateway,
    store,
    broker,
    relay,
    statusConsumer,
    notifier,
    replication,
    metrics,
    log,
    clock,
    rateLimiter: rateLimiter(() => clock().getTime()),
    lastReloadError: () => reloadError,
    useAdapters(adapters) {
      wayBacks = new Map(adapters.flatMap((a) => (a.wayBack ? [[a.channel, a.wayBack] as const] : [])));
      notifier.use(new Map(adapters.flatMap((a) => Object.entries(a.wayBack?.senders ?? {}))));
    },
    async reload() {
      const loadedNext = await loadRuntime(o.configDir, o.spec);
      // Every adapter prepares the new config before any of it is applied: all or nothing.
      const prepared = loadedNext.ok ? await Promise.all(preparers.map((p) => p.step(loadedNext.runtime.config))) : [];
      const unprepared = prepared.flatMap((r) => (r.ok ? [] : r.problems));
      const next: typeof loadedNext = loadedNext.ok && unprepared.length > 0 ? { ok: false, problems: unprepared } : loadedNext;
      if (!next.ok) {
        reloadError = next.problems;
        metrics.configReloads.inc({ result: "rejected" });
        log.error({ problems: next.problems.map(formatProblem) }, "config reload rejected, keeping the running config");
        return next;
      }
      current = next.runtime;
      prepared.forEach((r, i) => r.ok && take(preparers[i]!, r));
      reloadError = undefined;
      metrics.configReloads.inc({ result: "applied" });
      await broker.redeclare();
      relayThread?.reconfigure();
      log.info({ tenants: current.config.tenants.length, mappings: current.mappings.mappings.length }, "config reloaded");
      for (const listener of reloadListeners) {
        await Promise.resolve()
          .then(listener)
          .catch((err: unknown) => log.error({ err: messageOf(err) }, "applying the reloaded config failed in part"));
      }
      return { ok: true };
    },
    onReload: (listener) => void reloadListeners.push(listener),
    prepare<S>(step: PrepareStep<S>) {
      const entry: Preparer = { step, settings: undefined, certificates: [], first: Promise.resolve() };
      const first = step(current.config);
      if (first instanceof Promise) {
        // Settled before adapters start (`prepared()`); until then the settings are not there.
        entry.first = first.then((r) => {
          if (!r.ok) throw new ConfigError(r.problems);
          take(entry, r);
        });
        entry.first.catch(() => {}); // reported by prepared()
      } else if (!first.ok) throw new ConfigError(first.problems);
      else take(entry, first);
      preparers.push(entry);
      return () => entry.settings as S;
    },
    async prepared() {
      await Promise.all(preparers.map((p) => p.first));
    },
    certificates: () => preparers.flatMap((p) => p.certificates),
    async ready() {
      const postgres = await store.sql`select 1`.then(
        () => true,
        () => false,
      );
      const brokerOk = await broker.channel().then(
        () => true,
        () => false,
      );
      metrics.brokerConnected.set(brokerOk ? 1 : 0);
      return { postgres, broker: brokerOk };
    },
    async sample() {
      const [backlog] = await store.db
        .select({ n: count() })
        .from(outbox)
        .where(and(isNull(outbox.publishedAt), eq(outbox.kind, "amqp")));
      const [parked] = await store.db.select({ n: count() }).from(deliveries).where(eq(deliveries.state, "parked"));
      metrics.outboxBacklog.set(backlog?.n ?? 0);
      metrics.brokerConnected.set(broker.connected ? 1 : 0);
      metrics.parkedNow.set(parked?.n ?? 0);
      metrics.webhookEndpointsDisabled.set(await portalEndpoints(store, clock).disabledCount());
    },
    // A standby first in the URL, or a database still starting: wait for the primary (10 min).
    migrate: () =>
      migrateStore(store, {
        waitMs: 600_000,
        onRetry: (err) =>
          log.warn(
            { err: messageOf(err) },
            "database not writable yet (unreachable, or a standby: use target_session_attrs=primary or the cluster's read-write endpoint), retrying",
          ),
      }),
    start() {
      // Declare the topology now rather than at the first publish; an unreachable broker is
      // retried by the relay and reported by /readyz?broker and the metric.
      broker.channel().catch((err: unknown) => log.warn({ err: String(err) }, "broker not reachable at start, will retry"));
      relay.start();
      replication.start();
      statusConsumer.start();
      notifier.start();
    },
    async stop() {
      replication.stop();
      await statusConsumer.stop();
      await notifier.stop();
      await relay.stop();
      await broker.close();
      await store.close();
    },
  };
}
