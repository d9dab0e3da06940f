import { describe, expect, it } from "vitest";
import { BackgroundLoop, backoffMs, logsFailure } from "./loop.ts";

describe("BackgroundLoop", () => {
  it("runs the body from start until stop, and a wake-up ends a pause at once", async () => {
    const rounds: number[] = [];
    const loop = new BackgroundLoop(async () => {
      while (loop.running) {
        rounds.push(Date.now());
        await loop.sleep(60_000);
      }
    });
    expect(loop.running).toBe(false);
    loop.start();
    loop.start(); // a second start does not start a second body
    expect(rounds).toHaveLength(1);
    loop.wake();
    await new Promise((r) => setTimeout(r, 10));
    expect(rounds).toHaveLength(2);
    const stopping = Date.now();
    await loop.stop();
    expect(Date.now() - stopping).toBeLessThan(1000);
    expect(loop.running).toBe(false);
    expect(rounds).toHaveLength(2);
  });

  it("stops cleanly when it was never started", async () => {
    await expect(new BackgroundLoop(() => Promise.resolve()).stop()).resolves.toBeUndefined();
  });
});

describe("backoffMs", () => {
  it("doubles from the interval per failure up to the maximum", () => {
    expect([1, 2, 3, 4, 5].map((f) => backoffMs(f, 100, 1000))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffMs(10_000, 1, Number.MAX_SAFE_INTEGER)).toBe(2 ** 16);
  });

  it("logs the first failure and every tenth", () => {
    expect([1, 2, 9, 10, 11, 20].map(logsFailure)).toEqual([true, false, false, true, false, true]);
  });
});
