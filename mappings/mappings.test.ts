import { execFile } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { mappingsCommand } from "../cli/mappings.ts";
import { formatReport, runGolden } from "../gateway/mapping/golden.ts";
import { REPO } from "../test/support/config.ts";
import { into } from "../test/support/process.ts";

const FORMATS = ["canonical", "fitconnect", "generic", "ozg-cloud", "xdomea", "xfall", "xgewerbeanzeige"];

/**
 * What a format's fixtures say intake would do, counted from the files themselves (an error
 * expectation parks; an application with warnings is delivered with warnings), so that the
 * summary line can be checked against the fixture set as it grows.
 */
async function tally(dir: string, format: string): Promise<{ cases: number; delivered: number; withWarnings: number; parked: number }> {
  const fixtures = path.join(dir, format, "fixtures");
  const inputs = (await readdir(fixtures)).filter((n) => /\.input\.[^.]+$/.test(n));
  const t = { cases: inputs.length, delivered: 0, withWarnings: 0, parked: 0 };
  for (const n of inputs) {
    const expected = JSON.parse(await readFile(path.join(fixtures, n.replace(/\.input\.[^.]+$/, ".expected.json")), "utf8")) as unknown;
    const apps = (Array.isArray(expected) ? expected : [expected]) as { error?: string; warnings?: unknown[] }[];
    if (apps.length === 1 && typeof apps[0]!.error === "string") t.parked++;
    else {
      t.delivered++;
      if (apps.some((a) => (a.warnings?.length ?? 0) > 0)) t.withWarnings++;
    }
  }
  return t;
}

const summary = (format: string, t: Awaited<ReturnType<typeof tally>>) =>
  `${format}: ${t.cases} case(s), ${t.delivered} delivered (${t.withWarnings} with warnings), ${t.parked} parked`;

describe("golden fixtures under mappings/", () => {
  it("every case maps to its expected application", async () => {
    const report = await runGolden(path.join(REPO, "mappings"));
    expect(report.problems).toEqual([]);
    expect(
      report.cases.filter((c) => !c.ok),
      formatReport(report),
    ).toEqual([]);
  });

  it("every format has at least three cases", async () => {
    const report = await runGolden(path.join(REPO, "mappings"));
    const perFormat = Object.fromEntries(FORMATS.map((f) => [f, report.cases.filter((c) => c.format === f).length >= 3]));
    expect(perFormat).toEqual(Object.fromEntries(FORMATS.map((f) => [f, true])));
  });
});

