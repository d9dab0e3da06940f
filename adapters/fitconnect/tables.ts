import { index, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";

/**
 * The decision on each FIT-Connect submission (migration 0010_fitconnect). A row is written
 * once, after the submission's delivery is committed (accept) or its check failed (reject),
 * and holds the signed event as it will be sent; `sent_at` is set when the Submission API took
 * it. The primary key makes a second, different decision impossible; an unsent row is sent
 * again after a restart, the same token, so the platform sees one event.
 */
export const fitconnectDecisions = pgTable(
  "fitconnect_decisions",
  {
    submissionId: text("submission_id").primaryKey(),
    destinationId: text("destination_id").notNull(),
    caseId: text("case_id").notNull(),
    kind: text("kind", { enum: ["accept", "reject"] }).notNull(),
    jti: text("jti").notNull(),
    token: text("token").notNull(),
    deliveryId: uuid("delivery_id"),
    problems: jsonb("problems"),
    decidedAt: timestamp("decided_at", { withTimezone: true }).notNull(),
    sentAt: timestamp("sent_at", { withTimezone: true }),
  },
  (t) => [
    index("fitconnect_decisions_unsent_idx")
      .on(t.destinationId)
      .where(sql`${t.sentAt} is null`),
  ],
);
