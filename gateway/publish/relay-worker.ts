/**
 * The relay in a worker thread of its own (relay.thread): its own connections to Postgres and
 * the broker, its own event loop, so that claiming, publishing and settling never wait behind
 * intake's parsing and mapping, nor intake behind them. The main thread wakes it after commits,
 * sends it reloaded settings and receives its metrics (see relay-thread.ts).
 */
import { parentPort, workerData } from "node:worker_threads";
import { createLogger } from "../logger.ts";
import { openStore } from "../store/db.ts";
import { startTracing } from "../tracing.ts";
import { Broker } from "./broker.ts";
import type { FromRelay, MetricReport, RelayWorkerData, ToRelay } from "./relay-messages.ts";
import { Relay, type RelayMetrics } from "./relay.ts";

const port = parentPort!;
const data = workerData as RelayWorkerData;
let { settings, topology } = data;
const send = (m: FromRelay) => port.postMessage(m);

/** Observations gathered here and reported to the main thread at most every REPORT_MS. */
const REPORT_MS = 100;
let report: MetricReport = { inFlight: 0, latencies: [], published: [], failures: 0 };
const published = new Map<string, { tenant: string; subscriber: string; n: number }>();
let reportTimer: NodeJS.Timeout | undefined;
function flush(): void {
  clearTimeout(reportTimer);
  reportTimer = undefined;
  report.published = [...published.values()];
  published.clear();
  if (report.inFlight !== 0 || report.latencies.length > 0 || report.published.length > 0 || report.failures > 0) send({ type: "metrics", report });
  report = { inFlight: 0, latencies: [], published: [], failures: 0 };
}
const changed = () => (reportTimer ??= setTimeout(flush, REPORT_MS));
const metrics: RelayMetrics = {
  published: {
    inc({ tenant, subscriber }) {
      const key = `${tenant}\u0000${subscriber}`;
      const entry = published.get(key) ?? { tenant, subscriber, n: 0 };
      entry.n++;
      published.set(key, entry);
      changed();
    },
  },
  publishFailures: {
    inc(n) {
      report.failures += n;
      changed();
    },
  },
  publishLatency: {
    observe(seconds) {
      report.latencies.push(seconds);
      changed();
    },
  },
  relayInFlight: {
    inc(n) {
      report.inFlight += n;
      changed();
    },
    dec(n) {
      report.inFlight -= n;
      changed();
    },
  },
};

const log = createLogger().child({ thread: "relay" });
await startTracing(); // only when OTEL_EXPORTER_OTLP_ENDPOINT is set
// One connection per round waiting for confirms, one to settle, one for the backlog count.
const store = openStore(data.databaseUrl, { max: settings.workers + 2 });
const broker = new Broker(data.amqpUrl, () => topology, log);
const relay = new Relay(store, broker, () => settings, metrics, log);

port.on("message", (m: ToRelay) => {
  switch (m.type) {
    case "wake":
      relay.wake();
      break;
    case "config":
      settings = m.settings;
      topology = m.topology;
      void broker.redeclare();
      break;
    case "stop":
      void stop();
      break;
  }
});

async function stop(): Promise<void> {
  await relay.stop();
  await broker.close();
  await store.close();
  flush();
  send({ type: "stopped" });
  port.close();
}

// Connect (and declare the topology) before the first round; an unreachable broker is retried by the relay.
void broker.channel().catch(() => {});
relay.start();
