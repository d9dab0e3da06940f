import type { PortalConfig } from "../config/schema.ts";

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
  return {
    take(portal: PortalConfig): RateDecision {
      const limit = portal.rateLimit;
      if (!limit) return { ok: true };
      const burst = limit.burst ?? Math.max(1, Math.ceil(limit.perSecond));
      const now = nowMs();
      let b = buckets.get(portal.id);
      // A changed limit (config reload) starts a full bucket of the new size.
      if (!b || b.perSecond !== limit.perSecond || b.burst !== burst) {
        b = { tokens: burst, at: now, perSecond: limit.perSecond, burst };
        buckets.set(portal.id, b);
      }
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * limit.perSecond);
      b.at = now;
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / limit.perSecond)) };
    },
  };
}

export type RateLimiter = ReturnType<typeof rateLimiter>;
