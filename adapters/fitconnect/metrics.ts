import { Counter, type Registry } from "prom-client";

/**
 * The adapter's own metrics, on the process's registry. Taken from the registry when present,
 * so that building the adapter twice on one registry does not register them twice.
 */
export function fitConnectMetrics(registry: Registry) {
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
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
