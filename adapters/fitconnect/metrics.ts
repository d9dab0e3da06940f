import type { Registry } from "prom-client";
import { adapterCounter } from "../../gateway/index.ts";

/** The adapter's own metrics, on the process's registry (see `adapterCounter`). */
export function fitConnectMetrics(registry: Registry) {
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) => adapterCounter(registry, name, help, labelNames);
  return {
    polls: counter(
      "ozg_hub_fitconnect_polls_total",
      "Rounds over a FIT-Connect destination, by outcome (ok, failed); rounds skipped because another instance holds the destination are not counted.",
      ["destination", "outcome"] as const,
    ),
    submissions: counter(
      "ozg_hub_fitconnect_submissions_total",
      "FIT-Connect submissions picked up, by outcome (accepted, duplicate, rejected, decided-before, failed: left for the next round).",
      ["destination", "outcome"] as const,
    ),
    callbacks: counter("ozg_hub_fitconnect_callbacks_total", "FIT-Connect callbacks, by result (polled, refused).", ["destination", "result"] as const),
  };
}

export type FitConnectMetrics = ReturnType<typeof fitConnectMetrics>;
