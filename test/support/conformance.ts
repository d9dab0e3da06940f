import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";

/**
 * Outcome counts of the generative interop suites, the raw material of the conformance report
 * (`npm run conformance` → docs/conformance.md). A suite describes itself once, records one
 * outcome per scenario ("accepted", "refused 9200", "refused 413 …") and writes its counts after
 * the run — only where `CONFORMANCE_DIR` is set, so an ordinary `npm test` leaves no files.
 *
 * @example
 *   const tally = conformanceTally({ protocol: "OSCI", role: "…", peer: "Governikus OSCI-Bibliothek 2.4.1", optionSpace: ["0–20 attachments", …] });
 *   afterAll(() => tally.write());
 *   … inside the property: tally.record(result.accepted ? "accepted" : `refused ${result.code}`);
 */
export interface ConformanceSuite {
  /** "OSCI-Transport 1.2", "FIT-Connect", "REST (OZG-Cloud /antrag)", "XTA 2" … */
  protocol: string;
  /** Which side ozg-hub plays and which the peer, e.g. "ozg-hub as Intermediär, the peer as Originator". */
  role: string;
  /** The independent other side and its version. */
  peer: string;
  /** The dimensions the scenarios are drawn from, one line each. */
  optionSpace: string[];
}

export interface ConformanceTally {
  record(outcome: string): void;
  /** Writes `<CONFORMANCE_DIR>/<protocol>--<role>.json` when the variable is set. */
  write(): void;
}

/** The number of scenarios a generative interop suite runs: CI-sized by default, `FC_NUM_RUNS` for a long run. */
export function scenarioRuns(ciSized: number): number {
  const fromEnv = Number(process.env.FC_NUM_RUNS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : ciSized;
}

export function conformanceTally(suite: ConformanceSuite): ConformanceTally {
  const outcomes: Record<string, number> = {};
  let scenarios = 0;
  return {
    record(outcome) {
      scenarios++;
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    },
    write() {
      const dir = process.env.CONFORMANCE_DIR;
      if (!dir || scenarios === 0) return;
      mkdirSync(dir, { recursive: true });
      const slug = `${suite.protocol}--${suite.role}`.replace(/[^A-Za-z0-9]+/g, "-").toLowerCase();
      const seed = fc.readConfigureGlobal().seed;
      writeFileSync(path.join(dir, `${slug}.json`), JSON.stringify({ ...suite, scenarios, outcomes, seed, writtenAt: new Date().toISOString() }, null, 2));
    },
  };
}
