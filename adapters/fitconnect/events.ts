import { randomUUID } from "node:crypto";
import { SignJWT, decodeJwt, decodeProtectedHeader, jwtVerify, type CryptoKey } from "jose";
import type { Problem as FitProblem } from "./problems.ts";

const EVENTS = "https://schema.fitko.de/fit-connect/events/";
export const EVENT = {
  submit: `${EVENTS}submit-submission`,
  accept: `${EVENTS}accept-submission`,
  reject: `${EVENTS}reject-submission`,
  /** The platform's record that a reply was submitted on a case. */
  submitReply: `${EVENTS}submit-reply`,
  /** The sender's answer to a reply: taken, or refused with problems. */
  acceptReply: `${EVENTS}accept-reply`,
  rejectReply: `${EVENTS}reject-reply`,
} as const;
const SET_SCHEMA = "https://schema.fitko.de/fit-connect/set-payload/1.0.0/set-payload.schema.json";

/** What the accept event pins: the authentication tags of the JWEs as they were received. */
export interface AuthenticationTags {
  metadata: string;
  data?: string;
  attachments: Record<string, string>;
}

export type Decision = { kind: "accept"; authenticationTags: AuthenticationTags } | { kind: "reject"; problems: FitProblem[] };

/**
 * Builds and signs the Security Event Token of a decision (RFC 8417 as FIT-Connect profiles it):
 * JWS with `typ: secevent+jwt`, PS512, `iss` = destination, `sub` = `submission:<id>`,
 * `txn` = `case:<caseId>`.
 */
export async function signDecision(args: {
  destinationId: string;
  submissionId: string;
  caseId: string;
  decision: Decision;
  key: CryptoKey;
  kid: string;
  now: Date;
}): Promise<{ jti: string; token: string }> {
  const jti = randomUUID();
  const body =
    args.decision.kind === "accept"
      ? { [EVENT.accept]: { authenticationTags: args.decision.authenticationTags } }
      : { [EVENT.reject]: { problems: args.decision.problems } };
  const token = await new SignJWT({ $schema: SET_SCHEMA, events: body, sub: `submission:${args.submissionId}`, txn: `case:${args.caseId}` })
    .setProtectedHeader({ alg: "PS512", typ: "secevent+jwt", kid: args.kid })
    .setJti(jti)
    .setIssuer(args.destinationId)
    .setIssuedAt(Math.floor(args.now.getTime() / 1000))
    .sign(args.key);
  return { jti, token };
}

export interface LoggedEvent {
  token: string;
  jti: string;
  iss: string;
  sub: string;
  txn: string | undefined;
  /** The event URI, e.g. …/events/accept-submission. */
  type: string;
  payload: Record<string, unknown>;
}

/** Finds the key an event was signed with: ours for our own events, the platform's for the rest. */
export type KeyFor = (iss: string, kid: string) => Promise<CryptoKey | undefined>;

/**
 * Verifies every SET of a case's event log. Only verified events are returned as trustworthy;
 * the others are listed with the reason, so that a forged or broken entry never decides a
 * status.
 */
export async function verifyEventLog(tokens: string[], keyFor: KeyFor): Promise<{ verified: LoggedEvent[]; unverified: { token: string; reason: string }[] }> {
  const verified: LoggedEvent[] = [];
  const unverified: { token: string; reason: string }[] = [];
  for (const token of tokens) {
    try {
      const header = decodeProtectedHeader(token);
      if (header.typ !== "secevent+jwt" || header.alg !== "PS512" || !header.kid) throw new Error(`header typ=${String(header.typ)} alg=${String(header.alg)}`);
      const claims = decodeJwt(token);
      const key = await keyFor(String(claims.iss ?? ""), header.kid);
      if (!key) throw new Error(`no key ${header.kid} for issuer ${String(claims.iss)}`);
      const { payload } = await jwtVerify(token, key, { typ: "secevent+jwt", algorithms: ["PS512"] });
      const events = payload.events as Record<string, unknown> | undefined;
      const type = events ? Object.keys(events)[0] : undefined;
      if (!payload.jti || !payload.iss || !payload.sub || !type) throw new Error("jti, iss, sub or events missing");
      verified.push({
        token,
        jti: payload.jti,
        iss: payload.iss,
        sub: payload.sub,
        txn: payload.txn as string | undefined,
        type,
        payload: payload as Record<string, unknown>,
      });
    } catch (err) {
      unverified.push({ token, reason: (err as Error).message });
    }
  }
  return { verified, unverified };
}
