import { readFileSync } from "node:fs";
import path from "node:path";
import { REPO } from "../../test/support/config.ts";
import { rowCounts } from "../../test/support/database.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventOf, startLibraryHub, type LibraryHub } from "./fixtures/library-hub.ts";
import { javaAvailable, libraryPeer, type LibraryPeer } from "./fixtures/library-peer.ts";
import { DOCS, driverSentHashes, runDriver, scratchFile, storedDelivery, type DriverScenario } from "./fixtures/library-scenario.ts";

/**
 * What the library sends beyond its defaults, as a portal's OSCI client in the field may: nested
 * content containers, Unicode attachment names and refIds, 16-byte GCM IVs, other algorithms,
 * documents in ISO-8859-1 or starting with a comment, and content for one tenant's Reader key
 * naming another tenant. Either delivered whole to the tenant whose key opened it, or refused
 * with a code the library reads and nothing stored.
 */
describe.skipIf(!javaAvailable())("OSCI content as the reference library sends it (Originator against ozg-hub)", () => {
  let peer: LibraryPeer;
  let h: LibraryHub;
  beforeAll(async () => {
    peer = libraryPeer();
    h = await startLibraryHub(peer, "intermediary");
  });
  afterAll(async () => h?.stop());

  const KOSIT = path.join(REPO, "mappings/xgewerbeanzeige/fixtures/kosit-2-2-anmeldung-handwerk.input.xml");
  const pdf = () => scratchFile(`plan-${Math.random().toString(36).slice(2)}.pdf`, Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(50_000, 7)]));

  async function accepted(s: DriverScenario, tenant: string) {
    const logs = h.hub.logs.length;
    const [r] = await runDriver(peer, h.url, [s]);
    expect(r!.exit, `${r!.steps}\n${h.hub.logs.slice(logs).join("")}`).toBe(0);
    expect(r!.steps).toMatch(/StoreDelivery code=0800/);
    const stored = await storedDelivery(h.hub.databaseUrl, r!.messageId);
    expect(stored, "stored delivery").toBeDefined();
    expect(stored!.hashes).toEqual(driverSentHashes(s));
    expect(stored!.tenantId).toBe(tenant);
    return { r: r!, stored: stored! };
  }

  /** Refused: the library reads the code, the refusal says why, and the store is unchanged. */
  async function refused(s: DriverScenario, code: string, why: RegExp) {
    const logs = h.hub.logs.length;
    const before = await rowCounts(h.hub.databaseUrl);
    const [r] = await runDriver(peer, h.url, [s]);
    expect(r!.exit, r!.steps).toBe(2);
    expect(r!.steps).toMatch(new RegExp(`(fault|code)=${code}`));
    expect(h.hub.logs.slice(logs).join("")).toMatch(why);
    expect(await rowCounts(h.hub.databaseUrl)).toEqual(before);
  }

  it("a nested ContentContainer: its documents and attachments are read at any depth and stored as sent", async () => {
    const s: DriverScenario = {
      containers: [
        {
          contents: [
            { doc: DOCS.xdomeaKiel },
            { nested: { contents: [{ att: pdf(), refId: "inner-plan" }, { nested: { sign: false, contents: [{ att: pdf(), refId: "deep" }] } }] } },
          ],
        },
      ],
    };
    const { stored } = await accepted(s, "kiel");
    expect(stored.state).not.toBe("parked");
    expect(stored.names).toEqual(["inner-plan", "deep"]);
    expect((await eventOf(h, "kiel", stored.id)).data.attachments.map((a: { name: string }) => a.name)).toEqual(["inner-plan", "deep"]);
  });

  it("Unicode attachment names (Content-Description) and refIds (Content-ID, href) are read as UTF-8: stored and published as sent", async () => {
    const names = ["Antrag Müller – Anlage 1.xml", "Ærø 東京 🚲.pdf"];
    const s: DriverScenario = {
      containers: [
        {
          contents: [
            { doc: DOCS.xdomeaKiel },
            { att: pdf(), refId: "anlage-1", name: names[0] },
            { att: pdf(), refId: "Bauplan Straße 5.zip" },
            { att: pdf(), refId: "Plan Ærø", name: names[1] },
          ],
        },
      ],
    };
    const { stored } = await accepted(s, "kiel");
    const expected = [names[0], "Bauplan Straße 5.zip", names[1]];
    expect(stored.names).toEqual(expected);
    expect((await eventOf(h, "kiel", stored.id)).data.attachments.map((a: { name: string }) => a.name)).toEqual(expected);
  });

  it("the Reader key decides the tenant: Augsburg's document encrypted for Kiel's key is parked for Kiel with the conflict named, never published to Augsburg", async () => {
    const { stored } = await accepted({ containers: [{ contents: [{ doc: DOCS.xdomeaAugsburg }] }] }, "kiel");
    expect(stored.state).toBe("parked");
    expect(stored.parkReason?.message).toContain("addressed to kiel, document names augsburg");
    expect(await eventOf(h, "augsburg", stored.id, 4)).toBeUndefined();
  });

  it("the Reader key decides the tenant: a KoSIT XGewerbeanzeige whose AGS is no tenant's, opened with Kiel's key, goes to Kiel with a warning", async () => {
    const { stored } = await accepted({ containers: [{ contents: [{ doc: KOSIT }] }] }, "kiel");
    const event = await eventOf(h, "kiel", stored.id);
    expect(event, `state ${stored.state}: ${JSON.stringify(stored.parkReason)}`).toBeDefined();
    expect(event.data.warnings.map((w: { message: string }) => w.message).join("\n")).toMatch(/no tenant's; delivered to kiel/);
  });

  const unsupported = /algorithm not supported \(.+\); supported: .*rsa-oaep/;

  it("SHA-512 as the digest (transport OAEP parameters): refused as an algorithm not supported, not as a wrong key", async () => {
    await refused({ digest: "sha512", containers: [{ contents: [{ doc: DOCS.xdomeaKiel }] }] }, "9202", unsupported);
  });

  it("SHA-512 as the digest without transport encryption (the content key's OAEP parameters): refused as an algorithm not supported", async () => {
    await refused({ digest: "sha512", transportEnc: false, containers: [{ contents: [{ doc: DOCS.xdomeaKiel }] }] }, "9202", unsupported);
  });

  it("RSA-1_5 for the content key: refused as an algorithm not supported, not as 'no EncryptedKey for a key of ozg-hub's'", async () => {
    await refused({ containers: [{ asym: "rsa-1_5", contents: [{ doc: DOCS.xdomeaKiel }] }] }, "9202", unsupported);
  });

  it("16-byte GCM IVs (the library's setIvLength(16)) for the container and its attachments are read", async () => {
    await accepted({ containers: [{ iv: 16, contents: [{ doc: DOCS.xdomeaKiel }, { att: pdf(), refId: "iv16", iv: 16 }] }] }, "kiel");
  });

  it("an ISO-8859-1 document with a matching XML declaration is read by its declared encoding and delivered with a warning", async () => {
    const utf8 = readFileSync(DOCS.xgewerbeKiel, "utf8").replace('encoding="UTF-8"', 'encoding="ISO-8859-1"');
    const doc = scratchFile("latin1.xml", Buffer.from(utf8, "latin1"));
    const { stored } = await accepted({ containers: [{ contents: [{ doc }] }] }, "kiel");
    const event = await eventOf(h, "kiel", stored.id);
    expect(event, `state ${stored.state}: ${JSON.stringify(stored.parkReason)}`).toBeDefined();
    expect(JSON.stringify(event.data)).toContain("Çelik-Weiß");
    expect(event.data.warnings.map((w: { message: string }) => w.message).join("\n")).toMatch(/ISO-8859-1.*UTF-8/);
  });

  it("XML documents without a declaration are recognised: a comment first, a BOM and whitespace, a processing instruction", { timeout: 120_000 }, async () => {
    const body = readFileSync(DOCS.xgewerbeKiel, "utf8").replace(/^<\?xml[^>]*\?>\s*/, "");
    expect(body.startsWith("<!--")).toBe(true);
    const docs = [
      ["comment.xml", body],
      ["bom.xml", `\uFEFF \n\t${body}`],
      ["pi.xml", `<?xml-stylesheet type="text/xsl" href="view.xsl"?>\n${body}`],
    ] as const;
    // One JVM for the three.
    const scenarios: DriverScenario[] = docs.map(([name, text]) => ({ containers: [{ contents: [{ doc: scratchFile(name, Buffer.from(text, "utf8")) }] }] }));
    const results = await runDriver(peer, h.url, scenarios);
    for (const [i, r] of results.entries()) {
      expect(r.exit, `${docs[i]![0]}: ${r.steps}`).toBe(0);
      const stored = await storedDelivery(h.hub.databaseUrl, r.messageId);
      expect(stored?.hashes).toEqual(driverSentHashes(scenarios[i]!));
      expect(stored?.tenantId).toBe("kiel");
      expect(stored?.state, `${docs[i]![0]}: ${JSON.stringify(stored?.parkReason)}`).not.toBe("parked");
    }
  });

  it("an empty content container the library signed (a signature with no Reference) is read as empty, not answered with 9000", async () => {
    await accepted({ containers: [{ contents: [{ doc: DOCS.xdomeaKiel }, { nested: { sign: true, contents: [] } }] }, { sign: true, contents: [] }] }, "kiel");
  });
});
