import { and, asc, eq, gt, isNotNull, isNull } from "drizzle-orm";
import type { OwnTables } from "../../gateway/index.ts";
import { fitconnectReplies } from "./tables.ts";

export type ReplyRow = typeof fitconnectReplies.$inferSelect;

/** The reply table (tables.ts) through the statements the way back and the tracker need. */
export function replies(db: OwnTables) {
  const find = async (messageId: string): Promise<ReplyRow | undefined> =>
    (await db.select().from(fitconnectReplies).where(eq(fitconnectReplies.messageId, messageId)))[0];
  return {
    find,
    /** Records the reply the Submission API created for a notification; the first one recorded stays. */
    async created(r: Pick<ReplyRow, "messageId" | "deliveryId" | "destinationId" | "caseId" | "replyId" | "attachmentIds" | "createdAt">): Promise<ReplyRow> {
      await db.insert(fitconnectReplies).values(r).onConflictDoNothing({ target: fitconnectReplies.messageId });
      return (await find(r.messageId))!;
    },
    async submitted(messageId: string, at: Date): Promise<void> {
      await db
        .update(fitconnectReplies)
        .set({ submittedAt: at })
        .where(and(eq(fitconnectReplies.messageId, messageId), isNull(fitconnectReplies.submittedAt)));
    },
    /** Records the sender's answer to a reply; false when one was recorded before (by another round or instance). */
    async decided(messageId: string, d: { outcome: "accepted" | "rejected"; jti: string; problems: unknown; at: Date }): Promise<boolean> {
      const won = await db
        .update(fitconnectReplies)
        .set({ outcome: d.outcome, outcomeJti: d.jti, problems: d.problems, decidedAt: d.at })
        .where(and(eq(fitconnectReplies.messageId, messageId), isNull(fitconnectReplies.outcome)))
        .returning({ messageId: fitconnectReplies.messageId });
      return won.length > 0;
    },
    /** Replies of a destination submitted since `since` whose sender has not answered yet, oldest first. */
    async open(destinationId: string, since: Date, limit = 100): Promise<ReplyRow[]> {
      return db
        .select()
        .from(fitconnectReplies)
        .where(
          and(
            eq(fitconnectReplies.destinationId, destinationId),
            gt(fitconnectReplies.submittedAt, since),
            isNotNull(fitconnectReplies.submittedAt),
            isNull(fitconnectReplies.outcome),
          ),
        )
        .orderBy(asc(fitconnectReplies.submittedAt))
        .limit(limit);
    },
  };
}

export type Replies = ReturnType<typeof replies>;
