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

/**
 * The FIT-Connect replies sent on a case (migration 0014_fitconnect_replies), one per status
 * notification (`message_id`, stable across attempts). The reply id is stored as soon as the
 * Submission API hands it out, so a retried attempt completes the same reply instead of
 * starting another; `submitted_at` is set when the reply was submitted, `outcome` when the
 * sender's verified `accept-reply` or `reject-reply` is seen in the case log. The migration
 * adds the foreign key to `deliveries` (on delete cascade: retention takes the replies along);
 * it is not declared here so that adapter code stays free of the core's store schema.
 */
export const fitconnectReplies = pgTable(
  "fitconnect_replies",
  {
    messageId: text("message_id").primaryKey(),
    deliveryId: uuid("delivery_id").notNull(),
    destinationId: text("destination_id").notNull(),
    caseId: text("case_id").notNull(),
    replyId: text("reply_id"),
    attachmentIds: jsonb("attachment_ids").$type<string[]>().notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    submittedAt: timestamp("submitted_at", { withTimezone: true }),
    outcome: text("outcome", { enum: ["accepted", "rejected"] }),
    outcomeJti: text("outcome_jti"),
    problems: jsonb("problems"),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
  },
  (t) => [
    index("fitconnect_replies_open_idx")
      .on(t.destinationId)
      .where(sql`${t.submittedAt} is not null and ${t.outcome} is null`),
  ],
);
