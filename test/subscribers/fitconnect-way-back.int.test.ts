import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rsaJwk } from "../../adapters/fitconnect/fixtures/fit-connect-server.ts";
import { answerReply, receiveReply, type ReceivedReply } from "../../adapters/fitconnect/fixtures/sender.ts";
import { fitConnectTestbed, type Testbed } from "../../adapters/fitconnect/fixtures/testbed.ts";
import { eventually, startCaseSystem, type CaseSystem } from "./support.ts";

/**
 * An online service -> FIT-Connect (local Submission API) -> ozg-hub -> the example Fachverfahren
 * -> `received` and `decided` with a Bescheid -> two replies on the FIT-Connect case, encrypted
 * for the reply key the online service named; it reads them with node-jose and accepts them.
 */
describe("the way back to a FIT-Connect sender, as replies on the case", () => {
  let t: Testbed;
  let dms: CaseSystem;
  let submitted: Awaited<ReturnType<Testbed["submit"]>>;
  let replies: ReceivedReply[];
  const replyKeys = rsaJwk("encryption");
  const senderSigning = rsaJwk("signature");

  beforeAll(async () => {
    t = await fitConnectTestbed();
    t.server.addSenderKey(t.sender.id, senderSigning.publicJwk);
    dms = await startCaseSystem(t.hub);
    submitted = await t.submit({
      metadata: {
        publicServiceType: { name: "Gewerbeanmeldung", identifier: "urn:de:fim:leika:leistung:99050012104000" },
        replyChannel: { fitConnect: { encryptionPublicKey: replyKeys.publicJwk, processStandards: [] } },
      },
    });
    await t.server.notify(t.destinationId, t.deliver);
  }, 180_000);

  afterAll(async () => {
    await dms?.stop();
    await t?.stop();
  });

  it("the online service finds `received` and `decided` as replies on its case, the Bescheid as attachment", async () => {
    const onCase = await eventually(async () => {
      const r = [...t.server.replies.values()].filter((x) => x.caseId === submitted.caseId && x.status === "submitted");
      return r.length === 2 ? r : undefined;
    }, "two replies on the case");
    const token = await t.senderToken();
    replies = await Promise.all(onCase.map((r) => receiveReply(`${t.server.url}/v1`, token, r.replyId, replyKeys.privateJwk)));
    for (const r of replies) expect(r.hashMismatches).toEqual([]);
    const statuses = replies.map((r) => JSON.parse(r.data.toString("utf8")) as { type: string; data: Record<string, any> });
    expect(statuses.map((s) => s.data.status).sort()).toEqual(["decided", "received"]);
    for (const s of statuses) expect(s).toMatchObject({ type: "de.ozghub.portal.status.v1", data: { sourceId: submitted.submissionId } });

    const i = statuses.findIndex((s) => s.data.status === "decided");
    const decided = statuses[i]!;
    const [pdf] = replies[i]!.attachments;
    expect(decided.data.document.content).toBeUndefined(); // the bytes travel as the attachment
    expect(decided.data.document.attachmentId).toBe(pdf!.attachmentId);
    expect(pdf!.bytes.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect(createHash("sha256").update(pdf!.bytes).digest("hex")).toBe(decided.data.document.sha256);
    // The very bytes the Fachverfahren published.
    const [report] = await t.hub.services.store.sql<{ document: Buffer }[]>`
      select document from status_reports where status = 'decided' and application_id = ${decided.data.applicationId}`;
    expect(pdf!.bytes.equals(report!.document)).toBe(true);
  });

  it("the timeline shows the application, both statuses, both replies and the sender's accepts", async () => {
    const token = await t.senderToken();
    for (const r of replies)
      await answerReply(`${t.server.url}/v1`, token, { clientId: t.sender.id, caseId: r.caseId, replyId: r.replyId, signingKey: senderSigning.privateJwk });
    await t.server.notify(t.destinationId, t.deliver); // the poller follows the open replies
    const [d] = await t.hub.services.store.sql<{ id: string }[]>`select id from deliveries where source_message_id = ${submitted.submissionId}`;
    const steps = await eventually(async () => {
      const events = await t.hub.services.store.sql<{ type: string; detail: Record<string, any> | null }[]>`
        select type, detail from events where delivery_id = ${d!.id} order by id`;
      const s = events.map((e) => (e.type === "status" ? `status:${e.detail?.status}` : e.type === "notified" ? `notified:${e.detail?.channel}` : e.type));
      return s.filter((x) => x === "reply-accepted").length === 2 ? s : undefined;
    }, "both replies accepted on the timeline");
    for (const step of ["mapped", "routed", "published", "status:received", "notification-queued", "status:decided"]) expect(steps).toContain(step);
    expect(steps.filter((s) => s === "notified:fitconnect-reply")).toHaveLength(2);
    const [n] = await t.hub.services.store.sql<{ n: number }[]>`
      select count(*)::int as n from fitconnect_replies where delivery_id = ${d!.id} and outcome = 'accepted' and submitted_at is not null`;
    expect(n!.n).toBe(2);
  });
});
