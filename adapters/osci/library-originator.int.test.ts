import { afterAll, describe, expect, it } from "vitest";
import { rowCounts } from "../../test/support/database.ts";
import { expectPublished, expectRefused, libraryHubPerSuite, storedCell } from "./fixtures/library-hub.ts";
import { javaAvailable } from "./fixtures/library-peer.ts";
import { attachmentFile, DOCS, runScenario, sentHashes, storedDelivery, type ScenarioRun, type ScenarioSpec } from "./fixtures/library-scenario.ts";

/**
 * The Governikus OSCI-Bibliothek 2.4.1 as Originator (a portal's OSCI client) against a real
 * ozg-hub as its Intermediär: the library builds every request with its defaults (signed content
 * container, attachments encrypted inside it, transport encryption) or a named variant, and
 * parses, decrypts and verifies every answer. Its exit code is the judge.
 */
describe.skipIf(!javaAvailable())("OSCI interop: the reference library as Originator (GetMessageId, StoreDelivery, explicit dialog)", () => {
  const suite = libraryHubPerSuite("intermediary");
  const table: string[] = [];
  afterAll(() => {
    console.log(`\nOSCI interop, library as Originator:\n${table.join("\n")}\n`);
  });

  const { binary, empty, large } = attachmentFile;

  /** The MessageId the library got from GetMessageId (as it decoded it). */
  const messageIdOf = (r: ScenarioRun) => /messageId=(\S+)/.exec(r.steps.find((s) => s.startsWith("STEP GetMessageId")) ?? "")?.[1] ?? "(none)";

  function record(scenario: string, r: ScenarioRun, stored: string) {
    table.push(
      `| Originator | ${scenario} | exit ${r.code} | ${r.steps.map((s) => s.replace(/^STEP /, "").replace(/ messageId=\S+| card=\S+/g, "")).join(", ")} | ${stored} |`,
    );
  }

  /** The library completes; what it sent is stored byte for byte and published in the tenant's queue. */
  async function accepted(scenario: string, mode: "implicit" | "dialog", spec: ScenarioSpec, tenant: string, format: string | string[]) {
    const r = await runScenario(suite.peer, "originator", suite.h.url, mode, spec);
    const id = messageIdOf(r);
    const stored = await storedDelivery(suite.h.hub.databaseUrl, id);
    record(scenario, r, storedCell(stored, spec));
    expect(r.code, `${r.out}\n${r.err}`).toBe(0);
    expect(r.steps.find((s) => s.startsWith("STEP StoreDelivery"))).toMatch(/code=080[01] card=\S+ inspections=[1-9]/);
    expect(stored, "stored delivery").toBeDefined();
    expect(stored!.hashes).toEqual(sentHashes(spec));
    expect(stored!.tenantId).toBe(tenant);
    // Mapped and published to the tenant's queue (dms takes every application).
    const event = await expectPublished(suite.h, stored!, tenant, format, () => `; hub log:\n${suite.h.hub.logs.slice(-5).join("")}`);
    return { r, stored: stored!, event };
  }

  it("defaults: GetMessageId + StoreDelivery with a signed container, an encrypted attachment and transport encryption (xdomea for Kiel)", async () => {
    const { event } = await accepted(
      "defaults, xdomea + binary attachment",
      "implicit",
      { containers: [{ content: DOCS.xdomeaKiel, attachments: [binary()] }] },
      "kiel",
      "xdomea",
    );
    expect(event.data.attachments.length).toBe(1);
  });

  it("variant osci.sign=false (no content signature)", async () => {
    await accepted(
      "sign=false, XGewerbeanzeige",
      "implicit",
      { containers: [{ content: DOCS.xgewerbeKiel, attachments: [binary()], sign: false }] },
      "kiel",
      "xgewerbeanzeige",
    );
  });

  it("variant osci.transportEnc=false (no transport encryption)", async () => {
    await accepted(
      "transportEnc=false, XFall",
      "implicit",
      { transportEnc: false, containers: [{ content: DOCS.xfallKiel, attachments: [binary()] }] },
      "kiel",
      "xfall",
    );
  });

  it("variant osci.attach=false (document only)", async () => {
    await accepted("attach=false, xdomea", "implicit", { containers: [{ content: DOCS.xdomeaKiel }] }, "kiel", "xdomea");
  });

  it("several content containers and attachments (binary, 0 bytes, 3 MB), for Augsburg's Reader key", async () => {
    await accepted(
      "2 containers, 4 attachments (200 KB, 0 B, 3 MB, 200 KB), XFall + xdomea, Augsburg",
      "implicit",
      {
        containers: [
          { content: DOCS.xfallAugsburg, attachments: [binary(), empty(), large()], reader: "originator_enc" },
          { content: DOCS.xdomeaAugsburg, attachments: [binary()], reader: "originator_enc" },
        ],
      },
      "augsburg",
      // The first XML content is the document; the library decides the containers' order.
      ["xfall", "xdomea"],
    );
  });

  it("explicit dialog: InitDialog, GetMessageId, StoreDelivery, FetchProcessCard, ExitDialog", async () => {
    const { r } = await accepted(
      "explicit dialog, XGewerbeanzeige",
      "dialog",
      { containers: [{ content: DOCS.xgewerbeKiel, attachments: [binary()] }] },
      "kiel",
      "xgewerbeanzeige",
    );
    expect(r.steps.map((s) => s.split(" ").slice(0, 3).join(" "))).toEqual([
      "STEP InitDialog code=0801",
      "STEP GetMessageId code=0801",
      "STEP StoreDelivery code=0801",
      "STEP FetchProcessCard code=0801",
      "STEP ExitDialog code=0800",
    ]);
    expect(r.steps[3]).toMatch(/cards=1 card=\S+ creation=true/);
  });

  /** Refused: the library reads the code, and the store is unchanged. */
  function refused(scenario: string, spec: ScenarioSpec, code: string, how: "fault" | "code") {
    return expectRefused(
      suite.h,
      () => runScenario(suite.peer, "originator", suite.h.url, "implicit", spec),
      how === "fault" ? `fault=${code}` : `code=${code}`,
      (r, stored) => record(scenario, r, stored),
    );
  }

  it("content encrypted for a key no tenant holds: the library reads fault 9202, nothing stored", async () => {
    await refused(
      "wrong Reader key (intermed_enc)",
      { containers: [{ content: DOCS.xdomeaKiel, attachments: [binary()], reader: "intermed_enc" }] },
      "9202",
      "fault",
    );
  });

  it("transport encryption for somebody else's key: fault 9200, nothing stored", async () => {
    await refused(
      "transport for a wrong key (addressee_enc)",
      { intermedCipher: "addressee_enc", containers: [{ content: DOCS.xdomeaKiel }] },
      "9200",
      "fault",
    );
  });

  it("a client signature by a certificate ozg-hub does not pin: fault 9700, nothing stored", async () => {
    await refused("unknown signer (addressee_sig)", { client: "addressee", containers: [{ content: DOCS.xdomeaKiel }] }, "9700", "fault");
  });

  it("a flipped byte in the signed body on the way: fault 9601, nothing stored", async () => {
    const r = await refused(
      "flipped byte in the body",
      { transportEnc: false, tamper: "flip", containers: [{ content: DOCS.xdomeaKiel, attachments: [binary()] }] },
      "9601",
      "fault",
    );
    expect(r.out).toContain("TAMPERED");
  });

  it("a replayed MessageId: the first StoreDelivery 0800, the second 9801 in the signed answer, stored once", async () => {
    const before = await rowCounts(suite.h.hub.databaseUrl);
    const r = await runScenario(suite.peer, "originator", suite.h.url, "implicit", { repeat: 2, containers: [{ content: DOCS.xdomeaKiel }] });
    const after = await rowCounts(suite.h.hub.databaseUrl);
    record("replayed MessageId (StoreDelivery twice)", r, `deliveries +${after.deliveries! - before.deliveries!}`);
    expect(r.code, r.out).toBe(2);
    expect(r.steps.filter((s) => s.startsWith("STEP StoreDelivery")).map((s) => s.split(" ")[2])).toEqual(["code=0800", "code=9801"]);
    expect(after.deliveries! - before.deliveries!).toBe(1);
  });
});
