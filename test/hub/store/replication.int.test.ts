import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../../gateway/auth/portals.ts";
import { startTestHub, type TestHub } from "../../support/hub.ts";

const ADMIN = "replication-admin-token";

/**
 * The machine's Postgres has no standby: exactly the installation in which a failover (to a
 * restored backup, or a standby added later without synchronous replication) can lose
 * acknowledged deliveries. ozg-hub must say so, unless the operator acknowledged it.
 */
describe("replication visibility", () => {
  let hub: TestHub;
  let acknowledged: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({ gateway: { admin: { tokenSha256: [sha256Hex(ADMIN)] } } });
    acknowledged = await startTestHub({ gateway: { database: { acceptAsyncReplication: true } } });
  });
  afterAll(async () => {
    await hub?.stop();
    await acknowledged?.stop();
  });

  it("warns in the log, the metric and /admin/replication when no synchronous standby holds the commits", async () => {
    await expect.poll(() => hub.services.replication.current()?.checkedAt, { timeout: 10_000 }).toBeTruthy();
    const res = await hub.app.request("/admin/replication", { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(res.status).toBe(200);
    const status = (await res.json()) as Record<string, unknown>;
    expect(status).toMatchObject({ standbys: 0, syncStandbys: 0, lossless: false, acknowledged: false, synchronousStandbyNames: "" });
    expect(status.warning).toMatch(/no standby/);
    expect(await (await hub.app.request("/metrics")).text()).toMatch(/^ozg_hub_replication_lossless 0$/m);
    expect(hub.logs.join("")).toContain("acknowledged deliveries could be lost on a database failover");
    expect((await hub.app.request("/admin/replication")).status).toBe(401);
    // Checked again without a change: quiet, one warning in the log.
    await hub.services.replication.check();
    expect(hub.logs.filter((l) => l.includes("could be lost")).length).toBe(1);
  });

  it("stays quiet when the operator acknowledged it in config (single node, or asynchronous by choice)", async () => {
    const status = await acknowledged.services.replication.check();
    expect(status).toMatchObject({ lossless: false, acknowledged: true });
    expect(status?.warning).toBeUndefined();
    expect(acknowledged.logs.join("")).not.toContain("could be lost");
  });
});
