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
 * Whether `err` is an outage (a service ozg-hub depends on is away) rather than a bug: an
 * `OutageError`, a connection failure, or a Postgres error of class 08 (connection exception)
 * or 57P (operator intervention, e.g. the server shutting down). Adapters answer outages with
 * their protocol's "try again later" (e.g. REST 503).
 */
export function isOutage(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof OutageError) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (UNREACHABLE.has(code) || code.startsWith("08") || code.startsWith("57P"))) return true;
  }
  return false;
}
