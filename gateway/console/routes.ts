import { Hono, type Context, type Next } from "hono";
import { formatProblem } from "../config/load.ts";
import { portalEndpoints } from "../notify/endpoints.ts";
import { replayDelivery, type ReplayResult } from "../replay.ts";
import type { Services } from "../services.ts";
import { deliveryControl } from "../status/control.ts";
import { auditLog } from "../store/schema.ts";
import { certificateExpiries } from "./certificates.ts";
import { attachmentDownload, documentDownload } from "./downloads.ts";
import { replayJobs } from "./jobs.ts";
import { errorPage, loginPage } from "./layout.ts";
import { jobPage, lineagePage, overviewPage, parkedPage, searchPage } from "./pages.ts";
import { isUuid, lineage, parkedByTenant, parkedGroups, searchDeliveries, subscriberLoad, wayBackLoad, type SearchQuery } from "./queries.ts";
import { CSRF_FIELD, CSRF_HEADER, csrfMatches, roleOfToken, sameOrigin, sessionStore, type Session } from "./session.ts";

type Env = { Variables: { session: Session; form: Record<string, string | string[]> } };

/** The JSON admin API (gateway/http/admin.ts) keeps its bearer tokens; the console leaves it alone. */
const isApi = (path: string) => path === "/admin/deliveries" || path.startsWith("/admin/deliveries/");

