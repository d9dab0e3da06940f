// A wrong command line is named, with the usage of that command only, and exit code 2; none of
// these reach Postgres, the broker or the config.
import { describe, expect, it } from "vitest";
import { main } from "./main.ts";

async function run(...argv: string[]) {
  const err: string[] = [];
  const code = await main(argv, (s: string) => void err.push(s));
  return { code, text: err.join("\n") };
}

describe("ozg-hub command line", () => {
  it.each([
    [["purge", "--older-than", "soon"], 'ozg-hub purge: --older-than takes a number of days, not "soon"'],
    [["purge", "--older-than", "30", "--force"], "ozg-hub purge: unknown option --force"],
    [["purge", "--dry-run"], "ozg-hub purge: --older-than <days> is needed"],
    [["purge", "--older-than"], "ozg-hub purge: --older-than needs a number of days"],
    [["replay"], "ozg-hub replay: a delivery id or --all-parked is needed"],
    [["replay", "a", "b"], "ozg-hub replay: one delivery id at a time (got 2)"],
    [["replay", "--all-parked", "x"], "ozg-hub replay: --all-parked replays every parked delivery and takes no delivery id (got x)"],
    [["replay", "x", "--format", "ozg-cloud"], "ozg-hub replay: --format selects among all parked deliveries"],
    [["replay", "x", "--actor"], "ozg-hub replay: --actor needs a name"],
    [["mappings", "try", "xdomea"], "ozg-hub mappings: mappings try needs a mapping id and a file"],
    [["mappings", "run"], 'ozg-hub mappings: unknown subcommand "run": test or try'],
    [["config"], "ozg-hub config: check is needed"],
    [["topology", "--aply"], 'ozg-hub topology: unexpected argument "--aply": only --apply'],
  ])("%j says what is wrong and shows that command's usage", async (argv, said) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.text.startsWith(said)).toBe(true);
    const command = argv[0]!;
    expect(r.text).toContain(`\n  ${command} `);
    // Only that command's usage, not every command's.
    for (const other of ["serve", "migrate", "purge", "replay", "topology"].filter((c) => c !== command)) expect(r.text).not.toContain(`\n  ${other} `);
  });

  it("names an unknown command and then shows every command", async () => {
    const r = await run("reload");
    expect(r.code).toBe(2);
    expect(r.text).toMatch(/^ozg-hub: unknown command "reload"\n\nusage: ozg-hub <command>/);
    expect(r.text).toContain("  purge --older-than <days> [--dry-run]");
  });
});
