import { Counter, type Registry } from "prom-client";

/**
 * The XTA client role's metrics, on the process's registry. Taken from the registry when
 * present, so that building the adapter (or a poller) twice on one registry does not register them twice.
 */
export function xtaMetrics(registry: Registry) {
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
  return {
    polls: counter(
      "ozg_hub_xta_polls_total",
      "Rounds over an external XTA mailbox, by account and outcome (ok, failed); rounds skipped because another instance holds the account are not counted.",
      ["account", "outcome"] as const,
    ),
    fetched: counter("ozg_hub_xta_fetched_total", "Messages fetched from external XTA mailboxes, by account and result (committed, duplicate, refused).", [
      "account",
      "result",
    ] as const),
  };
}

export type XtaMetrics = ReturnType<typeof xtaMetrics>;
