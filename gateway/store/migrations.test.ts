import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const dir = path.join(import.meta.dirname, "migrations");
const journal = JSON.parse(readFileSync(path.join(dir, "meta/_journal.json"), "utf8")) as { entries: { idx: number; when: number; tag: string }[] };

/**
 * The migrator applies a journal entry only when its `when` is later than that of the last
 * migration a database has, so a migration written after others must also come after them
 * in time, or databases that already run the newer ones never get it.
 */
describe("the migration journal", () => {
  it("lists every SQL file once, in the order of their numbers, each later than the one before", () => {
    const files = readdirSync(dir)
      .filter((f) => f.endsWith(".sql"))
      .map((f) => f.slice(0, -4))
      .sort();
    expect(journal.entries.map((e) => e.tag)).toEqual(files);
    for (const [i, e] of journal.entries.entries()) {
      expect(e.idx, e.tag).toBe(Number(e.tag.slice(0, 4)));
      if (i > 0) expect(e.when, e.tag).toBeGreaterThan(journal.entries[i - 1]!.when);
    }
  });
});
