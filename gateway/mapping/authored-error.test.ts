// A mapping's `$error("…")` is a sentence its author wrote for people: it is the whole message
// (and so the park reason), not appended to the mapping's expression source.
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../../test/support/config.ts";
import { MappingSet } from "./engine.ts";
import { readFixtureInput } from "./fixture.ts";

async function load(dir: string): Promise<MappingSet> {
  const loaded = await MappingSet.load(dir);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return loaded.set;
}

describe("$error() in a mapping", () => {
  it("gives the XGewerbeanzeige 1.x park reason as the sentence the mapping wrote", async () => {
    const set = await load(path.join(REPO, "mappings"));
    const read = await readFixtureInput(path.join(REPO, "mappings/xgewerbeanzeige-1/fixtures/kosit-1-1-unknown.input.xml"));
    if (!read.ok) throw new Error(read.message);
    const outcome = await set.map(read.input);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.message).toBe(
      "XGewerbeanzeige 1.x (DatML-RAW-D 2.1, Erhebung 0004, 1 Nachricht, 1 Satz) is not mapped: ozg-hub reads XGewerbeanzeige 2.x; " +
        "ask the sender for 2.x, or add a mapping for 1.x and replay",
    );
  });

  it("still names the mapping, field and expression of a failure the author did not write", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "ozg-hub-error-"));
    try {
      await mkdir(path.join(dir, "broken"));
      await writeFile(path.join(dir, "broken", "broken.yaml"), 'id: broken\nmatch: { format: broken }\nfields:\n  sourceId: $number("x")\n');
      const outcome = await (
        await load(dir)
      ).map({
        document: {},
        format: "broken",
        channel: "rest",
        portalId: "p",
        contentType: "application/json",
        receivedAt: new Date(),
        metadata: {},
        attachments: [],
      });
      expect(!outcome.ok && outcome.message).toMatch(/^mapping broken: field sourceId \(\$number\("x"\)\): /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
