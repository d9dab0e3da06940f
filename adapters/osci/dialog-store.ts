import { and, eq, gt, lt } from "drizzle-orm";
import type { OwnTables } from "../../gateway/index.ts";
import { osciChallenges, osciDialogs } from "./tables.ts";

/** One open explicit dialog: the Challenge its client must answer next and the SequenceNumber reached. */
export interface DialogRow {
  conversationId: string;
  /** sha256 of the verified signing certificate that opened the dialog. */
  signer: string;
  cipherCert: string | null;
  challenge: string;
  sequence: number;
  touchedAt: Date;
}

/** Which dialog a request claims to continue, and what it must match to do so. */
export interface DialogStep {
  conversationId: string;
  signer: string;
  /** The request's Response: must be the dialog's current Challenge. */
  response: string;
  /** The request's SequenceNumber: must follow the dialog's. */
  sequence: number;
  /** Dialogs not touched since are expired. */
  notBefore: Date;
}

/**
 * The state the OSCI adapter owns: open dialogs and the Challenges already answered. In
 * Postgres (`postgresDialogStore`), so that a dialog continues on any instance and a replayed
 * request fails on every one; tests may hold it in memory. Every method is one atomic step.
 */
export interface DialogStore {
  /** Records a signer's Challenge; false when the signer used it before. */
  remember(signer: string, challenge: string, at: Date): Promise<boolean>;
  open(dialog: DialogRow): Promise<void>;
  /**
   * Moves the matching dialog on to `next` (or ends it with "close"), in one statement so that
   * of two identical requests only one gets through. Undefined when no dialog matched.
   */
  step(s: DialogStep, next: { challenge: string; at: Date } | "close"): Promise<{ cipherCert: string | null } | undefined>;
  /** The dialog as it stands, to explain a refused step. */
  find(conversationId: string, signer: string, notBefore: Date): Promise<{ challenge: string; sequence: number } | undefined>;
  /** Forgets dialogs and Challenges older than `before`. */
  forget(before: Date): Promise<void>;
}

/** The dialog state in the store's `osci_dialogs` and `osci_challenges` tables. */
export function postgresDialogStore(db: OwnTables): DialogStore {
  const matching = (s: DialogStep) =>
    and(
      eq(osciDialogs.conversationId, s.conversationId),
      eq(osciDialogs.signer, s.signer),
      eq(osciDialogs.challenge, s.response),
      eq(osciDialogs.sequence, s.sequence - 1),
      gt(osciDialogs.touchedAt, s.notBefore),
    );
  return {
    async remember(signer, challenge, at) {
      const rows = await db.insert(osciChallenges).values({ signer, challenge, seenAt: at }).onConflictDoNothing().returning({ signer: osciChallenges.signer });
      return rows.length === 1;
    },
    async open(dialog) {
      await db.insert(osciDialogs).values(dialog);
    },
    async step(s, next) {
      const [row] =
        next === "close"
          ? await db.delete(osciDialogs).where(matching(s)).returning({ cipherCert: osciDialogs.cipherCert })
          : await db
              .update(osciDialogs)
              .set({ challenge: next.challenge, sequence: s.sequence, touchedAt: next.at })
              .where(matching(s))
              .returning({ cipherCert: osciDialogs.cipherCert });
      return row;
    },
    async find(conversationId, signer, notBefore) {
      const [d] = await db
        .select({ challenge: osciDialogs.challenge, sequence: osciDialogs.sequence })
        .from(osciDialogs)
        .where(and(eq(osciDialogs.conversationId, conversationId), eq(osciDialogs.signer, signer), gt(osciDialogs.touchedAt, notBefore)));
      return d;
    },
    async forget(before) {
      await db.delete(osciDialogs).where(lt(osciDialogs.touchedAt, before));
      await db.delete(osciChallenges).where(lt(osciChallenges.seenAt, before));
    },
  };
}
