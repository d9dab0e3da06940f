import { isOutage, messageOf, type AdapterContext, type PortalConfig, type PortalNotification, type WayBack, type WayBackChoice } from "../../gateway/index.ts";
import { trustedLog } from "./case-log.ts";
import type { FitConnectClient } from "./client.ts";
import type { Destination } from "./config.ts";
import { EVENT } from "./events.ts";
import { replies, type ReplyRow } from "./replies.ts";
import { encryptFor, replyContent, replyKey, submissionRecord } from "./reply.ts";

/** How long a submitted reply is followed for the sender's answer; a sender silent for longer is no longer asked after. */
const FOLLOW_REPLIES_MS = 30 * 24 * 3600 * 1000;

/** The notification channel of FIT-Connect replies. */
export const REPLY_CHANNEL = "fitconnect-reply";

/** A destination the adapter runs now, with its API client. */
export type DestinationLookup = (destinationId: string) => { dest: Destination; client: FitConnectClient } | undefined;

/**
 * The way back for applications that came in by FIT-Connect: a reply on the case, sent by the
 * push channel `fitconnect-reply` through the destination the submission came to.
 */
export function fitConnectWayBack(ctx: AdapterContext, lookup: DestinationLookup): WayBack {
  return { choose: chooseReply, senders: { [REPLY_CHANNEL]: (n) => sendReply(ctx, lookup, n) } };
}

/**
 * Chooses the way back for a status on an application that came by FIT-Connect: a reply on the
 * same case when the sender asked for the FIT-Connect reply channel with a usable key, else
 * parked with the reason (the console shows it). No I/O.
 */
export function chooseReply(_portal: PortalConfig | undefined, delivery: PortalNotification["delivery"]): WayBackChoice {
  const submission = submissionRecord(delivery.metadata);
  if (!submission) return { channel: "parked", state: "parked", reason: "the delivery carries no FIT-Connect case" };
  const key = replyKey(submission.metadata);
  return key.ok ? { channel: REPLY_CHANNEL, state: "pending" } : { channel: "parked", state: "parked", reason: key.reason };
}

/**
 * Sends one status as a FIT-Connect reply on the application's case, through the destination
 * the submission came to: create the reply (its id is stored at once), upload the Bescheid and
 * then data and metadata, each encrypted for the sender's reply key, and submit. A later attempt
 * continues the stored reply; one whose submission the platform already recorded (its verified
 * `submit-reply` event) is only marked. Throws on anything that keeps the reply from the
 * platform, so the dispatcher tries again; the dispatcher's timeout aborts the calls under way.
 */
export async function sendReply(ctx: AdapterContext, lookup: DestinationLookup, n: PortalNotification): Promise<Record<string, unknown>> {
  const submission = submissionRecord(n.delivery.metadata);
  if (!submission) throw new Error("the delivery carries no FIT-Connect case");
  const key = replyKey(submission.metadata);
  if (!key.ok) throw new Error(key.reason);
  const running = lookup(submission.destinationId);
  if (!running) throw new Error(`FIT-Connect destination ${submission.destinationId} is not configured here`);
  const { dest, client } = running;
  const store = replies(ctx.tables);
  const detail = (r: ReplyRow) => ({ replyId: r.replyId, caseId: r.caseId, destinationId: r.destinationId, attachments: r.attachmentIds.length });

  let row = await store.find(n.messageId);
  if (row?.submittedAt) return detail(row);
  if (row?.replyId && (await submittedBefore(ctx, dest, client, row))) {
    await store.submitted(n.messageId, ctx.clock());
    return detail(row);
  }
  let content = replyContent(n.payload, submission, row?.attachmentIds);
  if (!row) {
    const ids = content.attachments.map((a) => a.attachmentId);
    const { replyId } = await client.createReply(submission.caseId, ids, n.signal);
    row = await store.created({
      messageId: n.messageId,
      deliveryId: n.deliveryId,
      destinationId: dest.config.id,
      caseId: submission.caseId,
      replyId,
      attachmentIds: ids,
      createdAt: ctx.clock(),
    });
    // A concurrent attempt stored its reply first: continue that one, with its attachment ids.
    if (row.replyId !== replyId) content = replyContent(n.payload, submission, row.attachmentIds);
  }
  const replyId = row.replyId!;
  for (const a of content.attachments) await client.uploadReplyAttachment(replyId, a.attachmentId, await encryptFor(key.jwk, a.bytes), n.signal);
  const parts = { encryptedMetadata: await encryptFor(key.jwk, content.metadata), encryptedData: await encryptFor(key.jwk, content.data) };
  await client.submitReply(replyId, parts, n.signal);
  await store.submitted(n.messageId, ctx.clock());
  ctx.log.info({ destination: dest.config.id, caseId: row.caseId, replyId, deliveryId: n.deliveryId }, "FIT-Connect reply submitted");
  return detail(row);
}

async function submittedBefore(ctx: AdapterContext, dest: Destination, client: FitConnectClient, row: ReplyRow): Promise<boolean> {
  const log = await trustedLog({ ctx, dest, client }, row.caseId);
  return log.some((e) => e.type === EVENT.submitReply && e.iss !== dest.config.id && e.sub === `reply:${row.replyId}`);
}

/**
 * Follows the destination's submitted replies to the sender's answer: a verified `accept-reply`
 * or `reject-reply` for the reply in its case log is stored once and put on the delivery's
 * timeline (`reply-accepted`, `reply-rejected` with the sender's problems). Events that do not
 * verify are ignored (and logged by `trustedLog`). Replies are followed for 30 days after their
 * submission. Returns how many answers were recorded.
 */
export async function trackReplies(ctx: AdapterContext, dest: Destination, client: FitConnectClient): Promise<number> {
  const store = replies(ctx.tables);
  let recorded = 0;
  const since = new Date(ctx.clock().getTime() - FOLLOW_REPLIES_MS);
  for (const row of await store.open(dest.config.id, since)) {
    let log: Awaited<ReturnType<typeof trustedLog>>;
    try {
      log = await trustedLog({ ctx, dest, client }, row.caseId);
    } catch (err) {
      // An outage ends the round; a case the platform will not show is this reply's alone.
      if (isOutage(err)) throw err;
      ctx.log.warn({ destination: dest.config.id, caseId: row.caseId, replyId: row.replyId, err: messageOf(err) }, "FIT-Connect case log not readable");
      continue;
    }
    const answer = log.find(
      (e) => (e.type === EVENT.acceptReply || e.type === EVENT.rejectReply) && e.iss !== dest.config.id && e.sub === `reply:${row.replyId}`,
    );
    if (!answer) continue;
    const outcome = answer.type === EVENT.acceptReply ? "accepted" : "rejected";
    const body = (answer.payload.events as Record<string, { problems?: unknown }>)[answer.type];
    const problems = outcome === "rejected" ? (body?.problems ?? []) : null;
    const at = ctx.clock();
    // The answer and its timeline entry commit together; a second round or instance finds it recorded.
    await ctx.transaction(async (tx) => {
      if (!(await replies(tx.tables).decided(row.messageId, { outcome, jti: answer.jti, problems, at }))) return;
      const detail = { messageId: row.messageId, channel: REPLY_CHANNEL, replyId: row.replyId, caseId: row.caseId, ...(problems ? { problems } : {}) };
      await tx.timeline.record(row.deliveryId, at, `reply-${outcome}`, detail);
      recorded++;
    });
    if (outcome === "rejected")
      ctx.log.warn({ destination: dest.config.id, caseId: row.caseId, replyId: row.replyId, problems }, "FIT-Connect reply rejected by the sender");
  }
  return recorded;
}
