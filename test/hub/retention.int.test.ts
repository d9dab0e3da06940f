import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { purgeCommand } from "../../cli/purge.ts";
import { rowCounts } from "../support/database.ts";
import { antragBody, ozgCloudForm } from "../support/forms.ts";
import { startTestHub, TOKENS, type TestHub } from "../support/hub.ts";
import { purgeDeliveries } from "../../gateway/retention.ts";

/** Rows of every table that hangs on a delivery, for one delivery. */
async function rowsOf(hub: TestHub, id: string): Promise<Record<string, number>> {
  const [r] = await hub.services.store.sql<Record<string, number>[]>`
    select (select count(*)::int from deliveries where id = ${id}) as deliveries,
           (select count(*)::int from applications where delivery_id = ${id}) as applications,
           (select count(*)::int from attachments where delivery_id = ${id}) as attachments,
           (select count(*)::int from attachment_chunks c join attachments a on a.id = c.attachment_id where a.delivery_id = ${id}) as chunks,
           (select count(*)::int from outbox where delivery_id = ${id}) as outbox,
           (select count(*)::int from events where delivery_id = ${id}) as events`;
  return r!;
}

describe("retention: purging finished deliveries", () => {
  let hub: TestHub;
  const ids: Record<"published" | "parked" | "routed", string> = { published: "", parked: "", routed: "" };
  const pdf = new TextEncoder().encode("%PDF-1.7 retention test");

  beforeAll(async () => {
    hub = await startTestHub();
    const post = async (transactionId: string, zustaendigeStelle?: string) => {
      const res = await hub.app.request("/antrag", {
        method: "POST",
        headers: { authorization: `Bearer ${TOKENS.formsolutions}` },
        body: antragBody(ozgCloudForm({ transactionId, zustaendigeStelle }), [
          { part: "representation", name: "antrag.pdf", type: "application/pdf", content: pdf },
        ]),
      });
      expect(res.status).toBe(202);
      return (await res.json()).vorgang.vorgangId as string;
    };
    ids.published = await post("retention-published");
    ids.parked = await post("retention-parked", "000000");
    await rowCounts(hub.databaseUrl); // waits until the relay has published and settled
    await hub.restart({ relay: false }); // what arrives now stays routed
    ids.routed = await post("retention-routed");
  });
  afterAll(async () => {
    await hub?.stop();
  });

  it("deletes only finished deliveries older than the cutoff, with everything that hangs on them", async () => {
    expect(await rowsOf(hub, ids.published)).toEqual({ deliveries: 1, applications: 1, attachments: 1, chunks: 1, outbox: 2, events: expect.any(Number) });
    const kept = { parked: await rowsOf(hub, ids.parked), routed: await rowsOf(hub, ids.routed) };

    // A cutoff before everything: nothing to do.
    expect(await purgeDeliveries(hub.services.store, { before: new Date(Date.now() - 3_600_000) })).toEqual({ deliveries: 0, attachmentBytes: 0 });

    const later = new Date(Date.now() + 60_000);
    expect(await purgeDeliveries(hub.services.store, { before: later, dryRun: true })).toEqual({ deliveries: 1, attachmentBytes: pdf.byteLength });
    expect((await rowsOf(hub, ids.published)).deliveries).toBe(1); // a dry run deletes nothing

    const progress: unknown[] = [];
    expect(await purgeDeliveries(hub.services.store, { before: later, batch: 1, onBatch: (t) => progress.push(t) })).toEqual({
      deliveries: 1,
      attachmentBytes: pdf.byteLength,
    });
    expect(progress).toEqual([{ deliveries: 1, attachmentBytes: pdf.byteLength }]); // one line per committed batch
    expect(await rowsOf(hub, ids.published)).toEqual({ deliveries: 0, applications: 0, attachments: 0, chunks: 0, outbox: 0, events: 0 });
    expect(await rowsOf(hub, ids.parked)).toEqual(kept.parked);
    expect(await rowsOf(hub, ids.routed)).toEqual(kept.routed);
  });

  it("runs as `ozg-hub purge --older-than <days>` and refuses a malformed command line", async () => {
    const lines: string[] = [];
    const env = { DATABASE_URL: hub.databaseUrl };
    const tomorrow = () => new Date(Date.now() + 86_400_000);
    expect(await purgeCommand(["--older-than", "0", "--dry-run"], env, (l) => lines.push(l), tomorrow)).toBe(0);
    // "finished", as the help says: published or cancelled before that time.
    expect(lines.at(-1)).toMatch(/^would delete 0 deliveries finished before \d{4}-/);
    for (const bad of [[], ["--older-than"], ["--older-than", "x"], ["--older-than", "-1"], ["--older-than", "3", "extra"]]) {
      expect(await purgeCommand(bad, env, (l) => lines.push(l))).toEqual({ bad: expect.any(String) });
    }
    expect(await rowsOf(hub, ids.parked)).toMatchObject({ deliveries: 1 });
  });
});
