import type { AdapterContext } from "../../gateway/index.ts";
import type { FitConnectClient } from "./client.ts";
import type { Destination } from "./config.ts";
import { verifyEventLog, type LoggedEvent } from "./events.ts";

/**
 * The verified events of a case; the others are logged and left out. Our own events are
 * checked with the destination's signing key, all others with the keys the platform publishes
 * (its JWKS, looked up by kid).
 */
export async function trustedLog(deps: { ctx: AdapterContext; dest: Destination; client: FitConnectClient }, caseId: string): Promise<LoggedEvent[]> {
  const { dest, client, ctx } = deps;
  const tokens = await client.eventLog(caseId);
  const { verified, unverified } = await verifyEventLog(tokens, async (iss, kid) =>
    iss === dest.config.id ? (kid === dest.signingKid ? dest.verifyKey : undefined) : client.platformKey(kid),
  );
  if (unverified.length > 0)
    ctx.log.warn(
      { destination: dest.config.id, caseId, unverified: unverified.map((u) => u.reason) },
      "FIT-Connect event log holds events whose signature does not verify; ignored",
    );
  return verified;
}