const date = (v: string | undefined) => {
  if (!v) return undefined;
  const d = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(v) ? v : `${v}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
};

/**
 * The operator console under /admin, rendered on the server. Login exchanges an admin token for
 * a session cookie (HttpOnly, SameSite=Strict, in Postgres); every POST carries the session's
 * CSRF token; viewers see lists, lineage and overview but cannot download content or act;
 * every operator action and download is written to the audit log.
 */
export function consoleRoutes(services: Services): Hono<Env> {
  const app = new Hono<Env>();
  const sessions = sessionStore(services.store, services.clock);
  const deps = { store: services.store, runtime: services.runtime, clock: services.clock, log: services.log, onCommitted: () => services.relay.wake() };
  const audit = (s: Session, action: string, target: string | null, detail?: Record<string, unknown>) =>
    services.store.db.insert(auditLog).values({ at: services.clock(), actor: s.actor, role: s.role, action, target, detail: detail ?? null });
  const jobs = replayJobs(deps, services.log);

  // No scripts, no framing (the action buttons cannot be clickjacked), forms only to ourselves.
  const headers = async (c: Context<Env>, next: Next) => {
    await next();
    if (isApi(c.req.path) || !c.res.headers.get("content-type")?.startsWith("text/html")) return;
    c.res.headers.set(
      "content-security-policy",
      "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    c.res.headers.set("x-frame-options", "DENY");
    c.res.headers.set("referrer-policy", "same-origin");
    c.res.headers.set("cache-control", "no-store");
  };
  app.use("/admin", headers);
  app.use("/admin/*", headers);

  app.get("/admin/login", (c) => c.html(loginPage()));
  app.post("/admin/login", async (c) => {
    if (!sameOrigin(c)) return c.html(errorPage(undefined, "Refused", "cross-origin login refused"), 403);
    const form = await c.req.parseBody();
    const token = typeof form.token === "string" ? form.token : "";
    const admin = services.runtime().config.gateway.admin;
    const role = token ? roleOfToken(admin, token) : undefined;
    if (!role) return c.html(loginPage("Unknown token."), 401);
    const s = await sessions.open(c, role, token, admin?.sessionMinutes ?? 480);
    await audit(s, "login", null);
    return c.redirect("/admin", 303);
  });

  // Every other console path: a session, and on POST the same origin and the CSRF token.
  const guard = async (c: Context<Env>, next: Next) => {
    if (isApi(c.req.path) || c.req.path === "/admin/login" || c.get("session")) return next();
    const s = await sessions.current(c);
    if (!s) return c.req.method === "GET" ? c.redirect("/admin/login", 303) : c.html(errorPage(undefined, "Not logged in", "log in first"), 401);
    c.set("session", s);
    if (c.req.method === "POST") {
      const form = await c.req.parseBody({ all: true });
      const submitted = c.req.header(CSRF_HEADER) ?? (typeof form[CSRF_FIELD] === "string" ? form[CSRF_FIELD] : undefined);
      if (!sameOrigin(c) || !csrfMatches(s, submitted)) return c.html(errorPage(s, "Refused", "missing or wrong CSRF token"), 403);
      c.set("form", form as Record<string, string | string[]>);
    }
    return next();
  };
  app.use("/admin", guard);
  app.use("/admin/*", guard);

  const operatorOnly = (c: Context<Env>) =>
    c.get("session").role === "operator" ? undefined : c.html(errorPage(c.get("session"), "Forbidden", "operators only"), 403);

  app.post("/admin/logout", async (c) => {
    await sessions.close(c);
    return c.redirect("/admin/login", 303);
  });

  app.get("/admin", async (c) => {
    const s = c.get("session");
    const now = services.clock();
    const [load, parked, certificates, waysBack] = await Promise.all([
      subscriberLoad(services.store, now),
      parkedByTenant(services.store),
      certificateExpiries(services.certificates(), services.runtime().config.dir, now),
      wayBackLoad(services.store, now),
    ]);
    return c.html(
      overviewPage(s, {
        load,
        parked,
        certificates,
        waysBack,
        reloadProblems: services.lastReloadError()?.map(formatProblem),
        replicationWarning: services.replication.current()?.warning,
      }),
    );
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

  app.get("/admin/search", async (c) => {
    const q: SearchQuery = {
      q: c.req.query("q") || undefined,
      tenant: c.req.query("tenant") || undefined,
      channel: c.req.query("channel") || undefined,
      from: date(c.req.query("from")),
      to: date(c.req.query("to")),
    };
    const asked = Object.values(q).some((v) => v !== undefined);
    const hits = asked ? await searchDeliveries(services.store, q) : undefined;
    return c.html(
      searchPage(
        c.get("session"),
        q,
        hits,
        services.runtime().config.tenants.map((t) => t.id),
      ),
    );
  });

  app.get("/admin/lineage/:id", async (c) => {
    const l = await lineage(services.store, c.req.param("id"));
    return l ? c.html(lineagePage(c.get("session"), l)) : c.html(errorPage(c.get("session"), "Not found", "no such delivery"), 404);
  });

  app.get("/admin/lineage/:id/document", async (c) => {
    const refused = operatorOnly(c);
    if (refused) return refused;
    const res = await documentDownload(services.store, c.req.param("id"));
    if (!res) return c.html(errorPage(c.get("session"), "Not found", "no such document"), 404);
    await audit(c.get("session"), "download-document", c.req.param("id"));
    return res;
  });

  app.get("/admin/attachments/:id", async (c) => {
    const refused = operatorOnly(c);
    if (refused) return refused;
    const found = await attachmentDownload(services.store, c.req.param("id"));
    if (!found) return c.html(errorPage(c.get("session"), "Not found", "no such attachment"), 404);
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
    if (r.kind === "not_found") return c.html(errorPage(c.get("session"), "Not found", "no such delivery"), 404);
    await replayed(c.get("session"), r);
    return c.redirect(`/admin/lineage/${r.deliveryId}`, 303);
  });

  app.post("/admin/lineage/:id/cancel", async (c) => {
    const refused = operatorOnly(c);
    if (refused) return refused;
    const id = c.req.param("id");
    const r = isUuid(id) ? await cancel(c.get("session"), id) : ({ kind: "unknown" } as const);
    if (r.kind === "unknown") return c.html(errorPage(c.get("session"), "Not found", "no such delivery"), 404);
    if (r.kind === "denied") return c.html(errorPage(c.get("session"), "Not cancelled", `the delivery was not cancelled: ${r.reason}`), 409);
    return c.redirect(`/admin/lineage/${id}`, 303);
  });

  app.get("/admin/parked", async (c) => {
    const filter = { reason: c.req.query("reason") || undefined, tenant: c.req.query("tenant") || undefined };
    const [groups, hits] = await Promise.all([parkedGroups(services.store), searchDeliveries(services.store, { state: "parked", ...filter }, 500)]);
    return c.html(parkedPage(c.get("session"), groups, hits, filter));
  });

  app.post("/admin/parked/act", async (c) => {
    const refused = operatorOnly(c);
    if (refused) return refused;
    const s = c.get("session");
    const form = c.get("form");
    const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).filter((x) => isUuid(x));
    const one = (v: string | string[] | undefined) => (typeof v === "string" && v !== "" ? v : undefined);
    let ids = list(form.id);
    if (form.do === "replay-all") {
      // "All matching the filter": the same query as the list, evaluated again now.
      ids = (await searchDeliveries(services.store, { state: "parked", reason: one(form.reason), tenant: one(form.tenant) }, 10_000))
        .map((h) => h.id)
        .reverse();
    }
    if (ids.length === 0) return c.html(errorPage(s, "Nothing selected", "select at least one delivery"), 400);
    if (form.do === "cancel-selected") {
      for (const id of ids) await cancel(s, id);
      return c.redirect("/admin/parked", 303);
    }
    if (form.do !== "replay-selected" && form.do !== "replay-all") return c.html(errorPage(s, "Unknown action", "unknown action"), 400);
    await audit(s, "replay-batch", null, {
      count: ids.length,
      filter: form.do === "replay-all" ? { reason: one(form.reason), tenant: one(form.tenant) } : null,
    });
    const job = await jobs.start(s.actor, ids, (r) => replayed(s, r));
    return c.redirect(`/admin/jobs/${job}`, 303);
  });

  app.get("/admin/jobs/:id", async (c) => {
    const job = isUuid(c.req.param("id")) ? await jobs.get(c.req.param("id")) : undefined;
    return job ? c.html(jobPage(c.get("session"), job)) : c.html(errorPage(c.get("session"), "Not found", "no such job"), 404);
  });
  return app;
}
