import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowCounts } from "../support/database.ts";
import { postAntrag } from "../support/forms.ts";
import { startTestHub, TOKENS, type TestHub } from "../support/hub.ts";
import { ADMIN_TOKEN, TENANT_TOKENS, addCredentials, allPublished } from "./credentials.ts";

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe("admin API under /admin: its own credentials", () => {
  let hub: TestHub;
  let routedId: string;
  let parkedId: string;
  beforeAll(async () => {
    hub = await startTestHub();
    const post = async (transactionId: string, zustaendigeStelle?: string) => {
      const res = await postAntrag(hub, { transactionId, zustaendigeStelle });
      expect(res.status).toBe(202);
      return (await res.json()).vorgang.vorgangId as string;
    };
    routedId = await post("admin-routed");
    parkedId = await post("admin-parked", "000000");
    await allPublished(hub);
  });
  afterAll(async () => {
    await hub?.stop();
  });

  it("answers 401 to everybody while no admin token is configured", async () => {
    const before = await rowCounts(hub.databaseUrl);
    for (const headers of [{}, bearer(ADMIN_TOKEN), bearer(TOKENS.formsolutions)]) {
      const res = await hub.app.request("/admin/deliveries", { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect((await res.json()).type).toBe("urn:ozg-hub:problem:unauthorized");
    }
    expect(await rowCounts(hub.databaseUrl)).toEqual(before);
  });

  it("refuses no token, portal and tenant tokens once an admin token is configured", async () => {
    await addCredentials(hub);
    const before = await rowCounts(hub.databaseUrl);
    for (const path of ["/admin/deliveries", "/admin/deliveries?state=parked", `/admin/deliveries/${routedId}`]) {
      for (const headers of [
        {},
        bearer(TOKENS.formsolutions),
        bearer(TENANT_TOKENS.kiel),
        { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString("base64")}` },
      ]) {
        const res = await hub.app.request(path, { headers });
        expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.headers.get("www-authenticate")).toContain("Bearer");
      }
    }
    expect(await rowCounts(hub.databaseUrl)).toEqual(before);
  });

  it("lists deliveries by state and shows one with timeline, attachments and outbox", async () => {
    const parked = await (await hub.app.request("/admin/deliveries?state=parked", { headers: bearer(ADMIN_TOKEN) })).json();
    expect(parked.items.map((d: any) => d.id)).toEqual([parkedId]);
    expect(parked.items[0].parkReason.stage).toBe("routing");
    const all = await (await hub.app.request("/admin/deliveries", { headers: bearer(ADMIN_TOKEN) })).json();
    expect(all.items.map((d: any) => d.id).sort()).toEqual([routedId, parkedId].sort());
    const bad = await hub.app.request("/admin/deliveries?state=nonsense", { headers: bearer(ADMIN_TOKEN) });
    expect(bad.status).toBe(400);

    const one = await (await hub.app.request(`/admin/deliveries/${routedId}`, { headers: bearer(ADMIN_TOKEN) })).json();
    expect(one.tenantId).toBe("kiel");
    expect(one.outbox.map((o: any) => o.subscriber).sort()).toEqual(["dms", "gewerbe"]);
    expect(one.timeline[0].type).toBe("received");
    const missing = await hub.app.request("/admin/deliveries/00000000-0000-4000-8000-000000000000", { headers: bearer(ADMIN_TOKEN) });
    expect(missing.status).toBe(404);
  });

  it("replays a parked delivery after a config fix, once, and refuses what is not parked", async () => {
    const replay = (id: string, headers: Record<string, string> = bearer(ADMIN_TOKEN)) =>
      hub.app.request(`/admin/deliveries/${id}/replay`, { method: "POST", headers });
    await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1 }); // the routed delivery's message

    const before = await rowCounts(hub.databaseUrl);
    for (const headers of [{}, bearer(TOKENS.formsolutions), bearer(TENANT_TOKENS.kiel)]) expect((await replay(parkedId, headers)).status).toBe(401);
    const still = await replay(parkedId); // nothing fixed yet
    expect(still.status).toBe(200);
    expect(await still.json()).toMatchObject({ kind: "parked", stage: "routing" });
    expect((await replay(routedId)).status).toBe(409);
    expect((await replay("00000000-0000-4000-8000-000000000000")).status).toBe(404);
    expect(await rowCounts(hub.databaseUrl)).toMatchObject({ deliveries: before.deliveries, applications: before.applications, outbox: before.outbox });

    // The fix: Kiel takes applications addressed to the organisation unit 000000.
    const kiel = path.join(hub.configDir, "tenants/kiel.yaml");
    await writeFile(kiel, (await readFile(kiel, "utf8")).replace("organisationUnitIds:\n", 'organisationUnitIds:\n  - "000000"\n'));
    expect(await hub.services.reload()).toEqual({ ok: true });
    const routed = await replay(parkedId);
    expect(routed.status).toBe(200);
    expect(await routed.json()).toMatchObject({ kind: "routed", tenantId: "kiel", outboxRows: 2 });
    const [message] = await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1 });
    expect(JSON.stringify(message!.body)).toContain(parkedId);
    const again = await replay(parkedId);
    expect(again.status).toBe(409);
    expect((await again.json()).type).toBe("urn:ozg-hub:problem:not-parked");
    expect(await hub.broker.drain(hub.queue("kiel", "dms"), { waitMs: 1000 })).toHaveLength(0);
  });

  it("logged none of the tokens it was shown", () => {
    const logs = hub.logs.join("");
    for (const t of [...Object.values(TOKENS), ...Object.values(TENANT_TOKENS), ADMIN_TOKEN]) expect(logs).not.toContain(t);
  });
});
