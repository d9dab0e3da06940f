import { Hono } from "hono";
import { problem, readBody, type AdapterContext } from "../../gateway/index.ts";
import { verifyCallback } from "./crypto.ts";
import type { FitConnectMetrics } from "./metrics.ts";
import type { DestinationPoller } from "./poller.ts";

/** Callbacks announce submission ids, nothing more; a body beyond this is no callback. */
const MAX_CALLBACK_BYTES = 64 * 1024;

/**
 * `POST /fitconnect/callbacks/{destinationId}`: the Submission API's notice that submissions
 * wait. It is authenticated by `callback-authentication` (hex HMAC-SHA-512 over
 * `callback-timestamp + "." + body`, constant-time compared, at most five minutes old) and
 * only wakes the destination's poller: the body is never taken as data, so a forged or
 * replayed callback can at most cause one extra poll, and one with a bad HMAC not even that.
 */
export function callbackRoutes(ctx: AdapterContext, metrics: FitConnectMetrics, pollerOf: (destinationId: string) => DestinationPoller | undefined): Hono {
  const app = new Hono();
  app.post("/fitconnect/callbacks/:destinationId", async (c) => {
    const poller = pollerOf(c.req.param("destinationId"));
    const secret = poller?.dest.callbackSecret;
    if (!poller || !secret) return problem(c, { type: "not-found", title: "No callbacks are taken for this destination", status: 404 });
    const body = await readBody(c.req.raw, MAX_CALLBACK_BYTES);
    if (body === "too_large") return problem(c, { type: "too-large", title: "Callback body too large", status: 413 });
    const check = verifyCallback({
      secret,
      timestamp: c.req.header("callback-timestamp"),
      authentication: c.req.header("callback-authentication"),
      body,
      now: ctx.clock(),
    });
    if (!check.ok) {
      metrics.callbacks.inc({ destination: poller.dest.config.id, result: "refused" });
      ctx.log.warn({ destination: poller.dest.config.id, reason: check.reason }, "FIT-Connect callback refused");
      if (check.reason === "mismatch") return problem(c, { type: "unauthorized", title: "Callback authentication does not match", status: 401 });
      return problem(c, {
        type: "bad-callback",
        title: check.reason === "stale" ? "callback-timestamp is more than five minutes off" : "callback-timestamp or callback-authentication missing",
        status: 400,
      });
    }
    metrics.callbacks.inc({ destination: poller.dest.config.id, result: "polled" });
    poller.wake();
    return c.body(null, 204);
  });
  return app;
}
