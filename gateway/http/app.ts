import { Hono } from "hono";
import type { Adapter } from "../contract.ts";
import { messageOf } from "../errors.ts";
import { formatProblem } from "../config/load.ts";
import type { Services } from "../services.ts";
import { withRemoteParent } from "../tracing.ts";
import { consoleRoutes } from "../console/routes.ts";
import { adminRoutes } from "./admin.ts";
import { contractRoutes } from "./contract-routes.ts";
import { PROBLEM_BASE_VAR, problem } from "./problem.ts";

/**
 * The one HTTP app: operations endpoints plus every adapter's routes. Unexpected errors become
 * a 500 problem without internals; adapters answer expected errors in their own protocol.
 */
export function createApp(services: Services, adapters: readonly Adapter[]): Hono {
  const app = new Hono();
  // A caller's W3C traceparent header: the intake continues its trace.
  app.use("*", (c, next) => withRemoteParent(c.req.header("traceparent"), next));
  app.use("*", async (c, next) => {
    const base = services.runtime().config.gateway.problemTypeBase;
    if (base) c.set(PROBLEM_BASE_VAR as never, base as never);
    await next();
  });

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  // Ready while Postgres answers: intake is durable without the broker (the outbox waits and
  // relay.maxBacklog sheds load), so a broker outage must not take every pod out of service at
  // once. `/readyz?broker` also requires the broker, for those who want that.
  app.get("/readyz", async (c) => {
    const checks = await services.ready();
    const reload = services.lastReloadError();
    const ok = checks.postgres && (c.req.query("broker") === undefined || checks.broker);
    return c.json(
      {
        status: ok ? "ready" : "unavailable",
        checks,
        ...(reload ? { config: { status: "reload rejected, running the previous config", problems: reload.map(formatProblem) } } : {}),
      },
      ok ? 200 : 503,
    );
  });
  app.get("/metrics", async (c) => {
    await services.sample().catch(() => {});
    return c.body(await services.metrics.registry.metrics(), 200, { "content-type": services.metrics.registry.contentType });
  });

  app.route("/", adminRoutes(services));
  app.route(
    "/",
    contractRoutes(
      () => services.runtime().config.gateway,
      () => services.broker.url,
    ),
  );
  app.route("/", consoleRoutes(services));
  for (const a of adapters) app.route("/", a.routes);

  app.notFound((c) => problem(c, { type: "not-found", title: "Not Found", status: 404, detail: `no route for ${c.req.method} ${c.req.path}` }));
  app.onError((err, c) => {
    services.log.error({ err: messageOf(err), path: c.req.path }, "unhandled error");
    return problem(c, {
      type: "internal",
      title: "Internal Server Error",
      status: 500,
      detail: "the request could not be completed; nothing was stored unless a receipt was given",
    });
  });
  return app;
}
