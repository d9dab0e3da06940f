import { messageOf, type AdapterContext, type IntakeResult } from "../../gateway/index.ts";
import type { FitConnectClient, SubmissionRef } from "./client.ts";
import type { Destination } from "./config.ts";
import type { DecisionRow, Decisions } from "./decisions.ts";
import { trustedLog } from "./case-log.ts";
import { EVENT, signDecision, type Decision, type LoggedEvent } from "./events.ts";
import { problem, tooLargeProblem, type Problem } from "./problems.ts";
import { submittedTags } from "./tags.ts";
import { verifySubmission, type PartLimits, type VerifiedSubmission } from "./verify.ts";

/** `busy`: the gateway holds too large a backlog; the submission stays ready for pickup, undecided. */
export type PickupOutcome = "accepted" | "duplicate" | "rejected" | "decided-before" | "busy";

export interface PickupDeps {
  ctx: AdapterContext;
  dest: Destination;
  client: FitConnectClient;
  decisions: Decisions;
}

/**
 * Takes one submission from "ready for pickup" to accepted or rejected, exactly once:
 *
 * 1. A decision already stored (an earlier round, another instance) is only sent (again).
 * 2. The case's event log is read and its signatures verified; a verified accept or reject of
 *    ours there means the decision was made before (e.g. by a lost database) and is adopted.
 *    Unverifiable entries are ignored, never trusted.
 * 3. Otherwise the submission is fetched, its JWEs compared with the authentication tags of the
 *    platform's `submit-submission` event, decrypted and checked. A broken one is rejected with
 *    the problems found and nothing is delivered; a sound one goes through the normal intake,
 *    and only after its commit (or a duplicate: committed before) is the accept decided.
 *
 * The decision is stored before it is sent, so a crash between commit and accept leaves either
 * nothing (the submission is still ready for pickup, is fetched again, intake answers
 * `duplicate`, the accept follows) or an unsent decision that `sendPending` delivers later.
 */
export async function pickUp(deps: PickupDeps, ref: SubmissionRef): Promise<PickupOutcome> {
  const { ctx, dest, client, decisions } = deps;
  const stored = await decisions.find(ref.submissionId);
  if (stored) {
    if (!stored.sentAt) await resend(deps, stored);
    return "decided-before";
  }
  const log = await trustedLog(deps, ref.caseId);
  const earlier = ourDecision(log, dest, ref.submissionId);
  if (earlier) {
    await decisions.record({
      ...earlier,
      submissionId: ref.submissionId,
      destinationId: dest.config.id,
      caseId: ref.caseId,
      decidedAt: ctx.clock(),
      sentAt: ctx.clock(),
    });
    return "decided-before";
  }

  // Without the platform's record of what was submitted nothing fetched can be vouched for.
  const recorded = submittedTags(log, dest.config.id, ref.submissionId);
  if (!recorded) {
    const missing = problem("missing-authentication-tags", "submission", "the case log holds no verifiable submit-submission event with authentication tags");
    await decide(deps, ref, { kind: "reject", problems: [missing] });
    return "rejected";
  }
  const submission = await client.getSubmission(ref.submissionId);
  const checked = await verifySubmission(dest, client, submission, recorded, partLimits(ctx));
  if (!checked.ok) {
    await decide(deps, ref, { kind: "reject", problems: checked.problems });
    return "rejected";
  }
  if (checked.submission.byThumbprint.length > 0)
    ctx.log.warn(
      { destination: dest.config.id, submissionId: ref.submissionId, parts: checked.submission.byThumbprint },
      "FIT-Connect submission names the destination's key by its RFC 7638 thumbprint instead of its kid; decrypted with that key",
    );
  const result = await deliver(ctx, dest, ref, submission.serviceType, checked.submission);
  // Back-pressure is no verdict on the submission: neither accept nor reject, fetch it again later.
  if (result.kind === "busy") return "busy";
  if (result.kind !== "accepted" && result.kind !== "duplicate") {
    await decide(deps, ref, { kind: "reject", problems: [refusalProblem(result)] });
    return "rejected";
  }
  await decide(deps, ref, { kind: "accept", authenticationTags: checked.submission.tags }, result.receipt.deliveryId);
  return result.kind;
}

