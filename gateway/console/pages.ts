import { html } from "hono/html";
import type { View } from "./i18n.ts";
import type { ReplayResult } from "../replay.ts";
import type { ReplayJob } from "./jobs.ts";
import { csrfField, page, type Html } from "./layout.ts";
import { stateLabel } from "./lineage-page.ts";
import type { Hit, ParkedGroup, SearchQuery } from "./queries.ts";

/** Delivery states to filter by; the order is the pipeline's. */
export const STATES = ["parked", "routed", "published", "cancelled"] as const;

/** Outcomes of a replay, as the job page names them. */
export const REPLAY_KINDS = ["routed", "parked", "not_parked", "not_found"] as const satisfies readonly ReplayResult["kind"][];

/** `datetime-local` values are Berlin wall-clock time, as every time on these pages. */
const local = (v: View, d: Date | undefined) => {
  if (!d) return "";
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone: "Europe/Berlin",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(d)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
};

/** The search form; without a query it lists the most recent deliveries (`recent`). */
export function searchPage(v: View, q: SearchQuery, hits: Hit[], tenants: string[], channels: readonly string[], recent: boolean): Html {
  const { t } = v;
  return page(
    v,
    t("search.title"),
    html`<form method="get" action="/admin/search" id="search">
        <input name="q" value="${q.q ?? ""}" placeholder="${t("search.placeholder")}" size="40" />
        <select name="tenant">
          <option value="">${t("search.allTenants")}</option>
          ${tenants.map((x) => html`<option ${x === q.tenant ? "selected" : ""}>${x}</option>`)}
        </select>
        <select name="channel">
          <option value="">${t("search.allChannels")}</option>
          ${channels.map((c) => html`<option ${c === q.channel ? "selected" : ""}>${c}</option>`)}
        </select>
        <select name="state">
          <option value="">${t("search.allStates")}</option>
          ${STATES.map((s) => html`<option value="${s}" ${s === q.state ? "selected" : ""}>${t(`state.${s}`)}</option>`)}
        </select>
        ${t("search.from")} <input type="datetime-local" name="from" value="${local(v, q.from)}" /> ${t("search.to")}
        <input type="datetime-local" name="to" value="${local(v, q.to)}" /> (${t("search.zone")})
        <button type="submit">${t("search.submit")}</button>
      </form>
      ${recent ? html`<h2 id="recent">${t("search.recent")}</h2>` : ""} ${hitTable(v, hits, false)}`,
  );
}

function hitTable(v: View, hits: Hit[], selectable: boolean, selectAll = false): Html {
  const { t } = v;
  if (hits.length === 0) return html`<p id="no-hits">${t("search.nothing")}</p>`;
  return html`<table id="hits">
    <tr>
      ${selectable ? html`<th></th>` : ""}
      <th>${t("col.reference")}</th>
      <th>${t("col.received")}</th>
      <th>${t("col.channel")}</th>
      <th>${t("col.portal")}</th>
      <th>${t("col.sourceId")}</th>
      <th>${t("col.tenant")}</th>
      <th>${t("col.applicant")}</th>
      <th>${t("col.state")}</th>
    </tr>
    ${hits.map(
      (h) =>
        html`<tr>
          ${selectable ? html`<td><input type="checkbox" name="id" value="${h.id}" ${selectAll ? "checked" : ""} /></td>` : ""}
          <td><a href="/admin/lineage/${h.id}">${h.reference}</a></td>
          <td title="${v.when(h.receivedAt)}">${v.when(h.receivedAt)} <span class="muted">(${v.ago(h.receivedAt)})</span></td>
          <td>${h.channel}</td>
          <td>${h.portal}</td>
          <td>${h.sourceId ?? ""}</td>
          <td>${h.tenant ?? ""}</td>
          <td class="applicant">${h.applicants ?? ""}</td>
          <td>${stateLabel(v, h.state)}${h.parkReason ? html`<br /><span class="muted">${h.parkReason}</span>` : ""}</td>
        </tr>`,
    )}
  </table>`;
}

