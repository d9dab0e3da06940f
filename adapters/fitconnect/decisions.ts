import type { Sql } from "postgres";
import type { Problem } from "./problems.ts";

export interface DecisionRow {
  submissionId: string;
  destinationId: string;
  caseId: string;
  kind: "accept" | "reject";
  jti: string;
  token: string;
  /** When the Submission API took the event (as the store returns it); null while pending. */
  sentAt: string | Date | null;
}

/**
 * The decision table (see tables.ts) through the only statements the adapter needs. `record`
 * keeps the first decision for a submission: a second, concurrent one is dropped and the row
 * that won is returned, so the caller always sends what is stored. Timestamps and JSON go in
 * as strings: the store's client hands Date and JSON parameters through unserialised (drizzle's
 * setting).
 */
export function decisions(sql: Sql) {
  const cols = sql`submission_id as "submissionId", destination_id as "destinationId", case_id as "caseId", kind, jti, token, sent_at as "sentAt"`;
  return {
    async find(submissionId: string): Promise<DecisionRow | undefined> {
      const [row] = await sql<DecisionRow[]>`select ${cols} from fitconnect_decisions where submission_id = ${submissionId}`;
      return row;
    },
    async record(
      d: Omit<DecisionRow, "sentAt"> & { deliveryId?: string; problems?: Problem[]; decidedAt: Date; sentAt?: Date },
    ): Promise<DecisionRow> {
      await sql`
        insert into fitconnect_decisions (submission_id, destination_id, case_id, kind, jti, token, delivery_id, problems, decided_at, sent_at)
        values (${d.submissionId}, ${d.destinationId}, ${d.caseId}, ${d.kind}, ${d.jti}, ${d.token}, ${d.deliveryId ?? null},
                ${d.problems ? JSON.stringify(d.problems) : null}::jsonb, ${d.decidedAt.toISOString()}, ${d.sentAt?.toISOString() ?? null})
        on conflict (submission_id) do nothing`;
      const [row] = await sql<DecisionRow[]>`select ${cols} from fitconnect_decisions where submission_id = ${d.submissionId}`;
      return row!;
    },
    async markSent(submissionId: string, at: Date): Promise<void> {
      await sql`update fitconnect_decisions set sent_at = ${at.toISOString()} where submission_id = ${submissionId} and sent_at is null`;
    },
    async unsent(destinationId: string, limit = 100): Promise<DecisionRow[]> {
      return sql<DecisionRow[]>`select ${cols} from fitconnect_decisions where destination_id = ${destinationId} and sent_at is null order by decided_at limit ${limit}`;
    },
  };
}

export type Decisions = ReturnType<typeof decisions>;
