import { describe, expect, it } from "vitest";
import { rowCounts } from "../../test/support/database.ts";
import { libraryHubPerSuite } from "./fixtures/library-hub.ts";
import { javaAvailable } from "./fixtures/library-peer.ts";
import { DOCS, runScenario, type ScenarioRun } from "./fixtures/library-scenario.ts";

/**
 * FetchProcessCard with every selection OSCI 1.2 defines, requested by the Governikus
 * OSCI-Bibliothek 2.4.1 as the portal's client (its FetchProcessCard API) in an explicit dialog:
 * by MessageId, by date of reception, by recent modification, all, with a Quantity limit, and
 * the selections ozg-hub has no cards for (not yet received, the sender as Addressee).
 */
describe.skipIf(!javaAvailable())("OSCI: FetchProcessCard selections (reference library as Originator)", () => {
  const lib = libraryHubPerSuite("intermediary");

  const idOf = (r: ScenarioRun) => /messageId=(\S+)/.exec(r.steps.find((s) => s.startsWith("STEP GetMessageId")) ?? "")?.[1] ?? "(none)";
  const step = (r: ScenarioRun, name: string) => r.steps.find((s) => s.startsWith(`STEP FetchProcessCard:${name} `)) ?? `(no step ${name})`;
  /** The MessageIds of the cards a step listed, as the library decoded them. */
  const ids = (line: string) => (/ids=(\S*)/.exec(line)?.[1] ?? "").split(";").filter(Boolean);

  it("selects by date of reception, by recent modification and all (with Quantity); none where nothing matches (9804)", async () => {
    const first = await runScenario(lib.peer, "originator", lib.h.url, "implicit", { containers: [{ content: DOCS.xdomeaKiel }] });
    expect(first.code, first.out).toBe(0);
    await new Promise((r) => setTimeout(r, 1100));
    const between = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 1100));
    const before = await rowCounts(lib.h.hub.databaseUrl);
    const second = await runScenario(lib.peer, "originator", lib.h.url, "dialog", {
      containers: [{ content: DOCS.xgewerbeKiel }],
      fetch: "reception,modification,all,noreception,addressee",
      fetchSince: between,
    });
    const [a, b] = [idOf(first), idOf(second)];
    expect(
      second.steps.find((s) => s.startsWith("STEP StoreDelivery")),
      second.out,
    ).toContain("code=0801");
    expect(step(second, "reception")).toContain("code=0801 cards=1");
    expect(ids(step(second, "reception"))).toEqual([b]);
    expect(ids(step(second, "modification"))).toEqual([b]);
    expect(step(second, "all")).toContain("code=0801 cards=2");
    expect(ids(step(second, "all"))).toEqual([a, b]);
    expect(step(second, "noreception")).toContain("code=9804 cards=0");
    expect(step(second, "addressee")).toContain("code=9804 cards=0");
    // Fetching cards changes nothing; the dialog ends normally.
    expect(second.steps.at(-1)).toContain("STEP ExitDialog code=0800");
    const after = await rowCounts(lib.h.hub.databaseUrl);
    expect(after.deliveries).toBe(before.deliveries! + 1);

    const limited = await runScenario(lib.peer, "originator", lib.h.url, "dialog", { containers: [{ content: DOCS.xdomeaKiel }], fetch: "all", fetchLimit: 2 });
    expect(step(limited, "all")).toContain("code=0801 cards=2");
    expect(ids(step(limited, "all"))).toEqual([a, b]);
  }, 240_000);
});
