import type { Registry } from "prom-client";
import { adapterCounter } from "../../gateway/index.ts";

/** The XTA client role's metrics, on the process's registry (see `adapterCounter`). */
export function xtaMetrics(registry: Registry) {
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) => adapterCounter(registry, name, help, labelNames);
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
