// The documentation rules of `npm run lint` (.remarkrc.mjs) on small documents: each rule
// reports what it is for and stays quiet on what is right.
import { describe, expect, it } from "vitest";
import { unified } from "unified";
import remarkParse from "remark-parse";
import { VFile } from "vfile";
import { unresolvedReferences } from "./remark-see-references.mjs";
import remarkCliCommands, { checkCommand, parseHelp } from "./remark-cli-commands.mjs";
import { keptProblems } from "./remark-headings-kept.mjs";

const help = `usage: ozg-hub <command>

  config check [dir]   validate config/
  replay <delivery-id>
  replay --all-parked [--format <mapping-id>]
                   map again; --actor <name> names who did it
  purge --older-than <days> [--dry-run]

Environment: DATABASE_URL`;

describe("see references", () => {
  const own = ["operations: faults, isolation, resources", "connecting a fachverfahren", "replay"];
  it("accepts a heading said in full or begun, and ordinary words after see", () => {
    expect(unresolvedReferences("purge (see Operations) and (see Replay).", own, [])).toEqual([]);
    expect(unresolvedReferences('see "Connecting a Fachverfahren", the way back', own, [])).toEqual([]);
    expect(unresolvedReferences("Expressions see the parsed document; see below", own, [])).toEqual([]);
  });
  it("reports a section that is gone, lower case too, and one in another file", () => {
    expect(unresolvedReferences("login (see Console)", own, []).map((p) => p.message)).toEqual(['"see Console" names no heading of this documentation']);
    expect(unresolvedReferences("a ZIP (see xdomea containers)", own, [])).toHaveLength(1);
    // A heading is begun by whole words only: "see X" is no reference to "xdomea containers".
    expect(unresolvedReferences("see X here", own, [{ file: "docs/rest.md", heading: "xdomea containers" }])[0]!.message).toBe(
      '"see X here" names no heading of this documentation',
    );
    expect(unresolvedReferences("see XTA", own, [{ file: "docs/xta.md", heading: "xta" }])[0]!.message).toContain("docs/xta.md");
  });
});

describe("ozg-hub commands", () => {
  const commands = parseHelp(help);
  it("knows the commands and options of the help", () => {
    expect(checkCommand("replay --all-parked --format xdomea --actor anna", commands)).toBeUndefined();
    expect(checkCommand("config check /etc/ozg-hub", commands)).toBeUndefined();
    expect(checkCommand("--help", commands)).toBeUndefined();
    expect(checkCommand("purge --older-than 365 [--dry-run]", commands)).toBeUndefined();
  });
  it("reports an unknown command or option", () => {
    expect(checkCommand("reload", commands)).toContain("no such command");
    expect(checkCommand("purge --older-than 30 --force", commands)).toContain("--force not listed");
  });
  it("finds commands in inline code, code blocks and the command table", async () => {
    const text =
      "# CLI\n\nRun `ozg-hub reload`.\n\n```sh\n$ ozg-hub purge --all # comment\n```\n\n### Command line: `ozg-hub`\n\n| command | |\n| - | - |\n| `serve` | x |\n";
    const file = new VFile({ path: "README.md", value: text });
    const tree = unified().use(remarkParse).parse(file);
    await unified().use(remarkCliCommands, { help }).run(tree, file);
    expect(file.messages.map((m) => m.reason)).toEqual([
      '"ozg-hub reload": no such command in ozg-hub --help',
      '"ozg-hub purge --all": --all not listed for "purge" in ozg-hub --help',
      '"ozg-hub serve": no such command in ozg-hub --help',
    ]);
  });
});

describe("kept headings", () => {
  const kept = { minimumWords: 10, headings: ["Console", "Replay"] };
  it("accepts a heading moved to another file", () => {
    expect(
      keptProblems(kept, [
        { file: "README.md", headings: ["Replay"], words: 6 },
        { file: "docs/operations.md", headings: ["Console"], words: 6 },
      ]),
    ).toEqual([]);
  });
  it("reports a lost heading and shrunken documentation", () => {
    expect(keptProblems(kept, [{ file: "README.md", headings: ["Replay"], words: 9 }])).toEqual([
      'heading "Console" of docs/kept.json is in no file of README.md and docs/',
      "README.md and docs/ hold 9 words, fewer than the 10 of docs/kept.json",
    ]);
  });
});
