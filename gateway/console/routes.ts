import { Hono, type Context, type Next } from "hono";
import { formatProblem } from "../config/load.ts";
import { portalEndpoints } from "../notify/endpoints.ts";
import { replayDelivery, type ReplayResult } from "../replay.ts";
import type { Services } from "../services.ts";
import { deliveryControl } from "../status/control.ts";
import { auditLog } from "../store/schema.ts";
import { certificateExpiries } from "./certificates.ts";
import { attachmentDownload, documentDownload } from "./downloads.ts";
import { detectLanguage, fromBerlin, viewOf } from "./i18n.ts";
import { replayJobs } from "./jobs.ts";
import { errorPage } from "./layout.ts";
import { ACTIONS, cancelPage, lineagePage } from "./lineage-page.ts";
import { auditActors, auditCsv, auditEntries, auditPage } from "./audit-page.ts";
import { loginRoutes } from "./login-routes.ts";
import { overviewPage } from "./overview-page.ts";
import { jobPage, parkedPage, searchPage, STATES } from "./pages.ts";
import { isUuid, lineage, parkedByTenant, parkedGroups, searchDeliveries, subscriberLoad, wayBackLoad, type SearchQuery } from "./queries.ts";
import { singleSignOn } from "./sso.ts";
import { traffic, trafficPage } from "./traffic.ts";
import { brokerPage, brokerView } from "./broker-view.ts";
import { topologyOf } from "../publish/topology.ts";
import { CSRF_FIELD, CSRF_HEADER, csrfMatches, sameOrigin, sessionStore, type ConsoleEnv, type Session } from "./session.ts";

type C = Context<ConsoleEnv>;

/** The JSON admin API (gateway/http/admin.ts) keeps its bearer tokens; the console leaves it alone. */
const isApi = (path: string) => path === "/admin/deliveries" || path.startsWith("/admin/deliveries/");

/** Paths reachable without a session: the login and the identity provider's way back. */
const open = (path: string) => path === "/admin/login" || path.startsWith("/admin/login/");

/**
 * The operator console under /admin, rendered on the server, in German (English by switch or
 * Accept-Language). Login exchanges an admin token for a session cookie (HttpOnly,
 * SameSite=Strict, in Postgres); every POST carries the session's CSRF token; viewers see lists,
 * lineage and overview but cannot download content or act; every operator action and download
 * is written to the audit log.
 */
