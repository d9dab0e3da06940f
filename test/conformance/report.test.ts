import { describe, expect, it } from "vitest";
import { renderConformance, type SuiteTally } from "./report.ts";

const meta = { commit: "0123abc", date: new Date("2026-12-07T21:15:00Z"), failed: false };
const rest: SuiteTally = {
  protocol: "REST",
  role: "ozg-hub as receiving intake",
  peer: "undici 6",
  optionSpace: ["0–100 parts", "nesting | depth"],
  scenarios: 4,
  outcomes: { "refused 400 malformed": 1, "accepted 202": 3 },
  seed: 42,
};

describe("conformance report", () => {
  it("renders every suite it is given, with peer, option space, scenarios, outcomes per code, commit and date", () => {
    const osci: SuiteTally = { ...rest, protocol: "OSCI-Transport 1.2", role: "Intermediär", peer: "OSCI-Bibliothek 2.4.1", outcomes: { "accepted 0800": 4 } };
    const md = renderConformance(
      [rest, osci],
      [{ file: "adapters/xta/portal-boxes.int.test.ts", peer: "soap, official WSDL", passed: 1, failed: 0, skipped: 0 }],
      meta,
    );
    expect(md).toContain("Commit `0123abc`, 2026-12-07 (21:15 UTC)");
    // alphabetical by protocol: OSCI before REST
    expect(md.indexOf("### OSCI-Transport 1.2: Intermediär")).toBeLessThan(md.indexOf("### REST: ozg-hub as receiving intake"));
    expect(md).toContain("- Independent peer: undici 6");
    expect(md).toContain("- Scenarios run: 4 (fast-check seed 42)");
    expect(md).toContain("  - nesting | depth");
    // outcomes by count, with their share; table cells escape pipes
    expect(md).toMatch(/\| accepted 202 \| 3 \| 75\.0 % \|\n\| refused 400 malformed \| 1 \| 25\.0 % \|/);
    expect(md).toContain("| `adapters/xta/portal-boxes.int.test.ts` | soap, official WSDL | 1 | 0 | 0 |");
    expect(md).not.toContain("This run had failures");
  });

  it("says when the run failed and when nothing ran", () => {
    const md = renderConformance([], [], { ...meta, failed: true });
    expect(md).toContain("**This run had failures**");
    expect(md).toContain("No generative suite wrote results in this run.");
    expect(md).toContain("No interop suite ran.");
  });
});
