import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PortalNotification } from "../../gateway/index.ts";
import { adapterPort } from "../../gateway/port/port.ts";
import { createClient } from "./client.ts";
import { prepareFitConnect } from "./config.ts";
import { rsaJwk } from "./fixtures/fit-connect-server.ts";
import { answerReply, receiveReply, signReplyAnswer } from "./fixtures/sender.ts";
import { fitConnectTestbed, until, type Testbed } from "./fixtures/testbed.ts";
import { chooseReply, REPLY_CHANNEL, sendReply, type DestinationLookup } from "./way-back.ts";
import { portalNotification } from "../../test/support/notifications.ts";

const ACCEPT = "https://schema.fitko.de/fit-connect/events/accept-submission";
const bescheid = Buffer.from("%PDF-1.7\n% Bescheid über die Gewerbeanmeldung\n%%EOF\n");

/**
 * The FIT-Connect reply sender against the local Submission API: the online service (node-jose)
 * reads and decrypts what ozg-hub sent with its own reply key, and answers it with signed events.
 */
describe("FIT-Connect replies", () => {
  let t: Testbed;
  let lookup: DestinationLookup;
  const replyKeys = rsaJwk("encryption");
  const senderSigning = rsaJwk("signature");
  // Made up front: generating a 4096-bit key blocks the event loop long enough to break kept-alive sockets.
  const forger = rsaJwk("signature");
  const fitConnectChannel = { fitConnect: { encryptionPublicKey: replyKeys.publicJwk, processStandards: ["urn:xoev-de:xdomea:schema:3.0.0"] } };

  /** An application in by FIT-Connect, accepted; its delivery as the notification sender sees it. */
  async function accepted(replyChannel: Record<string, unknown> = fitConnectChannel) {
    const s = await t.submit({
      metadata: { publicServiceType: { name: "Gewerbeanmeldung", identifier: "urn:de:fim:leika:leistung:99050012104000" }, replyChannel },
    });
    await t.server.notify(t.destinationId, t.deliver);
    expect(Object.keys((await t.decisionOf(s.submissionId)).payload.events)).toEqual([ACCEPT]);
    const [message] = await t.hub.broker.drain(t.hub.queue("kiel", "dms"), { atLeast: 1 });
    const app = (message!.body as { data: { id: string } }).data;
    const [row] = await t.hub.services.store.sql<{ id: string; reference: string; metadata: Record<string, unknown> }[]>`
      select id, reference, metadata from deliveries where source_message_id = ${s.submissionId}`;
    const delivery = { channel: "fitconnect", sourceMessageId: s.submissionId, metadata: row!.metadata };
    return { s, applicationId: app.id, deliveryId: row!.id, reference: row!.reference, delivery };
  }

  const notification = (a: Awaited<ReturnType<typeof accepted>>, data: Record<string, unknown>): PortalNotification =>
    portalNotification({
      portalId: "fitconnect",
      channel: REPLY_CHANNEL,
      delivery: a.delivery,
      deliveryId: a.deliveryId,
      data: { deliveryId: a.deliveryId, reference: a.reference, sourceId: a.s.submissionId, applicationId: a.applicationId, ...data },
    });

  const decided = (a: Awaited<ReturnType<typeof accepted>>) =>
    notification(a, {
      status: "decided",
      caseReference: "AZ-32-2026-0815",
      message: "Ihre Gewerbeanmeldung ist eingetragen.",
      document: {
        name: "bescheid.pdf",
        contentType: "application/pdf",
        size: bescheid.byteLength,
        sha256: createHash("sha256").update(bescheid).digest("hex"),
        content: bescheid.toString("base64"),
      },
    });

  const timeline = async (deliveryId: string) =>
    t.hub.services.store.sql<
      { type: string; detail: Record<string, any> }[]
    >`select type, detail from events where delivery_id = ${deliveryId} order by at, id`;

  beforeAll(async () => {
    t = await fitConnectTestbed();
    t.server.addSenderKey(t.sender.id, senderSigning.publicJwk);
    const prepared = await prepareFitConnect(t.hub.services.runtime().config);
    if (!prepared.ok) throw new Error(JSON.stringify(prepared.problems));
    const dest = prepared.settings[0]!;
    const c = dest.config;
    const client = createClient({
      apiUrl: c.apiUrl,
      tokenUrl: c.tokenUrl,
      clientId: c.clientId,
      clientSecret: dest.clientSecret,
      destinationId: c.id,
      clock: () => new Date(),
    });
    lookup = (id) => (id === dest.config.id ? { dest, client } : undefined);
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  it("chooses a reply only when the sender asked for the FIT-Connect reply channel with a usable key", async () => {
    const a = await accepted();
    expect(chooseReply(undefined, a.delivery)).toEqual({ channel: REPLY_CHANNEL, state: "pending" });
    const withMail = await accepted({ eMail: { address: "joern.soerensen@example.org" } });
    expect(chooseReply(undefined, withMail.delivery)).toEqual({
      channel: "parked",
      state: "parked",
      reason: "the sender chose no FIT-Connect reply channel (replyChannel: eMail)",
    });
    const small = rsaJwk("encryption", 2048).publicJwk;
    const fc = structuredClone(a.delivery.metadata) as { fitconnect: { metadata: { replyChannel: { fitConnect: { encryptionPublicKey: unknown } } } } };
    fc.fitconnect.metadata.replyChannel.fitConnect.encryptionPublicKey = small;
    expect(chooseReply(undefined, { ...a.delivery, metadata: fc })).toMatchObject({
      state: "parked",
      reason: "the reply key has 2048 bit, FIT-Connect requires at least 4096",
    });
    expect(chooseReply(undefined, { channel: "fitconnect", sourceMessageId: null, metadata: {} })).toMatchObject({ state: "parked" });
  });

  it("sends a decided status with its Bescheid as a reply on the case, readable only with the sender's reply key", async () => {
    const a = await accepted();
    const n = decided(a);
    const detail = await sendReply(adapterPort(t.hub.services), lookup, n);
    expect(detail).toMatchObject({ caseId: a.s.caseId, destinationId: t.destinationId, attachments: 1 });

    const reply = await receiveReply(`${t.server.url}/v1`, await t.senderToken(), String(detail.replyId), replyKeys.privateJwk);
    expect(reply.caseId).toBe(a.s.caseId);
    expect(reply.hashMismatches).toEqual([]);
    for (const h of [...reply.headers, ...reply.attachments.map((x) => x.header)])
      expect(h).toMatchObject({ alg: "RSA-OAEP-256", enc: "A256GCM", kid: replyKeys.publicJwk.kid });
    expect(reply.attachments).toHaveLength(1);
    expect(reply.attachments[0]!.bytes.equals(bescheid)).toBe(true);
    const data = JSON.parse(reply.data.toString("utf8"));
    const { content: _content, ...described } = (n.payload.data as { document: Record<string, unknown> }).document;
    expect(data).toEqual({
      ...n.payload,
      data: { ...(n.payload.data as object), document: { ...described, attachmentId: reply.attachments[0]!.attachmentId } },
    });
    expect(reply.metadata).toMatchObject({
      $schema: "https://schema.fitko.de/fit-connect/metadata/2.1.0/metadata.schema.json",
      publicServiceType: { identifier: "urn:de:fim:leika:leistung:99050012104000" },
      additionalReferenceInfo: { senderReference: "AZ-32-2026-0815" },
      contentStructure: { attachments: [{ filename: "bescheid.pdf", mimeType: "application/pdf", purpose: "attachment" }] },
    });
    // Another key cannot open it.
    await expect(receiveReply(`${t.server.url}/v1`, await t.senderToken(), String(detail.replyId), t.stranger.privateJwk)).rejects.toThrow();

    // A repeated attempt (the dispatcher retries after a lost answer) sends nothing new.
    expect(await sendReply(adapterPort(t.hub.services), lookup, n)).toEqual(detail);
    expect([...t.server.replies.values()].filter((r) => r.caseId === a.s.caseId)).toHaveLength(1);
  });

  it("continues the same reply after a failed attempt, and records the sender's accept on the timeline", async () => {
    const a = await accepted();
    const n = decided(a);
    const ctx = adapterPort(t.hub.services);
    // An attempt the dispatcher's timeout aborted: nothing reached the platform.
    await expect(sendReply(ctx, lookup, { ...n, signal: AbortSignal.abort() })).rejects.toThrow(/create reply/);
    expect([...t.server.replies.values()].filter((r) => r.caseId === a.s.caseId)).toEqual([]);
    t.server.replySubmitDown = true;
    try {
      await expect(sendReply(ctx, lookup, n)).rejects.toThrow(/submit reply: HTTP 503/);
    } finally {
      t.server.replySubmitDown = false;
    }
    const detail = await sendReply(ctx, lookup, { ...n, attempt: 2 });
    const onCase = [...t.server.replies.values()].filter((r) => r.caseId === a.s.caseId);
    expect(onCase.map((r) => [r.replyId, r.status])).toEqual([[detail.replyId, "submitted"]]);

    await answerReply(`${t.server.url}/v1`, await t.senderToken(), {
      clientId: t.sender.id,
      caseId: a.s.caseId,
      replyId: String(detail.replyId),
      signingKey: senderSigning.privateJwk,
    });
    await t.server.notify(t.destinationId, t.deliver); // wakes the poller, which follows open replies
    const event = await until("reply-accepted on the timeline", async () => (await timeline(a.deliveryId)).find((e) => e.type === "reply-accepted"));
    expect(event.detail).toMatchObject({ messageId: n.messageId, channel: REPLY_CHANNEL, replyId: detail.replyId, caseId: a.s.caseId });
    const [row] = await t.hub.services.store.sql`select outcome, submitted_at from fitconnect_replies where message_id = ${n.messageId}`;
    expect(row).toMatchObject({ outcome: "accepted" });
    expect(row!.submitted_at).not.toBeNull();
  });

  it("records a sender's reject with its problems, and ignores an answer whose signature does not verify", async () => {
    const a = await accepted();
    const n = notification(a, { status: "needs-information", question: "Bitte reichen Sie die Handwerkskarte nach." });
    const detail = await sendReply(adapterPort(t.hub.services), lookup, n);
    expect(detail).toMatchObject({ attachments: 0 });
    const token = await t.senderToken();
    // Signed with a key nobody registered (kid of the sender's key): the platform refuses it, and
    // put into the log all the same, ozg-hub does not take it for the sender's answer.
    const forged = {
      clientId: t.sender.id,
      caseId: a.s.caseId,
      replyId: String(detail.replyId),
      signingKey: { ...forger.privateJwk, kid: senderSigning.publicJwk.kid },
    };
    await expect(answerReply(`${t.server.url}/v1`, token, forged)).rejects.toThrow(/signature/);
    t.server.inject(a.s.caseId, await signReplyAnswer(forged));
    await t.server.notify(t.destinationId, t.deliver);
    await until("the forged answer seen and ignored", () => t.hub.logs.some((l) => l.includes("does not verify") && l.includes(a.s.caseId)) || undefined);
    expect((await timeline(a.deliveryId)).filter((e) => e.type.startsWith("reply-"))).toEqual([]);
    const problems = [
      { type: "https://schema.fitko.de/fit-connect/events/problems/schema-violation", title: "Schema-Verletzung", detail: "unbekannt", instance: "data" },
    ];
    await answerReply(`${t.server.url}/v1`, token, {
      clientId: t.sender.id,
      caseId: a.s.caseId,
      replyId: String(detail.replyId),
      signingKey: senderSigning.privateJwk,
      problems,
    });
    await t.server.notify(t.destinationId, t.deliver);
    const event = await until("reply-rejected on the timeline", async () => (await timeline(a.deliveryId)).find((e) => e.type === "reply-rejected"));
    expect(event.detail).toMatchObject({ replyId: detail.replyId, problems });
    await t.server.notify(t.destinationId, t.deliver);
    await new Promise((r) => setTimeout(r, 500));
    expect((await timeline(a.deliveryId)).filter((e) => e.type.startsWith("reply-"))).toHaveLength(1);

    // Retention deleting the delivery takes its replies along.
    const sql = t.hub.services.store.sql;
    await sql`delete from deliveries where id = ${a.deliveryId}`;
    expect(await sql`select 1 from fitconnect_replies where delivery_id = ${a.deliveryId}`).toHaveLength(0);
  });
});
