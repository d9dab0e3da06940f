import { readdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../test/support/config.ts";
import { mappingsCommand } from "./mappings.ts";

describe("`ozg-hub mappings test` progress", () => {
  it("prints one numbered progress line per case while it runs, apart from the report", async () => {
    const cases = (await readdir(path.join(REPO, "mappings/ozg-cloud/fixtures"))).filter((f) => f.includes(".input.")).length;
    const out: string[] = [];
    const progress: string[] = [];
    const code = await mappingsCommand(
      ["test", path.join(REPO, "mappings"), "--only", "ozg-cloud"],
      (s) => out.push(s),
      (s) => out.push(s),
      (s) => progress.push(s),
    );
    expect(code).toBe(0);
    expect(cases).toBeGreaterThan(0);
    expect(progress).toHaveLength(cases);
    progress.forEach((line, i) => expect(line).toMatch(new RegExp(`^\\[${i + 1}\\] ok {3}ozg-cloud/`)));
    expect(out.join("\n")).toMatch(new RegExp(`${cases} passed, 0 failed$`));
  });
});
