import { index, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/*
 * The OSCI adapter's own tables. They are created by the store's migrations
 * (gateway/store/migrations/0001_osci_dialogs.sql) like every other table; only their
 * declaration lives with the adapter that owns them.
 */

/**
 * OSCI explicit dialogs (InitDialog ... ExitDialog): the Challenge the client must answer next
 * and the SequenceNumber reached. In the store rather than in a process, so that a dialog may
 * continue on any instance and a replayed request fails on every one.
 */
export const osciDialogs = pgTable(
  "osci_dialogs",
  {
    conversationId: text("conversation_id").primaryKey(),
    /** sha256 of the verified signing certificate that opened the dialog. */
    signer: text("signer").notNull(),
    cipherCert: text("cipher_cert"),
    challenge: text("challenge").notNull(),
    sequence: integer("sequence").notNull(),
    touchedAt: timestamp("touched_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("osci_dialogs_touched_idx").on(t.touchedAt)],
);

/** Client Challenges already answered, per signer: a request carrying one again is a replay. */
export const osciChallenges = pgTable(
  "osci_challenges",
  {
    signer: text("signer").notNull(),
    challenge: text("challenge").notNull(),
    seenAt: timestamp("seen_at", { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.signer, t.challenge] }), index("osci_challenges_seen_idx").on(t.seenAt)],
);
