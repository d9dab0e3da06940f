import { timingSafeEqual } from "node:crypto";
import { authenticationTag } from "./crypto.ts";
import { EVENT, type AuthenticationTags, type LoggedEvent } from "./events.ts";

/**
 * The authentication tags the platform recorded when the sender submitted: its signed
 * `submit-submission` event in the case log names the JWE authentication tag of the metadata,
 * the data and every attachment as uploaded. Comparing them with the JWEs fetched catches a
 * part exchanged on the way even when the replacement is well encrypted and carries the hash
 * the metadata declares. Only verified events of another issuer than the destination count.
 */
export function submittedTags(log: LoggedEvent[], destinationId: string, submissionId: string): AuthenticationTags | undefined {
  const e = log.find((x) => x.type === EVENT.submit && x.iss !== destinationId && x.sub === `submission:${submissionId}`);
  const body = (e?.payload.events as Record<string, { authenticationTags?: unknown }> | undefined)?.[EVENT.submit];
  const tags = body?.authenticationTags as Partial<AuthenticationTags> | undefined;
  if (!tags || typeof tags.metadata !== "string") return undefined;
  const attachments: Record<string, string> = {};
  for (const [id, tag] of Object.entries(tags.attachments ?? {})) if (typeof tag === "string") attachments[id] = tag;
  return { metadata: tags.metadata, ...(typeof tags.data === "string" ? { data: tags.data } : {}), attachments };
}

/** Whether a fetched JWE carries the tag recorded for it (constant time; a missing record never matches). */
export function tagMatches(jwe: string, recorded: string | undefined): boolean {
  if (recorded === undefined) return false;
  const a = Buffer.from(authenticationTag(jwe), "utf8");
  const b = Buffer.from(recorded, "utf8");
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}