export function consoleRoutes(services: Services): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  const sessions = sessionStore(services.store, services.clock);
  const deps = { store: services.store, runtime: services.runtime, clock: services.clock, log: services.log, onCommitted: () => services.relay.wake() };
  const audit = (s: Session, action: string, target: string | null, detail?: Record<string, unknown>) =>
    services.store.db.insert(auditLog).values({ at: services.clock(), actor: s.actor, role: s.role, action, target, detail: detail ?? null });
  const jobs = replayJobs(deps, services.log);
  const v = (c: C) => viewOf(c, c.get("session"));
  const fail = (c: C, status: 400 | 401 | 403 | 404 | 409, title: string, message: string, params?: Record<string, unknown>) =>
    c.html(errorPage(v(c), v(c).t(title), v(c).t(message, params)), status);

  // No scripts, no framing (the action buttons cannot be clickjacked), forms only to ourselves.
  const headers = async (c: C, next: Next) => {
    await next();
    if (isApi(c.req.path) || !c.res.headers.get("content-type")?.startsWith("text/html")) return;
    c.res.headers.set(
      "content-security-policy",
      "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    c.res.headers.set("x-frame-options", "DENY");
    c.res.headers.set("referrer-policy", "same-origin");
    c.res.headers.set("cache-control", "no-store");
    c.res.headers.set("content-language", c.get("language") ?? "de");
  };
  for (const p of ["/admin", "/admin/*"]) {
    app.use(p, headers);
    app.use(p, async (c, next) => (isApi(c.req.path) ? next() : detectLanguage(c, next)));
  }

  loginRoutes(
    app,
    services,
    sessions,
    audit,
    singleSignOn(() => services.runtime().config.gateway.admin?.oidc),
  );

  // Every other console path: a session, and on POST the same origin and the CSRF token.
  const guard = async (c: C, next: Next) => {
    if (isApi(c.req.path) || open(c.req.path) || c.get("session")) return next();
    const s = await sessions.current(c);
    if (!s) return c.req.method === "GET" ? c.redirect("/admin/login", 303) : fail(c, 401, "problem.notLoggedIn", "problem.logInFirst");
    c.set("session", s);
    if (c.req.method === "POST") {
      const form = await c.req.parseBody({ all: true });
      const submitted = c.req.header(CSRF_HEADER) ?? (typeof form[CSRF_FIELD] === "string" ? form[CSRF_FIELD] : undefined);
      if (!sameOrigin(c) || !csrfMatches(s, submitted)) return fail(c, 403, "problem.refused", "problem.csrf");
      c.set("form", form as Record<string, string | string[]>);
    }
    return next();
  };
  app.use("/admin", guard);
  app.use("/admin/*", guard);

  const operatorOnly = (c: C) => (c.get("session").role === "operator" ? undefined : fail(c, 403, "problem.forbidden", "problem.operatorsOnly"));

  app.get("/admin", async (c) => {
    const now = services.clock();
    const [load, parked, certificates, waysBack] = await Promise.all([
      subscriberLoad(services.store, now, configured()),
      parkedByTenant(services.store),
      certificateExpiries(services.certificates(), services.runtime().config.dir, now),
      wayBackLoad(services.store, now),
    ]);
    return c.html(
      overviewPage(v(c), {
        load,
        parked,
        certificates,
        waysBack,
        reloadProblems: services.lastReloadError()?.map(formatProblem),
        replicationWarning: services.replication.current()?.warning,
      }),
    );
  });

  /** Every configured tenant and subscriber, in config order: the pages list them also without traffic. */
  const configured = () => services.runtime().config.tenants.flatMap((t) => t.subscribers.map((sub) => ({ tenant: t.id, subscriber: sub.id })));

  app.get("/admin/traffic", async (c) => {
    const range = c.req.query("range") === "7d" ? "7d" : "24h";
    return c.html(trafficPage(v(c), await traffic(services.store, services.clock(), range, configured())));
  });

  app.get("/admin/broker", async (c) => {
    const runtime = services.runtime();
    const load = await subscriberLoad(services.store, services.clock(), configured());
    const b = await brokerView({
      broker: services.broker,
      topology: topologyOf(runtime.config),
      management: runtime.config.gateway.admin?.rabbitmqManagement,
      load,
    });
    return c.html(brokerPage(v(c), b));
  });

  // A way back disabled after exhausted attempts: enabling it queues its failed notifications again.
  app.post("/admin/ways-back/:portal/:channel/enable", async (c) => {
    const refused = operatorOnly(c);
    if (refused) return refused;
    const { portal, channel } = c.req.param();
    const requeued = await portalEndpoints(services.store, services.clock).enable(portal, channel);
    await audit(c.get("session"), "enable-way-back", `${portal}/${channel}`, { requeued });
    services.notifier.wake();
    return c.redirect("/admin", 303);
  });

  // Without a query the page lists the most recent deliveries: the start of most look-ups.
  app.get("/admin/search", async (c) => {
    const state = c.req.query("state");
    const q: SearchQuery = {
      q: c.req.query("q") || undefined,
      tenant: c.req.query("tenant") || undefined,
      channel: c.req.query("channel") || undefined,
      state: (STATES as readonly string[]).includes(state ?? "") ? state : undefined,
      from: fromBerlin(c.req.query("from")),
      to: fromBerlin(c.req.query("to")),
    };
    const asked = Object.values(q).some((x) => x !== undefined);
    const hits = await searchDeliveries(services.store, q, asked ? 200 : 50);
    return c.html(
      searchPage(
        v(c),
        q,
        hits,
        services.runtime().config.tenants.map((t) => t.id),
        services.runtime().spec.channels,
        !asked,
      ),
    );
  });

  app.get("/admin/lineage/:id", async (c) => {
    const l = await lineage(services.store, c.req.param("id"));
    return l ? c.html(lineagePage(v(c), l)) : fail(c, 404, "problem.notFound", "problem.noDelivery");
  });

  app.get("/admin/lineage/:id/document", async (c) => {
    const refused = operatorOnly(c);
    if (refused) return refused;
    const res = await documentDownload(services.store, c.req.param("id"));
    if (!res) return fail(c, 404, "problem.notFound", "problem.noDocument");
    await audit(c.get("session"), "download-document", c.req.param("id"));
    return res;
  });

  app.get("/admin/attachments/:id", async (c) => {
    const refused = operatorOnly(c);
    if (refused) return refused;
    const found = await attachmentDownload(services.store, c.req.param("id"));
    if (!found) return fail(c, 404, "problem.notFound", "problem.noAttachment");
    await audit(c.get("session"), "download-attachment", found.deliveryId, { attachmentId: c.req.param("id") });
    return found.response;
  });

  const cancel = async (s: Session, id: string) => {
    const [d] = await services.store.sql<{ portal_id: string }[]>`select portal_id from deliveries where id = ${id}::uuid`;
    if (!d) return { kind: "unknown" } as const;
    const r = await deliveryControl(services.store, services.clock).cancel({ deliveryId: id }, d.portal_id);
    await audit(s, "cancel", id, { result: r.kind, ...(r.kind === "denied" ? { reason: r.reason } : {}) });
    return r;
  };
  const replayed = (s: Session, r: ReplayResult) =>
    audit(s, "replay", r.deliveryId, { result: r.kind, ...(r.kind === "parked" ? { stage: r.stage, message: r.message } : {}) });

  app.post("/admin/lineage/:id/replay", async (c) => {
    const refused = operatorOnly(c);
    if (refused) return refused;
    const r = await replayDelivery(deps, c.req.param("id"));
    if (r.kind === "not_found") return fail(c, 404, "problem.notFound", "problem.noDelivery");
    await replayed(c.get("session"), r);
    return c.redirect(`/admin/lineage/${r.deliveryId}`, 303);
  });

  // Cancel asks first: a page with the delivery and a second button, no script needed.
  app.get("/admin/lineage/:id/cancel", async (c) => {
    const refused = operatorOnly(c);
    if (refused) return refused;
    const l = await lineage(services.store, c.req.param("id"));
    if (!l) return fail(c, 404, "problem.notFound", "problem.noDelivery");
    if (!l.state.cancellable) return fail(c, 409, "problem.notCancellable", "problem.notCancellableDetail", { state: v(c).t(`state.${l.state.name}`) });
    return c.html(cancelPage(v(c), [{ id: l.delivery.id, reference: l.delivery.reference }], `/admin/lineage/${l.delivery.id}/cancel`));
  });

  app.post("/admin/lineage/:id/cancel", async (c) => {
    const refused = operatorOnly(c);
    if (refused) return refused;
    const id = c.req.param("id");
    const r = isUuid(id) ? await cancel(c.get("session"), id) : ({ kind: "unknown" } as const);
    if (r.kind === "unknown") return fail(c, 404, "problem.notFound", "problem.noDelivery");
    if (r.kind === "denied") return fail(c, 409, "problem.notCancelled", "problem.notCancelledDetail", { reason: r.reason });
    return c.redirect(`/admin/lineage/${id}`, 303);
  });

  app.get("/admin/parked", async (c) => {
    const filter = { reason: c.req.query("reason") || undefined, tenant: c.req.query("tenant") || undefined };
    const [groups, hits] = await Promise.all([parkedGroups(services.store), searchDeliveries(services.store, { state: "parked", ...filter }, 500)]);
    return c.html(parkedPage(v(c), groups, hits, filter, c.req.query("select") === "all"));
  });

  app.post("/admin/parked/act", async (c) => {
    const refused = operatorOnly(c);
    if (refused) return refused;
    const s = c.get("session");
    const form = c.get("form");
    const list = (x: string | string[] | undefined) => (x === undefined ? [] : Array.isArray(x) ? x : [x]).filter((y) => isUuid(y));
    const one = (x: string | string[] | undefined) => (typeof x === "string" && x !== "" ? x : undefined);
    let ids = list(form.id);
    if (form.do === "replay-all") {
      // "All matching the filter": the same query as the list, evaluated again now.
      ids = (await searchDeliveries(services.store, { state: "parked", reason: one(form.reason), tenant: one(form.tenant) }, 10_000))
        .map((h) => h.id)
        .reverse();
    }
    if (ids.length === 0) return fail(c, 400, "problem.nothingSelected", "problem.selectOne");
    if (form.do === "cancel-selected") {
      const hits = await searchDeliveries(services.store, { state: "parked", ids }, ids.length);
      return c.html(cancelPage(v(c), hits, "/admin/parked/act"));
    }
    if (form.do === "cancel-confirmed") {
      for (const id of ids) await cancel(s, id);
      return c.redirect("/admin/parked", 303);
    }
    if (form.do !== "replay-selected" && form.do !== "replay-all") return fail(c, 400, "problem.unknownAction", "problem.unknownAction");
    await audit(s, "replay-batch", null, {
      count: ids.length,
      filter: form.do === "replay-all" ? { reason: one(form.reason), tenant: one(form.tenant) } : null,
    });
    const job = await jobs.start(s.actor, ids, (r) => replayed(s, r));
    return c.redirect(`/admin/jobs/${job}`, 303);
  });

  // Who did what when to which delivery; viewers see it too (it holds no content).
  const auditFilter = (c: C) => {
    const action = c.req.query("action");
    return { actor: c.req.query("actor") || undefined, action: (ACTIONS as readonly string[]).includes(action ?? "") ? action : undefined };
  };
  app.get("/admin/audit", async (c) => {
    const f = auditFilter(c);
    const [entries, actors] = await Promise.all([auditEntries(services.store, f), auditActors(services.store)]);
    return c.html(auditPage(v(c), entries, actors, f));
  });
  app.get("/admin/audit.csv", async (c) => {
    const entries = await auditEntries(services.store, auditFilter(c), 100_000);
    return c.body(auditCsv(entries), 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="ozg-hub-audit-${services.clock().toISOString().slice(0, 10)}.csv"`,
      "x-content-type-options": "nosniff",
      "cache-control": "no-store",
    });
  });

  app.get("/admin/jobs/:id", async (c) => {
    const job = isUuid(c.req.param("id")) ? await jobs.get(c.req.param("id")) : undefined;
    return job ? c.html(jobPage(v(c), job)) : fail(c, 404, "problem.notFound", "problem.noJob");
  });
  return app;
}