/** Sends the decisions stored but not yet taken by the Submission API (after a crash or an outage). */
export async function sendPending(deps: PickupDeps): Promise<number> {
  let sent = 0;
  for (const row of await deps.decisions.unsent(deps.dest.config.id)) {
    await resend(deps, row);
    sent++;
  }
  return sent;
}

/** Sends a stored decision again, unless the case log shows it arrived before a crash kept us from marking it. */
async function resend(deps: PickupDeps, row: DecisionRow): Promise<void> {
  const log = await trustedLog(deps, row.caseId);
  if (log.some((e) => e.jti === row.jti)) await deps.decisions.markSent(row.submissionId, deps.ctx.clock());
  else await send(deps, row);
}

async function decide(deps: PickupDeps, ref: SubmissionRef, decision: Decision, deliveryId?: string): Promise<void> {
  const { dest, ctx } = deps;
  const now = ctx.clock();
  const signed = await signDecision({
    destinationId: dest.config.id,
    submissionId: ref.submissionId,
    caseId: ref.caseId,
    decision,
    key: dest.signingKey,
    kid: dest.signingKid,
    now,
  });
  const row = await deps.decisions.record({
    submissionId: ref.submissionId,
    destinationId: dest.config.id,
    caseId: ref.caseId,
    kind: decision.kind,
    ...signed,
    ...(deliveryId ? { deliveryId } : {}),
    ...(decision.kind === "reject" ? { problems: decision.problems } : {}),
    decidedAt: now,
  });
  if (decision.kind === "reject")
    ctx.log.warn(
      { destination: dest.config.id, submissionId: ref.submissionId, problems: decision.problems.map((p) => `${p.instance}: ${p.type.split("/").pop()}`) },
      "FIT-Connect submission rejected",
    );
  if (!row.sentAt) await send(deps, row);
}

async function send(deps: PickupDeps, row: DecisionRow): Promise<void> {
  await deps.client.postEvent(row.caseId, row.token);
  await deps.decisions.markSent(row.submissionId, deps.ctx.clock());
}

function ourDecision(log: LoggedEvent[], dest: Destination, submissionId: string): Pick<DecisionRow, "kind" | "jti" | "token"> | undefined {
  const e = log.find((x) => x.iss === dest.config.id && x.sub === `submission:${submissionId}` && (x.type === EVENT.accept || x.type === EVENT.reject));
  if (!e) return undefined;
  return { kind: e.type === EVENT.accept ? "accept" : "reject", jti: e.jti, token: e.token };
}

function deliver(ctx: AdapterContext, dest: Destination, ref: SubmissionRef, serviceType: unknown, v: VerifiedSubmission): Promise<IntakeResult> {
  // Without data (attachments only) the metadata itself is the document.
  const doc = v.data ?? { bytes: v.metadataBytes, mimeType: "application/json", schemaUri: undefined };
  return ctx.gateway.intake({
    channel: "fitconnect",
    portalId: dest.config.portal,
    sourceMessageId: ref.submissionId,
    attachments: v.attachments.map((a) => ({ name: a.filename, contentType: a.mimeType, group: a.purpose, content: a.bytes })),
    document: async () => ({
      contentType: doc.mimeType,
      bytes: doc.bytes,
      sourceMessageId: ref.submissionId,
      format: "fitconnect-submission",
      metadata: { fitconnect: { submissionId: ref.submissionId, caseId: ref.caseId, destinationId: dest.config.id, serviceType, metadata: v.metadata } },
      recipient: dest.recipient,
    }),
  });
}

/** How far a part may inflate: the gateway's limits for one document, one attachment and a whole delivery. */
function partLimits(ctx: AdapterContext): PartLimits {
  const l = ctx.lookups.limits();
  return { document: Math.min(l.documentBytes, l.deliveryBytes), attachment: Math.min(l.attachmentBytes, l.deliveryBytes) };
}

function refusalProblem(r: Exclude<IntakeResult, { kind: "accepted" | "duplicate" | "busy" }>): Problem {
  switch (r.kind) {
    case "malformed":
      return problem("syntax-violation", "data", `the data cannot be parsed: ${r.detail}`);
    case "invalid":
      return problem("schema-violation", "data", r.problems.map((p) => `${p.path}: ${p.message}`).join("; "));
    case "too_large":
      return tooLargeProblem("data", r.limit, r.what);
    default: {
      const never: never = r;
      return problem("technical-error", "data", messageOf(never));
    }
  }
}
