import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import postgres from "postgres";
import { parse, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { rowCounts } from "../../test/support/database.ts";
import { libraryHubPerSuite } from "./fixtures/library-hub.ts";
import { javaAvailable } from "./fixtures/library-peer.ts";
import { DOCS, runScenario, sentHashes, storedDelivery, type ScenarioSpec } from "./fixtures/library-scenario.ts";

/**
 * Push role: the Governikus OSCI-Bibliothek 2.4.1 as Intermediär delivers content whose Author is
 * any portal behind it. A verified signature by a signer ozg-hub does not pin is accepted and
 * recorded as untrusted (a signature never makes a delivery less acceptable than none); one that
 * chains to a configured anchor is recorded as trusted; a broken signature is refused; and where
 * a tenant demands a trusted Author, an untrusted one is refused.
 */
describe.skipIf(!javaAvailable())("OSCI push role: Author signatures by signers ozg-hub does not pin (reference library as Intermediär)", () => {
  const lib = libraryHubPerSuite("recipient");

  /** Changes a config file of the running hub and reloads it. */
  async function reconfigure(file: string, change: (doc: any) => void) {
    const at = path.join(lib.h.hub.configDir, file);
    const doc = parse(await readFile(at, "utf8"));
    change(doc);
    await writeFile(at, stringify(doc));
    const r = await lib.h.hub.services.reload();
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
  }

  /** addressee_sig: a certificate of the test CA that no portal pins (the pinned Author is originator_sig). */
  const spec = (more: Partial<ScenarioSpec> = {}): ScenarioSpec & { msgId: string } => ({
    msgId: `author-${randomBytes(6).toString("hex")}`,
    author: "addressee",
    containers: [{ content: DOCS.xdomeaKiel }],
    ...more,
  });

  async function acceptedWith(s: ScenarioSpec & { msgId: string }) {
    const r = await runScenario(lib.peer, "intermediary", lib.h.url, "accept", s);
    expect(r.code, `${r.out}\n${r.err}`).toBe(0);
    expect(r.steps[0]).toContain("code=0800");
    const stored = await storedDelivery(lib.h.hub.databaseUrl, s.msgId);
    expect(stored?.hashes).toEqual(sentHashes(s));
    expect(stored?.tenantId).toBe("kiel");
    const sql = postgres(lib.h.hub.databaseUrl, { max: 1 });
    const [received] = await sql<{ detail: any }[]>`select detail from events where delivery_id = ${stored!.id} and type = 'received'`;
    await sql.end();
    for (let i = 0; i < 40; i++) {
      const hit = (await lib.h.hub.broker.drain(lib.h.hub.queue("kiel", "dms"), { waitMs: 250 })).find((m) => (m.body as any).ozgdelivery === stored!.id);
      if (hit) return { timeline: received!.detail.signatures, event: (hit.body as any).data.signatures };
    }
    throw new Error(`no event for ${stored!.id}`);
  }

  async function refusedWith(s: ScenarioSpec & { msgId: string }, code: string) {
    const before = await rowCounts(lib.h.hub.databaseUrl);
    const r = await runScenario(lib.peer, "intermediary", lib.h.url, "accept", s);
    expect(r.code, `${r.out}\n${r.err}`).toBe(2);
    expect(r.steps[0]).toContain(`code=${code}`);
    expect(await rowCounts(lib.h.hub.databaseUrl)).toEqual(before);
    return r;
  }

  it("an Author no portal pins: accepted, recorded as untrusted on the timeline and in the event", async () => {
    const { timeline, event } = await acceptedWith(spec());
    const expected = [expect.objectContaining({ role: "author", subject: expect.stringContaining("addressee sig"), trust: "untrusted" })];
    expect(timeline).toEqual(expected);
    expect(event).toEqual(expected);
    expect(event[0].detail).toMatch(/no trust anchors are configured/);
  }, 240_000);

  it("the pinned Author is recorded as pinned", async () => {
    const { event } = await acceptedWith(spec({ author: "originator" }));
    expect(event).toEqual([expect.objectContaining({ subject: expect.stringContaining("originator sig"), trust: "pinned" })]);
  }, 240_000);

  it("a document changed after the Author signed it: 9601 in the signed answer, nothing stored (a broken signature is not no signature)", async () => {
    const r = await refusedWith(spec({ author: "originator", tamper: "author" }), "9601");
    expect(r.out).toContain("TAMPERED content");
  }, 240_000);

  it("an unpinned Author whose certificate chains to osci.authorTrustAnchorFiles is recorded as trusted", async () => {
    await reconfigure("gateway.yaml", (g) => (g.osci.authorTrustAnchorFiles = [path.join(lib.peer.certs, "ca.pem")]));
    const { timeline, event } = await acceptedWith(spec());
    expect(event).toEqual([expect.objectContaining({ subject: expect.stringContaining("addressee sig"), trust: "trusted" })]);
    expect(event[0].detail).toMatch(/OSCI Test CA/);
    expect(timeline).toEqual(event);
  }, 240_000);

  it("a tenant with requireTrustedAuthor refuses an untrusted Author (9700) and an unsigned container, nothing stored; a trusted one passes", async () => {
    await reconfigure("gateway.yaml", (g) => (g.osci.authorTrustAnchorFiles = []));
    await reconfigure("tenants/kiel.yaml", (t) => (t.osci.requireTrustedAuthor = true));
    await refusedWith(spec(), "9700");
    await refusedWith(spec({ containers: [{ content: DOCS.xdomeaKiel, sign: false }] }), "9700");
    await reconfigure("gateway.yaml", (g) => (g.osci.authorTrustAnchorFiles = [path.join(lib.peer.certs, "ca.pem")]));
    const { event } = await acceptedWith(spec());
    expect(event[0].trust).toBe("trusted");
  }, 240_000);
});
