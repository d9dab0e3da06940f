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
