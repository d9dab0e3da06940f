import { html } from "hono/html";
import type { CertificateExpiry } from "./certificates.ts";
import type { View } from "./i18n.ts";
import { csrfField, page, type Html } from "./layout.ts";
import type { SubscriberLoad, WayBackLoad } from "./queries.ts";

/** Certificates with fewer days left than this are shown red. */
export const EXPIRY_WARN_DAYS = 30;

export interface OverviewData {
  load: SubscriberLoad[];
  parked: { tenant: string | null; count: number }[];
  reloadProblems: string[] | undefined;
  certificates: CertificateExpiry[];
  waysBack: WayBackLoad[];
  /** Why a database failover could lose acknowledged deliveries, if it could. */
  replicationWarning?: string;
}

export function overviewPage(v: View, o: OverviewData): Html {
  const { t, session: s } = v;
  return page(
    v,
    t("overview.title"),
    html`${o.replicationWarning ? html`<p class="red" id="replication-warning">${t("overview.replication")}: ${o.replicationWarning}</p>` : ""}
      <h2>${t("overview.subscribers")}</h2>
      <table id="subscribers">
        <tr>
          <th>${t("col.tenant")}</th>
          <th>${t("col.subscriber")}</th>
          <th class="n">${t("overview.lastHour")}</th>
          <th class="n">${t("overview.perHour")}</th>
          <th class="n">${t("overview.backlog")}</th>
          <th>${t("overview.oldestWaiting")}</th>
          <th>${t("overview.relayLag")}</th>
          <th>${t("col.lastError")}</th>
        </tr>
        ${o.load.map(
          (l) =>
            html`<tr>
              <td>${l.tenant}</td>
              <td>${l.subscriber}</td>
              <td class="n">${v.num(l.lastHour)}</td>
              <td class="n">${v.num(l.perHourToday, 1)}</td>
              <td class="n ${l.backlog > 0 ? "red" : ""}">${v.num(l.backlog)}</td>
              <td>${l.oldestWaitingSeconds > 0 ? v.duration(l.oldestWaitingSeconds) : "–"}</td>
              <td>${l.meanLagSeconds === null ? "–" : v.duration(l.meanLagSeconds)}</td>
              <td>${l.lastError ?? ""}</td>
            </tr>`,
        )}
        <tr id="subscriber-totals">
          <th colspan="2">${t("overview.total", { count: o.load.length })}</th>
          <th class="n">${v.num(o.load.reduce((a, l) => a + l.lastHour, 0))}</th>
          <th class="n">
            ${v.num(
              o.load.reduce((a, l) => a + l.perHourToday, 0),
              1,
            )}
          </th>
          <th class="n">${v.num(o.load.reduce((a, l) => a + l.backlog, 0))}</th>
          <th colspan="3"><a href="/admin/traffic">${t("overview.charts")}</a></th>
        </tr>
      </table>
      <h2>${t("overview.parked")}</h2>
      <table id="parked-by-tenant">
        <tr>
          <th>${t("col.tenant")}</th>
          <th class="n">${t("overview.parkedCount")}</th>
        </tr>
        ${o.parked.map(
          (p) =>
            html`<tr>
              <td>${p.tenant ?? t("common.noTenant")}</td>
              <td class="n"><a href="/admin/parked">${v.num(p.count)}</a></td>
            </tr>`,
        )}
      </table>
      <h2>${t("overview.waysBack")}</h2>
      <table id="ways-back">
        <tr>
          <th>${t("col.portal")}</th>
          <th>${t("overview.wayBack")}</th>
          <th class="n">${t("overview.waiting")}</th>
          <th class="n">${t("overview.failed")}</th>
          <th class="n">${t("overview.parkedCount")}</th>
          <th class="n">${t("overview.delivered24h")}</th>
          <th>${t("overview.endpoint")}</th>
          <th>${t("col.lastError")}</th>
        </tr>
        ${o.waysBack.map(
          (w) =>
            html`<tr class="${w.endpoint === "disabled" ? "red" : ""}">
              <td>${w.portal}</td>
              <td>${w.channel}</td>
              <td class="n">${v.num(w.pending)}</td>
              <td class="n ${w.failed > 0 ? "red" : ""}">${v.num(w.failed)}</td>
              <td class="n">${v.num(w.parked)}</td>
              <td class="n">${v.num(w.deliveredLastDay)}</td>
              <td>
                ${w.endpoint ? t(`endpoint.${w.endpoint}`, { defaultValue: w.endpoint }) : ""}
                ${
                  w.endpoint === "disabled" && s?.role === "operator"
                    ? html`<form class="inline" method="post" action="/admin/ways-back/${w.portal}/${w.channel}/enable">
                        ${csrfField(s)}<button>${t("overview.enable")}</button>
                      </form>`
                    : ""
                }
              </td>
              <td>${w.lastError ?? ""}</td>
            </tr>`,
        )}
      </table>
      ${o.waysBack.length === 0 ? html`<p class="muted">${t("overview.noWaysBack")}</p>` : ""}
      <h2>${t("overview.configuration")}</h2>
      <p id="config-state">
        ${
          o.reloadProblems
            ? html`<span class="red">${t("overview.reloadRejected")}</span>
                <pre>${o.reloadProblems.join("\n")}</pre>`
            : html`<span class="ok">${t("overview.configOk")}</span>`
        }
      </p>
      <h2>${t("overview.certificates")}</h2>
      <table id="certificates">
        <tr>
          <th>${t("overview.certUse")}</th>
          <th>${t("overview.certFile")}</th>
          <th>${t("overview.certSubject")}</th>
          <th>${t("overview.certValidUntil")}</th>
          <th class="n">${t("overview.certDaysLeft")}</th>
        </tr>
        ${o.certificates.map(
          (c) =>
            html`<tr class="${c.error || (c.daysLeft ?? 0) < EXPIRY_WARN_DAYS ? "red" : ""}" data-days="${c.daysLeft ?? ""}">
              <td>${c.use}</td>
              <td>${c.file}</td>
              <td>${c.subject ?? ""}</td>
              <td>${v.when(c.notAfter)}</td>
              <td class="n">${c.error ? t("overview.certUnreadable", { error: c.error }) : v.num(c.daysLeft ?? 0)}</td>
            </tr>`,
        )}
      </table>
      ${o.certificates.length === 0 ? html`<p class="muted">${t("overview.noCertificates")}</p>` : ""}`,
  );
}
