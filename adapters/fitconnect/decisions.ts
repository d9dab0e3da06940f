import { and, asc, eq, isNull } from "drizzle-orm";
import type { OwnTables } from "../../gateway/index.ts";
import type { Problem } from "./problems.ts";
import { fitconnectDecisions } from "./tables.ts";

export interface DecisionRow {
  submissionId: string;
  destinationId: string;
  caseId: string;
  kind: "accept" | "reject";
  jti: string;
  token: string;
  /** When the Submission API took the event; null while pending. */
  sentAt: Date | null;
}

const columns = {
  submissionId: fitconnectDecisions.submissionId,
  destinationId: fitconnectDecisions.destinationId,
  caseId: fitconnectDecisions.caseId,
  kind: fitconnectDecisions.kind,
  jti: fitconnectDecisions.jti,
  token: fitconnectDecisions.token,
  sentAt: fitconnectDecisions.sentAt,
};

/**
 * The decision table (tables.ts) through the only statements the adapter needs. `record`
 * keeps the first decision for a submission: a second, concurrent one is dropped and the row
 * that won is returned, so the caller always sends what is stored.
 */
export function decisions(db: OwnTables) {
  const find = async (submissionId: string): Promise<DecisionRow | undefined> =>
    (await db.select(columns).from(fitconnectDecisions).where(eq(fitconnectDecisions.submissionId, submissionId)))[0];
  return {
    find,
    async record(d: Omit<DecisionRow, "sentAt"> & { deliveryId?: string; problems?: Problem[]; decidedAt: Date; sentAt?: Date }): Promise<DecisionRow> {
      await db
        .insert(fitconnectDecisions)
        .values({ ...d, deliveryId: d.deliveryId ?? null, problems: d.problems ?? null, sentAt: d.sentAt ?? null })
        .onConflictDoNothing({ target: fitconnectDecisions.submissionId });
      return (await find(d.submissionId))!;
    },
    async markSent(submissionId: string, at: Date): Promise<void> {
      await db
        .update(fitconnectDecisions)
        .set({ sentAt: at })
        .where(and(eq(fitconnectDecisions.submissionId, submissionId), isNull(fitconnectDecisions.sentAt)));
    },
    async unsent(destinationId: string, limit = 100): Promise<DecisionRow[]> {
      return db
        .select(columns)
        .from(fitconnectDecisions)
        .where(and(eq(fitconnectDecisions.destinationId, destinationId), isNull(fitconnectDecisions.sentAt)))
        .orderBy(asc(fitconnectDecisions.decidedAt))
        .limit(limit);
    },
  };
}

export type Decisions = ReturnType<typeof decisions>;
