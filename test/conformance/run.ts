/**
 * `npm run conformance`: runs the generative interop suites (every `generative*.int.test.ts`) and
 * the named interop suites below with CONFORMANCE_DIR set, so that each generative suite writes
 * its outcome counts there, then renders docs/conformance.md from those files and vitest's JSON
 * results, with the commit and date. `FC_NUM_RUNS` makes it a long run; extra vitest arguments
 * pass through (e.g. `npm run conformance -- --bail 1`).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as prettier from "prettier";
import { REPO } from "../support/config.ts";
import { renderConformance, type InteropResult, type SuiteTally } from "./report.ts";

/** The named interop suites and the independent peer each one drives. */
const INTEROP: Record<string, string> = {
  "adapters/osci/library-originator.int.test.ts": "Governikus OSCI-Bibliothek 2.4.1 (Java) as Originator",
  "adapters/osci/library-intermediary.int.test.ts": "Governikus OSCI-Bibliothek 2.4.1 (Java) against ozg-hub as Intermediär",
  "adapters/xta/listener.int.test.ts": "`soap` client with the WSDL ozg-hub serves, TLS client certificates",
  "adapters/xta/mailbox.int.test.ts": "`soap` client with the official XTA 2.1.1 WSDL (mailbox role)",
  "adapters/xta/portal-boxes.int.test.ts": "`soap` client with the official XTA 2.1.1 WSDL, two portals",
  "adapters/osci/content-interop.int.test.ts": "Governikus OSCI-Bibliothek 2.4.1 (Java) as Originator: nested containers, Unicode names, algorithms, encodings",
  "adapters/osci/author-signature.int.test.ts":
    "Governikus OSCI-Bibliothek 2.4.1 (Java) as Intermediär: Author signatures by pinned, trusted and unknown signers",
  "adapters/osci/process-card-selection.int.test.ts": "Governikus OSCI-Bibliothek 2.4.1 (Java) client API: FetchProcessCard selections",
  "adapters/osci/many-attachments.int.test.ts": "Governikus OSCI-Bibliothek 2.4.1 (Java) as Originator: 100 and 120 attachments",
  "adapters/fitconnect/pickup.int.test.ts": "node-jose as the FIT-Connect online service (JWE, signed SETs)",
  "adapters/fitconnect/interop.int.test.ts": "node-jose as senders in the field send (zip: DEF, thumbprint kid, key rotation, zip bomb)",
};

/** Where generative suites live: any `generative*.int.test.ts` outside node_modules. */
const GENERATIVE = /(^|\/)generative[^/]*\.int\.test\.ts$/;

function generativeFiles(): string[] {
  return ["adapters", "gateway", "test", "mappings"]
    .flatMap((dir) => readdirSync(path.join(REPO, dir), { recursive: true, encoding: "utf8" }).map((f) => path.join(dir, f)))
    .filter((f) => !f.includes("node_modules") && GENERATIVE.test(f))
    .sort();
}

interface VitestJson {
  testResults: { name: string; assertionResults: { status: string }[] }[];
}

async function main(): Promise<number> {
  // The commit under test, taken before the run; a dirty work tree is said, since the report then describes no commit exactly.
  const git = (...args: string[]) => spawnSync("git", args, { cwd: REPO, encoding: "utf8" }).stdout.trim();
  const commit =
    git("rev-parse", "HEAD") + (git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs/conformance.md") ? " (with uncommitted changes)" : "");
  const dir = mkdtempSync(path.join(tmpdir(), "ozg-conformance-"));
  try {
    const interop = Object.keys(INTEROP).filter((f) => existsSync(path.join(REPO, f)));
    const files = [...generativeFiles(), ...interop];
    const results = path.join(dir, "vitest-results.json");
    const run = spawnSync(
      process.execPath,
      [
        path.join(REPO, "node_modules/vitest/vitest.mjs"),
        "run",
        ...files,
        "--reporter=default",
        "--reporter=json",
        `--outputFile.json=${results}`,
        ...process.argv.slice(2),
      ],
      { cwd: REPO, stdio: "inherit", env: { ...process.env, CONFORMANCE_DIR: dir } },
    );
    const tallies = readdirSync(dir)
      .filter((f) => f.endsWith(".json") && f !== path.basename(results))
      .map((f) => JSON.parse(readFileSync(path.join(dir, f), "utf8")) as SuiteTally);
    const vitest: VitestJson = existsSync(results) ? JSON.parse(readFileSync(results, "utf8")) : { testResults: [] };
    const byFile = new Map(vitest.testResults.map((r) => [path.relative(REPO, r.name), r.assertionResults]));
    const interopResults: InteropResult[] = interop.map((file) => {
      const tests = byFile.get(file) ?? [];
      const count = (s: string) => tests.filter((t) => t.status === s).length;
      return { file, peer: INTEROP[file]!, passed: count("passed"), failed: count("failed"), skipped: tests.length - count("passed") - count("failed") };
    });
    const failed = run.status !== 0;
    const target = path.join(REPO, "docs/conformance.md");
    // Formatted as the repository's own docs are (the lint checks them), so a regenerated report is a clean diff.
    const markdown = renderConformance(tallies, interopResults, { commit, date: new Date(), failed });
    writeFileSync(target, await prettier.format(markdown, { ...(await prettier.resolveConfig(target)), filepath: target }));
    console.log(
      `wrote ${path.relative(REPO, target)}: ${tallies.length} generative suites, ${interopResults.length} interop suites${failed ? " (with failures)" : ""}`,
    );
    return run.status ?? 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
