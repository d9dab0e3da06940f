/**
 * The problems a subscriber names when it rejects a submission, as the FIT-Connect
 * documentation ("Einreichung überprüfen") defines them: `type` and `instance` are to be taken
 * over exactly, `title` as documented. `instance` is `submission`, `metadata`,
 * `data` or `attachment:<attachmentId>`.
 */
export interface Problem {
  type: string;
  title: string;
  detail: string;
  instance: string;
}

const BASE = "https://schema.fitko.de/fit-connect/events/problems/";

const TITLES = {
  "encryption-issue": "Entschlüsselungs-Fehler",
  "syntax-violation": "Syntax-Fehler",
  "missing-schema": "Schema-Referenz fehlt",
  "unsupported-schema": "Metadatenschema nicht unterstützt",
  "schema-violation": "Schema-Verletzung",
  "hash-mismatch": "Prüfsumme stimmt nicht",
  "missing-attachment": "Anlage fehlt",
  "missing-authentication-tags": "Authentication-Tags fehlen",
  "incorrect-authentication-tag": "Authentication-Tag ungültig",
  "technical-error": "Technischer Fehler",
} as const;

export type ProblemKind = keyof typeof TITLES;

export function problem(kind: ProblemKind, instance: string, detail: string): Problem {
  return { type: `${BASE}${kind}`, title: TITLES[kind], detail, instance };
}

/** The receiving system's size limit refuses a part (`what`: document, attachment, delivery, attachments). */
export function tooLargeProblem(instance: string, limit: number, what: string): Problem {
  return problem("technical-error", instance, `the receiving system takes at most ${limit} (${what})`);
}
