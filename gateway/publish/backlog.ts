import type { Store } from "../store/db.ts";

/**
 * Outbox rows not yet confirmed by the broker, counted at most every so often: intake asks on
 * every request (back-pressure), so it reads a recent count and never waits for the query.
 */
export class BacklogCount {
  private count = 0;
  private at = 0;
  private query: Promise<void> | undefined;

  constructor(private readonly store: Store) {}

  /** The last count; one older than `maxAgeMs` is refreshed in the background. */
  value(maxAgeMs = 500): number {
    if (Date.now() - this.at > maxAgeMs && !this.query) {
      this.query = this.store.sql<{ n: number }[]>`select count(*)::int as n from outbox where published_at is null and kind = 'amqp'`
        .then(([r]) => {
          this.count = r!.n;
          this.at = Date.now();
        })
        .catch(() => {})
        .finally(() => (this.query = undefined));
    }
    return this.count;
  }
}
