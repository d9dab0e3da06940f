import { createHash, createPrivateKey, randomUUID, X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLibraryHub, type LibraryHub } from "../../adapters/osci/fixtures/library-hub.ts";
import { javaAvailable, libraryPeer, type LibraryPeer } from "../../adapters/osci/fixtures/library-peer.ts";
import { DOCS, runScenario } from "../../adapters/osci/fixtures/library-scenario.ts";
import { startStubIntermediary, type StubIntermediary } from "../../adapters/osci/fixtures/stub-intermediary.ts";
import { eventually, startCaseSystem, type CaseSystem } from "./support.ts";

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/**
 * OSCI portal (the Governikus library as Originator, StoreDelivery to ozg-hub as Intermediär)
 * -> the example Fachverfahren -> `received` and `decided` with a Bescheid -> ozg-hub sends both
 * back as StoreDelivery to the portal's Intermediär (named in the portal's osci.replyIntermediary),
 * ozg-hub as Originator, the content encrypted for the portal's OSCI client. The Intermediär is a
 * stub that answers once with a fault, then accepts; the library reads what arrived there, as
 * Intermediär and as the portal's client (Reader `originator_enc`). In this test PKI the stub
 * Intermediär holds the `addressee_*` keys: ozg-hub itself holds `intermed_*` (its one OSCI key
 * for every role), and the portal's client is `originator_*`.
 */
describe.skipIf(!javaAvailable())("the way back to an OSCI portal, as StoreDelivery to its Intermediär", () => {
  let peer: LibraryPeer;
  let h: LibraryHub;
  let stub: StubIntermediary;
  let dms: CaseSystem;

  const pair = (name: string) => {
    const pem = readFileSync(path.join(peer.certs, `${name}.pem`), "utf8");
    return { key: createPrivateKey(readFileSync(path.join(peer.certs, `${name}.key`))), cert: new X509Certificate(pem), pem };
  };

  beforeAll(async () => {
    peer = libraryPeer();
    stub = await startStubIntermediary({ signer: pair("addressee_sig"), cipher: pair("addressee_enc") });
    stub.mode = { kind: "fault", times: 1 };
    h = await startLibraryHub(peer, "intermediary");
    const c = (f: string) => path.join(peer.certs, f);
    const file = path.join(h.hub.configDir, "portals/osciportal.yaml");
    const portal = parse(await readFile(file, "utf8"));
    portal.osci.cipherCertFile = c("originator_enc.pem");
    portal.osci.replyIntermediary = { url: stub.url, cipherCertFile: c("addressee_enc.pem"), signatureCertFiles: [c("addressee_sig.pem")], timeoutMs: 10_000 };
    await writeFile(file, stringify(portal));
    const reloaded = await h.hub.services.reload();
    if (!reloaded.ok) throw new Error(JSON.stringify(reloaded.problems));
    dms = await startCaseSystem(h.hub);
    const r = await runScenario(peer, "originator", h.url, "implicit", { containers: [{ content: DOCS.xdomeaKiel }] });
    if (r.code !== 0) throw new Error(`the library's StoreDelivery failed:\n${r.out}\n${r.err}`);
  });
  afterAll(async () => {
    await dms?.stop();
    await stub?.close();
    await h?.stop();
  });

  const timeline = async () => {
    const [d] = await h.hub.services.store.sql<{ id: string }[]>`select id from deliveries where channel = 'osci' order by received_at desc limit 1`;
    if (!d) return [];
    return h.hub.services.store.sql<{ type: string; detail: any }[]>`select type, detail from events where delivery_id = ${d.id} order by id`;
  };

  it("both statuses reach the Intermediär as StoreDelivery; the library reads the status and the Bescheid as the portal's client", async () => {
    await eventually(async () => (stub.received.filter((r) => r.operation === "storeDelivery").length >= 2 ? true : undefined), "two StoreDeliveries", 30_000);
    const lines: string[][] = [];
    for (const r of stub.received.filter((x) => x.operation === "storeDelivery")) {
      const f = path.join(tmpdir(), `ozg-hub-osci-way-back-${randomUUID()}.bin`);
      writeFileSync(f, r.body);
      const run = await peer.run("ozghub.peer.ReadOriginatorRequest", [f, "addressee", "originator"]);
      expect(run.code, `${run.out}\n${run.err}`).toBe(0);
      lines.push(run.out.split("\n").filter(Boolean));
    }
    const read = lines.map((l) => ({
      valid: l.some((x) => /^CONTAINER signers=1 valid=true/.test(x)),
      event: JSON.parse(Buffer.from(l.find((x) => x.startsWith("DATA "))!.slice(5), "base64").toString("utf8")),
      attachments: l.filter((x) => x.startsWith("ATTACHMENT ")).map((x) => x.split(" ")),
    }));
    expect(read.every((r) => r.valid)).toBe(true);
    expect(read.map((r) => r.event.data.status).sort()).toEqual(["decided", "received"]);
    const decided = read.find((r) => r.event.data.status === "decided")!;
    const [delivery] = await h.hub.services.store.sql<{ source_message_id: string }[]>`select source_message_id from deliveries where channel = 'osci'`;
    expect(decided.event.data.sourceId).toBe(delivery!.source_message_id);
    expect(decided.attachments).toHaveLength(1);
    const [row] = await h.hub.services.store.sql<{ document: Buffer }[]>`select document from status_reports where status = 'decided' and document is not null`;
    expect(decided.attachments[0]![2]).toBe(sha256(row!.document));
    expect(decided.event.data.document.sha256).toBe(sha256(row!.document));
    expect(row!.document.subarray(0, 5).toString("latin1")).toBe("%PDF-");
  });

  it("the timeline shows the failed attempt and both replies sent", async () => {
    const events = await eventually(async () => {
      const t = await timeline();
      return t.filter((e) => e.type === "notified").length === 2 ? t : undefined;
    }, "both replies on the timeline");
    expect(events.filter((e) => e.type === "notification-queued").map((e) => e.detail.channel)).toEqual(["osci-store-delivery", "osci-store-delivery"]);
    const failed = events.filter((e) => e.type === "notify-failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]!.detail).toMatchObject({ channel: "osci-store-delivery", error: expect.stringContaining("SOAP fault") });
    const notified = events.filter((e) => e.type === "notified");
    for (const n of notified) expect(n.detail).toMatchObject({ channel: "osci-store-delivery", feedback: "0800", intermediary: stub.url });
  });
});
