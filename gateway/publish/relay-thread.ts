import { Worker } from "node:worker_threads";
import { messageOf } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import type { Store } from "../store/db.ts";
import { BacklogCount } from "./backlog.ts";
import type { FromRelay, MetricReport, RelayWorkerData, ToRelay } from "./relay-messages.ts";
import type { RelayControl, RelaySettings } from "./relay.ts";
import type { Topology } from "./topology.ts";

/** How long after an unexpected end of the relay thread a new one is started. */
const RESTART_MS = 1000;

/**
 * The main thread's handle on the relay running in a worker thread (relay-worker.ts): starts
 * and stops it, wakes it after commits (at most one message per turn of the event loop however
 * many commits there were), passes reloaded settings on, and applies the metrics it reports to
 * this process's registry. The backlog for back-pressure is counted here, on intake's pool.
 * A thread that ends unexpectedly is started again; rows it had claimed but not marked are
 * due again when its transactions end, as after a crash of a whole process.
 */
export class RelayThread implements RelayControl {
  private worker: Worker | undefined;
  private running = false;
  private wakePending = false;
  private stopped: (() => void) | undefined;
  /** The in-flight gauge as the current thread moved it; taken back if the thread ends. */
  private inFlight = 0;
  private readonly backlogCount: BacklogCount;

  constructor(
    private readonly o: {
      databaseUrl: string;
      amqpUrl: string;
      store: Store;
      settings: () => RelaySettings;
      topology: () => Topology;
      metrics: Metrics;
      log: Logger;
    },
  ) {
    this.backlogCount = new BacklogCount(o.store);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.spawn();
  }

  private spawn(): void {
    const workerData: RelayWorkerData = { databaseUrl: this.o.databaseUrl, amqpUrl: this.o.amqpUrl, settings: this.o.settings(), topology: this.o.topology() };
    const worker = new Worker(new URL("./relay-worker.mjs", import.meta.url), { workerData, name: "ozg-hub relay" });
    this.worker = worker;
    worker.on("message", (m: FromRelay) => {
      if (m.type === "metrics") this.apply(m.report);
      else this.stopped?.();
    });
    worker.on("error", (err) => this.o.log.error({ err: messageOf(err) }, "relay thread failed"));
    worker.on("exit", (code) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.stopped?.();
      if (this.inFlight > 0) this.o.metrics.relayInFlight.dec(this.inFlight);
      this.inFlight = 0;
      if (!this.running) return;
      this.o.log.error({ code }, "relay thread ended unexpectedly, starting a new one");
      setTimeout(() => this.running && !this.worker && this.spawn(), RESTART_MS).unref();
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    const worker = this.worker;
    if (!worker) return;
    const done = new Promise<void>((resolve) => (this.stopped = resolve));
    this.post({ type: "stop" });
    await done;
    this.worker = undefined;
    await worker.terminate();
  }

  wake(): void {
    if (this.wakePending) return;
    this.wakePending = true;
    setImmediate(() => {
      this.wakePending = false;
      this.post({ type: "wake" });
    });
  }

  backlog(maxAgeMs = 500): number {
    return this.backlogCount.value(maxAgeMs);
  }

  /** Passes reloaded settings and topology to the thread. */
  reconfigure(): void {
    this.post({ type: "config", settings: this.o.settings(), topology: this.o.topology() });
  }

  private post(m: ToRelay): void {
    this.worker?.postMessage(m);
  }

  private apply(r: MetricReport): void {
    const m = this.o.metrics;
    this.inFlight += r.inFlight;
    if (r.inFlight > 0) m.relayInFlight.inc(r.inFlight);
    else if (r.inFlight < 0) m.relayInFlight.dec(-r.inFlight);
    for (const s of r.latencies) m.publishLatency.observe(s);
    for (const p of r.published) m.published.inc({ tenant: p.tenant, subscriber: p.subscriber }, p.n);
    if (r.failures > 0) m.publishFailures.inc(r.failures);
  }
}
