import type { PortalConfig } from "../config/schema.ts";

/** What is limited: a portal, or any other key with a limit of the same shape (console logins). */
export type RateSubject = Pick<PortalConfig, "id" | "rateLimit">;

/** Allowed, or refused with the whole seconds after which one request will be allowed again. */
export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Per-portal token buckets (portal `rateLimit` in its config): each portal may send `burst`
 * requests at once and `perSecond` on average. Kept in the process: with N instances behind a
 * load balancer a portal gets up to N times the rate, which still keeps one portal's flood
 * from starving the others on any one instance.
 *
 * @example
 * const limits = rateLimiter(() => Date.now());
 * const d = limits.take(portal); // { ok: false, retryAfterSeconds: 1 } once the bucket is empty
 */
export function rateLimiter(nowMs: () => number) {
  const buckets = new Map<string, { tokens: number; at: number; perSecond: number; burst: number }>();
  /** The subject's bucket, refilled up to now (undefined: no limit). */
  const refill = (subject: RateSubject) => {
    const limit = subject.rateLimit;
    if (!limit) return undefined;
    const burst = limit.burst ?? Math.max(1, Math.ceil(limit.perSecond));
    const now = nowMs();
    let b = buckets.get(subject.id);
    // A changed limit (config reload) starts a full bucket of the new size.
    if (!b || b.perSecond !== limit.perSecond || b.burst !== burst) {
      b = { tokens: burst, at: now, perSecond: limit.perSecond, burst };
      buckets.set(subject.id, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * limit.perSecond);
    b.at = now;
    return b;
  };
  const decide = (b: { tokens: number; perSecond: number }): RateDecision =>
    b.tokens >= 1 ? { ok: true } : { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / b.perSecond)) };
  return {
    /** Takes one token when there is one. */
    take(subject: RateSubject): RateDecision {
      const b = refill(subject);
      if (!b) return { ok: true };
      const d = decide(b);
      if (d.ok) b.tokens -= 1;
      return d;
    },
    /** Whether `take` would allow, without taking (a limit on failures checks first, takes on failure). */
    check(subject: RateSubject): RateDecision {
      const b = refill(subject);
      return b ? decide(b) : { ok: true };
    },
  };
}

export type RateLimiter = ReturnType<typeof rateLimiter>;
