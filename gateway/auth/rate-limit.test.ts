import { describe, expect, it } from "vitest";
import { composeConfigSpec } from "../config/compose.ts";
import { rateLimiter } from "./rate-limit.ts";

/** The core's portal schema, no adapter registered. */
const portalSchema = composeConfigSpec({}, { defaultChannels: [] }).portal;

const portal = (id: string, rateLimit?: { perSecond: number; burst?: number }) => portalSchema.parse({ id, name: id, ...(rateLimit ? { rateLimit } : {}) });

describe("per-portal token bucket", () => {
  it("lets a burst through, then refills at the configured rate and names the wait", () => {
    let now = 1_000_000;
    const limits = rateLimiter(() => now);
    const p = portal("a", { perSecond: 2, burst: 3 });
    expect([1, 2, 3].map(() => limits.take(p).ok)).toEqual([true, true, true]);
    expect(limits.take(p)).toEqual({ ok: false, retryAfterSeconds: 1 });
    now += 499; // not yet one token (2 per second)
    expect(limits.take(p).ok).toBe(false);
    now += 1;
    expect(limits.take(p).ok).toBe(true);
    expect(limits.take(p).ok).toBe(false);
    now += 60_000; // never more than the burst
    expect([1, 2, 3, 4].map(() => limits.take(p).ok)).toEqual([true, true, true, false]);
  });

  it("keeps portals apart, leaves portals without a limit alone, and rounds slow rates up", () => {
    const now = 0;
    const limits = rateLimiter(() => now);
    const slow = portal("slow", { perSecond: 0.1 });
    expect(limits.take(slow).ok).toBe(true);
    expect(limits.take(slow)).toEqual({ ok: false, retryAfterSeconds: 10 });
    const other = portal("other", { perSecond: 0.1 });
    expect(limits.take(other).ok).toBe(true);
    const free = portal("free");
    for (let i = 0; i < 1000; i++) expect(limits.take(free).ok).toBe(true);
  });

  it("starts a new bucket when the limit changes with a reload", () => {
    const limits = rateLimiter(() => 0);
    expect(limits.take(portal("a", { perSecond: 1 })).ok).toBe(true);
    expect(limits.take(portal("a", { perSecond: 1 })).ok).toBe(false);
    expect(limits.take(portal("a", { perSecond: 5 })).ok).toBe(true);
  });
});
