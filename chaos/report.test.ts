import { describe, expect, it } from "vitest";
import type { Delivered } from "./consumer.ts";
import type { Sent } from "./load.ts";
import { figures } from "./report.ts";

/** The chaos verdict is only worth something if it sees loss, duplicates and misroutes when they happen. */
describe("chaos figures", () => {
  const sent = (id: string, tenant: string, expect: string[], acceptedAt?: number): Sent => ({
    sourceId: id,
    channel: "rest",
    tenant,
    expect,
    acceptedAt,
    attempts: 1,
    lastStatus: "202",
  });
  const got = (queue: string, messageId: string, sourceId: string, tenant: string, at: number): Delivered => ({ queue, messageId, sourceId, tenant, at });

  it("counts an accepted application missing from one of its queues as lost, a repeat as duplicate, a wrong queue as misrouted", () => {
    const s = [
      sent("a", "kiel", ["kiel.gewerbe", "kiel.dms"], 1000),
      sent("b", "kiel", ["kiel.dms"], 1100),
      sent("c", "augsburg", ["augsburg.dms"], 1200),
      sent("d", "kiel", ["kiel.dms"]), // never accepted: not expected anywhere, not lost
    ];
    const d = [
      got("kiel.gewerbe", "m-a-g", "a", "kiel", 1500),
      got("kiel.dms", "m-a-d", "a", "kiel", 1500),
      got("kiel.dms", "m-a-d", "a", "kiel", 1600), // redelivered
      got("kiel.dms", "m-b-d", "b", "kiel", 1700),
      got("kiel.dms", "m-c-d", "c", "augsburg", 1800), // augsburg's application in kiel's queue
      got("kiel.dms", "m-x", "x", "kiel", 1900), // sent by nobody
    ];
    const r = figures("t", "", s, d, [{ what: "fault", start: 1050, end: 1150 }]);
    expect(r).toMatchObject({ sent: 4, accepted: 3, delivered: 2, lost: 1, lostIds: ["c"], duplicates: 1, misrouted: 2 });
    expect(r.duplicateRate).toBeCloseTo(1 / 6);
    // recovery: intake answered at 1200 (after the fault's end at 1150), the backlog (a, b) was delivered by 1700
    expect(r.recoverMs).toBe(550);
  });

  it("reports no recovery time without faults and zero figures for an empty run", () => {
    expect(figures("t", "", [], [], [])).toMatchObject({ sent: 0, accepted: 0, lost: 0, duplicates: 0, misrouted: 0, recoverMs: undefined });
  });
});
