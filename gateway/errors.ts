/**
 * The one error type for outages (database down, broker gone, confirm timed out). Expected
 * outcomes of intake are values (`IntakeResult`), never exceptions; this type is for the rest.
 * `retryable` tells the relay and consumers whether to try again or to dead-letter.
 */
export class OutageError extends Error {
  override readonly name = "OutageError";
  readonly retryable: boolean;
  readonly context: Record<string, unknown>;

  constructor(message: string, opts: { retryable: boolean; context?: Record<string, unknown>; cause?: unknown }) {
    super(message, { cause: opts.cause });
    this.retryable = opts.retryable;
    this.context = opts.context ?? {};
  }
}

/** Message of an unknown thrown value, for logs and error columns. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Error codes of postgres.js and of Node's sockets that mean "the database cannot be reached". */
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
]);

/**
 * SQLSTATE 25006 (read_only_sql_transaction): the connection reached a standby, e.g. the old
 * primary after a failover or a standby listed first in the URL. An outage until the primary is
 * found again, not a bug.
 */
const READ_ONLY = "25006";

/** Codes that prove the statement never ran: the connection was never made, or Postgres refused the write. */
const NOT_RUN = new Set(["ECONNREFUSED", "CONNECT_TIMEOUT", "ENOTFOUND", READ_ONLY]);

function codesOf(err: unknown): string[] {
  const codes: string[] = [];
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
  }
  return codes;
}

/**
 * Whether `err` is an outage (a service ozg-hub depends on is away) rather than a bug: an
 * `OutageError`, a connection failure, a Postgres error of class 08 (connection exception)
 * or 57P (operator intervention, e.g. the server shutting down), or a write refused by a
 * read-only standby (25006). Adapters answer outages with their protocol's "try again later"
 * (e.g. REST 503).
 */
export function isOutage(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof OutageError) return true;
  }
  return codesOf(err).some((code) => UNREACHABLE.has(code) || code === READ_ONLY || code.startsWith("08") || code.startsWith("57P"));
}

/**
 * What a sender is told about an outage: "nothing was stored" only where that is certain (no
 * connection was made, or the standby refused the write). A connection that died during the
 * statement or its COMMIT leaves the outcome unknown: the delivery may be stored, so the sender
 * must retry with the same id, which then answers with the original receipt.
 *
 * @example
 * outageDetail(Object.assign(new Error("write CONNECTION_CLOSED"), { code: "CONNECTION_CLOSED" }))
 * // "the store's connection failed during the request; the delivery may have been stored: ..."
 */
export function outageDetail(err: unknown, sameId = "transactionId / Idempotency-Key"): string {
  const codes = codesOf(err);
  if (codes.some((c) => NOT_RUN.has(c))) return `ozg-hub cannot write to its store right now; nothing was stored, please retry (with the same ${sameId})`;
  return `the store's connection failed during the request; the delivery may have been stored: retry with the same ${sameId}, which answers with the original receipt if it was`;
}
