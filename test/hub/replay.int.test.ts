import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replayCommand } from "../../cli/replay.ts";
import { rowCounts } from "../support/database.ts";
import { REPO, startTestHub, TOKENS, type TestHub } from "../support/hub.ts";
import { replayDelivery, type ReplayDeps } from "../../gateway/replay.ts";

const auth = { authorization: `Bearer ${TOKENS.formsolutions}` };
const fixture = (name: string) => readFile(path.join(REPO, "mappings/xgewerbeanzeige/fixtures", name), "utf8");

/**
 * Park → fix the mapping → reload → replay → exactly one publish, against Postgres and RabbitMQ.
 * The broken mapping casts the applicant's family name to a number, which fails, so every
 * XGewerbeanzeige delivery is parked at the mapping stage.
 */
describe("replay of parked deliveries", () => {
  let hub: TestHub;
  let mappings: string;
  let deps: ReplayDeps;
  const mappingFile = () => path.join(mappings, "xgewerbeanzeige/xgewerbeanzeige.yaml");

  beforeAll(async () => {
    mappings = await mkdtemp(path.join(tmpdir(), "ozg-hub-replay-mappings-"));
    await cp(path.join(REPO, "mappings"), mappings, { recursive: true });
    const good = await readFile(mappingFile(), "utf8");
    await writeFile(mappingFile(), good.replace("$joinName($person.vorname, $person.familienname)", "$string($number($person.familienname))"));
    hub = await startTestHub({ mappings });
    deps = { store: hub.services.store, runtime: hub.services.runtime, clock: hub.services.clock, onCommitted: () => hub.services.relay.wake() };
  });
  afterAll(async () => {
    await hub?.stop();
    if (mappings) await rm(mappings, { recursive: true, force: true });
  });

  async function post(body: string, key: string): Promise<{ id: string; state: string }> {
    const res = await hub.app.request("/api/v1/deliveries", {
      method: "POST",
      headers: { ...auth, "content-type": "application/xml", "idempotency-key": key },
      body,
    });
    expect(res.status).toBe(202);
    return (await res.json()) as { id: string; state: string };
  }

  async function timeline(id: string): Promise<string[]> {
    const res = await hub.app.request(`/api/v1/applications/${id}`, { headers: auth });
    return ((await res.json()) as { timeline: { type: string }[] }).timeline.map((e) => e.type);
  }

  it("publishes a parked delivery exactly once after the mapping is fixed and reloaded", async () => {
    const parked = await post(await fixture("abmeldung-minimal.input.xml"), "replay-1");
    expect(parked.state).toBe("parked");
    // Still broken: a replay keeps it parked, with the reason, and publishes nothing.
    expect(await replayDelivery(deps, parked.id)).toMatchObject({ kind: "parked", stage: "mapping", message: expect.stringContaining("applicant.name") });

    await writeFile(mappingFile(), await readFile(path.join(REPO, "mappings/xgewerbeanzeige/xgewerbeanzeige.yaml"), "utf8"));
    expect(await hub.services.reload()).toEqual({ ok: true });

    expect(await replayDelivery(deps, parked.id)).toEqual({
      kind: "routed",
      deliveryId: parked.id,
      format: "xgewerbeanzeige",
      tenantId: "kiel",
      outboxRows: 2,
    });
    const gewerbe = await hub.broker.drain(hub.queue("kiel", "gewerbe"), { atLeast: 1 });
    const dms = await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1 });
    expect([gewerbe.length, dms.length]).toEqual([1, 1]);
    expect((gewerbe[0]!.body as any).data).toMatchObject({
      sourceFormat: "xgewerbeanzeige",
      applicant: { name: "Petersen" },
      recipient: { xtaReader: "ags:01002000" },
    });

    // Replaying again does nothing and publishes nothing more.
    const before = await rowCounts(hub.databaseUrl);
    expect(await replayDelivery(deps, parked.id)).toMatchObject({ kind: "not_parked" });
    await new Promise((r) => setTimeout(r, 600));
    expect(await hub.broker.count(hub.queue("kiel", "gewerbe"))).toBe(0);
    expect(await hub.broker.count(hub.queue("kiel", "dms"))).toBe(0);
    expect(await rowCounts(hub.databaseUrl)).toEqual(before);
    expect(await timeline(parked.id)).toEqual(["received", "parked", "replayed", "parked", "replayed", "mapped", "routed", "published", "published"]);
  });

  it("lets only one of two concurrent replays act", async () => {
    await writeFile(
      mappingFile(),
      (await readFile(mappingFile(), "utf8")).replace("$joinName($person.vorname, $person.familienname)", "$string($number($person.familienname))"),
    );
    expect(await hub.services.reload()).toEqual({ ok: true });
    const person = await post((await fixture("abmeldung-minimal.input.xml")).replace("b3f0d9a2", "d5b2f1c4"), "replay-race");
    expect(person.state).toBe("parked");
    await writeFile(mappingFile(), await readFile(path.join(REPO, "mappings/xgewerbeanzeige/xgewerbeanzeige.yaml"), "utf8"));
    expect(await hub.services.reload()).toEqual({ ok: true });
    const results = await Promise.all([replayDelivery(deps, person.id), replayDelivery(deps, person.id), replayDelivery(deps, person.id)]);
    expect(results.map((r) => r.kind).sort()).toEqual(["not_parked", "not_parked", "routed"]);
    const first = [await hub.broker.drain(hub.queue("kiel", "gewerbe"), { atLeast: 1 }), await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 1 })];
    await new Promise((r) => setTimeout(r, 600));
    const later = [await hub.broker.drain(hub.queue("kiel", "gewerbe"), { waitMs: 0 }), await hub.broker.drain(hub.queue("kiel", "dms"), { waitMs: 0 })];
    expect([...first, ...later].map((q) => q.length)).toEqual([1, 1, 0, 0]);
  });

  it("`ozg-hub replay --all-parked --format` replays the parked deliveries of that format", async () => {
    await writeFile(
      mappingFile(),
      (await readFile(mappingFile(), "utf8")).replace("$joinName($person.vorname, $person.familienname)", "$string($number($person.familienname))"),
    );
    expect(await hub.services.reload()).toEqual({ ok: true });
    const a = await post(await fixture("abmeldung-minimal.input.xml"), "replay-cli-a");
    const b = await post((await fixture("abmeldung-minimal.input.xml")).replace("b3f0d9a2", "c4a1e0b3"), "replay-cli-b");
    expect([a.state, b.state]).toEqual(["parked", "parked"]);
    await writeFile(mappingFile(), await readFile(path.join(REPO, "mappings/xgewerbeanzeige/xgewerbeanzeige.yaml"), "utf8"));

    const env = { OZG_HUB_CONFIG: hub.configDir, DATABASE_URL: hub.databaseUrl };
    const out: string[] = [];
    /** `ozg-hub replay <args>`, its output (both streams) collected in `out`. */
    const replay = (args: string[]) =>
      replayCommand(
        args,
        env,
        (s) => out.push(s),
        (s) => out.push(s),
      );
    expect(await replay(["--all-parked", "--format", "ozg-cloud"])).toBe(0);
    expect(out).toEqual(["0 of 0 parked deliveries routed"]);
    out.length = 0;
    expect(await replay(["--all-parked", "--format", "xgewerbeanzeige", "--actor", "anna"])).toBe(0);
    expect(out).toEqual([
      `[1/2] ${a.id} routed to kiel (xgewerbeanzeige), 2 message(s) queued`,
      `[2/2] ${b.id} routed to kiel (xgewerbeanzeige), 2 message(s) queued`,
      "2 of 2 parked deliveries routed",
    ]);
    out.length = 0;
    expect(await replay([a.id])).toBe(0);
    expect(out).toEqual([expect.stringMatching(new RegExp(`^${a.id} is (routed|published), not parked: nothing to do$`))]);
    // The hub's own relay publishes what the command queued: two per queue, no more.
    const dms = await hub.broker.drain(hub.queue("kiel", "dms"), { atLeast: 2 });
    expect(dms.map((m) => (m.body as any).ozgdelivery).sort()).toEqual([a.id, b.id].sort());
    // The timeline names who replayed: --actor, else the operating-system user.
    const actors = async (id: string) =>
      (await hub.services.store.sql`select detail->>'actor' as actor from events where delivery_id = ${id} and type = 'replayed'`).map((r) => r.actor);
    expect([await actors(a.id), await actors(b.id)]).toEqual([["anna (cli)"], ["anna (cli)"]]);
    const c = await post((await fixture("abmeldung-minimal.input.xml")).replace("b3f0d9a2", "e6c3a2d5"), "replay-cli-c");
    expect(c.state).toBe("parked"); // the hub still runs the broken mapping; the command reads the fixed one
    expect(
      await replayCommand(
        [c.id],
        env,
        () => {},
        () => {},
      ),
    ).toBe(0);
    expect(await actors(c.id)).toEqual([`${userInfo().username} (cli)`]);
    expect(await replayCommand(["--all-parked", "x"], env)).toEqual({ bad: expect.stringContaining("takes no delivery id") });
  });
});
