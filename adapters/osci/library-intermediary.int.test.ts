import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { rowCounts } from "../../test/support/database.ts";
import { expectPublished, expectRefused, libraryHubPerSuite, storedCell } from "./fixtures/library-hub.ts";
import { javaAvailable } from "./fixtures/library-peer.ts";
import { attachmentFile, DOCS, runScenario, sentHashes, storedDelivery, type ScenarioRun, type ScenarioSpec } from "./fixtures/library-scenario.ts";

/**
 * The Governikus OSCI-Bibliothek 2.4.1 as Intermediär pushing AcceptDelivery / ProcessDelivery
 * to a real ozg-hub as passive recipient (the Addressee's endpoint). The library has no client
 * parser for these answers, so its message parser reads the captured answer: transport layer,
 * SupplierSignature, feedback, response MessageId.
 */
describe.skipIf(!javaAvailable())("OSCI interop: the reference library as Intermediär pushing to ozg-hub (passive recipient)", () => {
  const suite = libraryHubPerSuite("recipient");
  const table: string[] = [];
  afterAll(() => {
    console.log(`\nOSCI interop, library as Intermediär:\n${table.join("\n")}\n`);
  });

  const { binary, empty, large } = attachmentFile;
  const newId = () => `push-${randomBytes(6).toString("hex")}`;

  function record(scenario: string, r: ScenarioRun, stored: string) {
    table.push(
      `| Intermediär | ${scenario} | exit ${r.code} | ${r.steps.map((s) => s.replace(/^ANSWER /, "").replace(/ messageId=\S+/g, "")).join(", ")} | ${stored} |`,
    );
  }

  async function accepted(scenario: string, kind: "accept" | "process", spec: ScenarioSpec & { msgId: string }, tenant: string, format: string | string[]) {
    const r = await runScenario(suite.peer, "intermediary", suite.h.url, kind, spec);
    // ProcessDelivery: the library's Intermediär names the request `<id>-request`, the response `<id>-response`.
    const stored = await storedDelivery(suite.h.hub.databaseUrl, kind === "process" ? `${spec.msgId}-request` : spec.msgId);
    record(scenario, r, storedCell(stored, spec));
    expect(r.code, `${r.out}\n${r.err}`).toBe(0);
    expect(r.steps).toHaveLength(1);
    expect(r.steps[0]).toContain(`type=0x${kind === "process" ? "90" : "10"} signed=true encrypted=${spec.transportEnc ?? true} code=0800`);
    if (kind === "process") expect(r.steps[0]).toContain(`messageId=${spec.msgId}-response`);
    expect(stored, "stored delivery").toBeDefined();
    expect(stored!.hashes).toEqual(sentHashes(spec));
    expect(stored!.tenantId).toBe(tenant);
    await expectPublished(suite.h, stored!, tenant, format);
    return r;
  }

  it("AcceptDelivery with the defaults (signed container, encrypted attachment, transport encryption), xdomea for Kiel", async () => {
    await accepted(
      "AcceptDelivery defaults, xdomea + binary",
      "accept",
      { msgId: newId(), containers: [{ content: DOCS.xdomeaKiel, attachments: [binary()] }] },
      "kiel",
      "xdomea",
    );
  });

  it("ProcessDelivery with the defaults: ResponseToProcessDelivery carries the response's MessageId", async () => {
    await accepted(
      "ProcessDelivery defaults, XGewerbeanzeige + binary",
      "process",
      { msgId: newId(), containers: [{ content: DOCS.xgewerbeKiel, attachments: [binary()] }] },
      "kiel",
      "xgewerbeanzeige",
    );
  });

  it("variants: osci.sign=false, osci.transportEnc=false, osci.attach=false", async () => {
    await accepted(
      "AcceptDelivery sign=false, XFall",
      "accept",
      { msgId: newId(), containers: [{ content: DOCS.xfallKiel, attachments: [binary()], sign: false }] },
      "kiel",
      "xfall",
    );
    await accepted(
      "AcceptDelivery transportEnc=false, xdomea",
      "accept",
      { msgId: newId(), transportEnc: false, containers: [{ content: DOCS.xdomeaKiel, attachments: [binary()] }] },
      "kiel",
      "xdomea",
    );
    await accepted("ProcessDelivery attach=false, XFall", "process", { msgId: newId(), containers: [{ content: DOCS.xfallKiel }] }, "kiel", "xfall");
  });

  it("several containers and attachments (binary, 0 bytes, 3 MB) for Augsburg's Reader key", async () => {
    await accepted(
      "AcceptDelivery 2 containers, 4 attachments (200 KB, 0 B, 3 MB, 200 KB), Augsburg",
      "accept",
      {
        msgId: newId(),
        containers: [
          { content: DOCS.xfallAugsburg, attachments: [binary(), empty(), large()], reader: "originator_enc" },
          { content: DOCS.xdomeaAugsburg, attachments: [binary()], reader: "originator_enc" },
        ],
      },
      "augsburg",
      ["xfall", "xdomea"],
    );
  });

  async function refused(scenario: string, kind: "accept" | "process", spec: ScenarioSpec, code: string) {
    await expectRefused(
      suite.h,
      () => runScenario(suite.peer, "intermediary", suite.h.url, kind, spec),
      `fault=${code}`,
      (r, stored) => record(scenario, r, stored),
    );
  }

  it("a container encrypted for a key no tenant holds: the library reads fault 9202, nothing stored", async () => {
    await refused(
      "AcceptDelivery, wrong Reader key",
      "accept",
      { msgId: newId(), containers: [{ content: DOCS.xdomeaKiel, attachments: [binary()], reader: "intermed_enc" }] },
      "9202",
    );
  });

  it("pushed by a signer not pinned as Intermediär: fault 9700, nothing stored", async () => {
    await refused(
      "ProcessDelivery, unknown signer (originator_sig)",
      "process",
      { msgId: newId(), client: "originator", containers: [{ content: DOCS.xdomeaKiel }] },
      "9700",
    );
  });

  it("transport encryption for somebody else's key: fault 9200, nothing stored", async () => {
    await refused(
      "AcceptDelivery, transport for a wrong key",
      "accept",
      { msgId: newId(), addresseeCipher: "intermed_enc", containers: [{ content: DOCS.xdomeaKiel, reader: "addressee_enc" }] },
      "9200",
    );
  });

  it("the same MessageId pushed twice: 0800, then 9801 in the signed answer, stored once", async () => {
    const before = await rowCounts(suite.h.hub.databaseUrl);
    const r = await runScenario(suite.peer, "intermediary", suite.h.url, "accept", { msgId: newId(), repeat: 2, containers: [{ content: DOCS.xdomeaKiel }] });
    const after = await rowCounts(suite.h.hub.databaseUrl);
    record("AcceptDelivery pushed twice (replayed MessageId)", r, `deliveries +${after.deliveries! - before.deliveries!}`);
    expect(r.code, r.out).toBe(2);
    expect(r.steps.map((s) => /code=\d+/.exec(s)?.[0])).toEqual(["code=0800", "code=9801"]);
    expect(after.deliveries! - before.deliveries!).toBe(1);
  });
});
