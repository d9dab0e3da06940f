import { describe, expect, it } from "vitest";
import { currentTraceparent, inSpan, startPublishSpan, startTracing, tracingEnabled, withRemoteParent } from "./tracing.ts";

describe("tracing without an OTLP endpoint", () => {
  it("starts no SDK: no spans, no traceparent anywhere, callbacks run as they are", async () => {
    await startTracing({});
    expect(tracingEnabled()).toBe(false);
    const seen = await inSpan("ozg-hub.intake", {}, async (span) => {
      expect(span).toBeUndefined();
      return withRemoteParent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", () => currentTraceparent());
    });
    expect(seen).toBeUndefined();
    expect(startPublishSpan("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", {})).toBeUndefined();
  });
});
