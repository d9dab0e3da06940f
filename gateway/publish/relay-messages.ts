import type { RelaySettings } from "./relay.ts";
import type { Topology } from "./topology.ts";

/** What the relay's worker thread needs to start: plain data, cloned into the thread. */
export interface RelayWorkerData {
  databaseUrl: string;
  amqpUrl: string;
  settings: RelaySettings;
  topology: Topology;
}

/** Main thread → relay thread. */
export type ToRelay = { type: "wake" } | { type: "config"; settings: RelaySettings; topology: Topology } | { type: "stop" };

/** The relay's metric observations since the last report, applied to the process's registry by the main thread. */
export interface MetricReport {
  /** Change of the in-flight gauge. */
  inFlight: number;
  /** Commit-to-confirm latencies, seconds. */
  latencies: number[];
  /** Confirmed messages by tenant and subscriber. */
  published: { tenant: string; subscriber: string; n: number }[];
  failures: number;
}

/** Relay thread → main thread. */
export type FromRelay = { type: "metrics"; report: MetricReport } | { type: "stopped" };
