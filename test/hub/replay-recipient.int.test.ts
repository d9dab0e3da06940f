import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, startTestHub, type TestHub } from "../support/hub.ts";
import { replayDelivery, type ReplayDeps } from "../../gateway/replay.ts";

/**
 * The transport recipient is stored at intake and used again by replay. The document names no
 * recipient of its own (an xdomea message whose addressee only the transport knows); the OSCI
 * adapter derived Kiel from the Reader certificate. The delivery parks because the portal may
 * not yet deliver to Kiel; after that config fix, the replay must route it with the stored
 * recipient, not park it again for "no tenant".
 */
describe("replay routes with the transport recipient stored at intake", () => {
  let hub: TestHub;
  let deps: ReplayDeps;
  const portalFile = () => path.join(hub.configDir, "portals/formsolutions.yaml");

  beforeAll(async () => {
    hub = await startTestHub();
    await writeFile(portalFile(), (await readFile(portalFile(), "utf8")).replace("channels: [rest]", "channels: [rest, osci]\ntenants: [augsburg]"));
    expect(await hub.services.reload()).toEqual({ ok: true });
    deps = { store: hub.services.store, runtime: hub.services.runtime, clock: hub.services.clock, onCommitted: () => hub.services.relay.wake() };
  });
  afterAll(async () => {
    await hub?.stop();
  });

  it("publishes a parked OSCI delivery once after the portal may deliver to its tenant", async () => {
    const bytes = await readFile(path.join(REPO, "mappings/xdomea/fixtures/minimal-transport-reader.input.xml"));
    const recipient = { ags: "01002000", xtaReader: "ags:01002000" };
    const result = await hub.services.gateway.intake({
      channel: "osci",
      portalId: "formsolutions",
      attachments: [],
      document: async () => ({
        contentType: "application/xml",
        bytes,
        sourceMessageId: "osci-recipient-1",
        metadata: { osci: { messageId: "osci-recipient-1" } },
        recipient,
      }),
    });
    expect(result).toMatchObject({ kind: "accepted", receipt: { state: "parked" } });
    const id = (result as { receipt: { deliveryId: string } }).receipt.deliveryId;

    const sql = postgres(hub.databaseUrl, { max: 1 });
    try {
      const [row] = await sql<{ recipient: unknown; park_reason: { message: string } }[]>`select recipient, park_reason from deliveries where id = ${id}`;
      expect(row!.recipient).toEqual(recipient);
      expect(row!.park_reason.message).toBe("portal formsolutions may not deliver to tenant kiel");
    } finally {
      await sql.end();
    }

    await writeFile(portalFile(), (await readFile(portalFile(), "utf8")).replace("tenants: [augsburg]", "tenants: [augsburg, kiel]"));
    expect(await hub.services.reload()).toEqual({ ok: true });
    expect(await replayDelivery(deps, id)).toEqual({ kind: "routed", deliveryId: id, format: "xdomea", tenantId: "kiel", outboxRows: 2 });

    const gewerbe = await hub.broker.drain(hub.queue("kiel", "gewerbe"), { atLeast: 1 });
    const dms = await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1 });
    expect([gewerbe.length, dms.length]).toEqual([1, 1]);
    expect((dms[0]!.body as any).data).toMatchObject({ sourceFormat: "xdomea", recipient: recipient });
    expect(await replayDelivery(deps, id)).toMatchObject({ kind: "not_parked" });
    await new Promise((r) => setTimeout(r, 600));
    expect(await hub.broker.count(hub.queue("kiel", "dms"))).toBe(0);
  });
});