describe("ozg-hub mappings test on a broken fixture", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  async function copyOf(format: string): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), "ozg-hub-golden-"));
    dirs.push(dir);
    await cp(path.join(REPO, "mappings", format), path.join(dir, format), { recursive: true });
    return dir;
  }

  it("prints a diff naming the field, expected and actual value, and exits non-zero", async () => {
    const dir = await copyOf("xgewerbeanzeige");
    const expectedFile = path.join(dir, "xgewerbeanzeige/fixtures/anmeldung-kiel-umlauts.expected.json");
    const expected = JSON.parse(await readFile(expectedFile, "utf8"));
    expected.applicant.address.city = "Kiel-Gaarden";
    delete expected.applicant.phone;
    await writeFile(expectedFile, JSON.stringify(expected, null, 2));

    const out: string[] = [];
    const code = await mappingsCommand(["test", dir], into(out), into(out));
    expect(code).toBe(1);
    const text = out.join("\n");
    expect(text).toContain("FAIL xgewerbeanzeige/anmeldung-kiel-umlauts");
    expect(text).toContain(["    applicant.phone", "      expected: (missing)", '      actual:   "+49 431 998877"'].join("\n"));
    expect(text).toContain(["    applicant.address.city", '      expected: "Kiel-Gaarden"', '      actual:   "Kiel"'].join("\n"));
    expect(text).toContain("ok   xgewerbeanzeige/ummeldung-augsburg-gmbh");
    expect(text).toMatch(new RegExp(`${(await tally(dir, "xgewerbeanzeige")).cases - 1} passed, 1 failed$`));
  });

  it("the ozg-hub command itself exits 1 with the diff on stderr", async () => {
    const dir = await copyOf("fitconnect");
    const expectedFile = path.join(dir, "fitconnect/fixtures/gmbh-augsburg-payment.expected.json");
    const expected = JSON.parse(await readFile(expectedFile, "utf8"));
    expected.data.payment.amount = 35;
    await writeFile(expectedFile, JSON.stringify(expected, null, 2));
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [path.join(REPO, "bin/ozg-hub.mjs"), "mappings", "test", dir], { cwd: REPO }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
      ),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(["FAIL fitconnect/gmbh-augsburg-payment", "    data.payment.amount", "      expected: 35", "      actual:   30"].join("\n"));
    expect(run.stderr).toMatch(/2 passed, 1 failed\n$/);
  });

  it("fails a case whose input is selected by another mapping, and a case without expected file", async () => {
    const dir = await copyOf("xgewerbeanzeige");
    const fixtures = path.join(dir, "xgewerbeanzeige/fixtures");
    await writeFile(path.join(fixtures, "not-mine.input.xml"), '<other xmlns="urn:x"><a>1</a></other>');
    await writeFile(path.join(fixtures, "no-expected.input.xml"), await readFile(path.join(fixtures, "abmeldung-minimal.input.xml")));
    const report = await runGolden(dir);
    expect(report.ok).toBe(false);
    expect(report.cases.filter((c) => !c.ok).map((c) => [c.name, c.message])).toEqual([
      ["no-expected", expect.stringContaining("cannot read no-expected.expected.json")],
      ["not-mine", 'selected mapping (none) instead of "xgewerbeanzeige"'],
    ]);
  });

  it("--update rewrites expected files from the actual results but keeps error expectations that hold", async () => {
    const dir = await copyOf("canonical");
    const fixtures = path.join(dir, "canonical/fixtures");
    await writeFile(path.join(fixtures, "gewerbe-kiel.expected.json"), "{}");
    const report = await runGolden(dir, { update: true });
    expect(report.cases.map((c) => [c.name, c.ok, c.message])).toEqual([
      ["gewerbe-kiel", true, "expected file written"],
      ["minimal-transport-recipient", true, "expected file written"],
      ["missing-data", true, undefined],
      ["organisation-augsburg-umlauts", true, "expected file written"],
    ]);
    expect(JSON.parse(await readFile(path.join(fixtures, "missing-data.expected.json"), "utf8"))).toEqual({
      error: "recipient: at least one of organisationUnitId",
    });
    expect(await readFile(path.join(fixtures, "gewerbe-kiel.expected.json"), "utf8")).toBe(
      await readFile(path.join(REPO, "mappings/canonical/fixtures/gewerbe-kiel.expected.json"), "utf8"),
    );
    expect((await runGolden(dir)).ok).toBe(true);
  });

  it("passes when all cases match, exit code 0", async () => {
    const dir = await copyOf("xgewerbeanzeige");
    const out: string[] = [];
    expect(await mappingsCommand(["test", dir], into(out), into(out))).toBe(0);
    const t = await tally(dir, "xgewerbeanzeige");
    expect(t.cases).toBeGreaterThanOrEqual(7);
    expect(out.join("\n")).toMatch(new RegExp(`${t.cases} passed, 0 failed$`));
    expect(out.join("\n")).toContain(summary("xgewerbeanzeige", t));
  });

  it("sums up per format what intake would deliver, with warnings, or park", async () => {
    const report = await runGolden(path.join(REPO, "mappings"));
    const text = formatReport(report);
    for (const format of [...FORMATS, "xgewerbeanzeige-1"]) expect(text).toContain(summary(format, await tally(path.join(REPO, "mappings"), format)));
    // Parked and delivered-with-warnings cases exist, so both counts are exercised.
    expect((await tally(path.join(REPO, "mappings"), "xgewerbeanzeige-1")).parked).toBeGreaterThan(0);
    expect((await tally(path.join(REPO, "mappings"), "xdomea")).withWarnings).toBeGreaterThan(0);
  });
});