export function parkedPage(v: View, groups: ParkedGroup[], hits: Hit[], filter: { reason?: string; tenant?: string }, selectAll: boolean): Html {
  const { t, session: s } = v;
  const operator = s?.role === "operator";
  const query = (all: boolean) =>
    new URLSearchParams({
      ...(filter.reason ? { reason: filter.reason } : {}),
      ...(filter.tenant ? { tenant: filter.tenant } : {}),
      ...(all ? { select: "all" } : {}),
    }).toString();
  return page(
    v,
    t("parked.title"),
    html`<table id="groups">
        <tr>
          <th>${t("parked.reason")}</th>
          <th>${t("col.tenant")}</th>
          <th class="n">${t("parked.count")}</th>
          <th>${t("parked.oldest")}</th>
        </tr>
        ${groups.map(
          (g) =>
            html`<tr>
              <td>
                <a href="/admin/parked?reason=${encodeURIComponent(g.reason)}${g.tenant ? `&tenant=${encodeURIComponent(g.tenant)}` : ""}">${g.reason}</a>
              </td>
              <td>${g.tenant ?? t("common.noTenant")}</td>
              <td class="n">${v.num(g.count)}</td>
              <td>${v.when(g.oldest)} <span class="muted">(${v.ago(g.oldest)})</span></td>
            </tr>`,
        )}
      </table>
      ${filter.reason || filter.tenant ? html`<p>${t("parked.filter")}: ${filter.reason ?? ""} ${filter.tenant ?? ""} · <a href="/admin/parked">${t("parked.all")}</a></p>` : ""}
      ${
        operator && hits.length > 0
          ? html`<p>
              ${
                selectAll
                  ? html`<a id="select-none" href="/admin/parked?${query(false)}">${t("parked.selectNone")}</a>`
                  : html`<a id="select-all" href="/admin/parked?${query(true)}">${t("parked.selectAll", { count: hits.length })}</a>`
              }
            </p>`
          : ""
      }
      <form method="post" action="/admin/parked/act" id="parked-form">
        ${s ? csrfField(s) : ""} <input type="hidden" name="reason" value="${filter.reason ?? ""}" /><input
          type="hidden"
          name="tenant"
          value="${filter.tenant ?? ""}"
        />
        ${hitTable(v, hits, operator, selectAll)}
        ${
          operator && hits.length > 0
            ? html`<p>
                <button name="do" value="replay-selected" id="replay-selected">${t("parked.replaySelected")}</button>
                <button name="do" value="replay-all" id="replay-all">${t("parked.replayAll")}</button>
                <button name="do" value="cancel-selected" id="cancel-selected">${t("parked.cancelSelected")}</button>
              </p>`
            : ""
        }
      </form>`,
  );
}

export function jobPage(v: View, job: ReplayJob): Html {
  const { t } = v;
  const done = job.results.length;
  const count = (k: string) => job.results.filter((r) => r.kind === k).length;
  return page(
    v,
    job.finished ? t("job.finished") : t("job.running"),
    html`<p id="progress">
        ${t("job.progress", { done: v.num(done), total: v.num(job.total), routed: v.num(count("routed")), parked: v.num(count("parked")) })}${
          count("not_parked") ? t("job.notParked", { count: count("not_parked") }) : ""
        }
      </p>
      <div class="bar"><div style="width:${job.total ? Math.round((done / job.total) * 100) : 100}%"></div></div>
      <table>
        <tr>
          <th>${t("job.delivery")}</th>
          <th>${t("job.result")}</th>
        </tr>
        ${job.results.map(
          (r) =>
            html`<tr>
              <td><a href="/admin/lineage/${r.deliveryId}">${r.deliveryId}</a></td>
              <td>${t(`replay.${r.kind}`)}${r.kind === "parked" ? `: ${t(`stage.${r.stage}`, { defaultValue: r.stage })}: ${r.message}` : ""}</td>
            </tr>`,
        )}
      </table>
      <p><a href="/admin/parked">${t("job.back")}</a></p>`,
    job.finished ? {} : { refreshSeconds: 1 },
  );
}
