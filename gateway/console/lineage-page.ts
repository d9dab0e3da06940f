import { html } from "hono/html";
import type { View } from "./i18n.ts";
import { csrfField, detailTable, page, type Html } from "./layout.ts";
import type { Lineage } from "./queries.ts";

/** The pipeline's event types the console names in words; any other type is shown as it is. */
export const EVENT_TYPES = [
  "received",
  "mapped",
  "routed",
  "published",
  "parked",
  "replayed",
  "cancelled",
  "fetched",
  "delivered",
  "status",
  "warnings",
  "notified",
  "notify-failed",
  "notify-gave-up",
  "notification-queued",
  "notification-parked",
  "reply-fetched",
] as const;

/** Operator actions of the audit log, named in words on timelines and the audit page. */
export const ACTIONS = ["login", "replay", "replay-batch", "cancel", "download-document", "download-attachment", "enable-way-back"] as const;

export const stateLabel = (v: View, s: string) => html`<span class="state-${s}">${v.t(`state.${s}`, { defaultValue: s })}</span>`;

/** "Parked at routing: no tenant for …", with the park reason's details as a table. */
export function parkReason(v: View, reason: unknown): Html | string {
  if (!reason || typeof reason !== "object") return "";
  const { stage, message, details, ...rest } = reason as { stage?: string; message?: string; details?: unknown };
  return html`<p id="park-reason">${v.t("lineage.parkedAt", { stage: v.t(`stage.${stage}`, { defaultValue: stage ?? "?" }) })} ${message ?? ""}</p>
    ${details ? detailTable(v, details) : ""} ${Object.keys(rest).length > 0 ? detailTable(v, rest) : ""}`;
}

export function lineagePage(v: View, l: Lineage): Html {
  const { t } = v;
  const d = l.delivery;
  const operator = v.session?.role === "operator";
  const download = (href: string, label: string) =>
    operator ? html`<a href="${href}" download>${label}</a>` : html`<span class="muted" title="${t("lineage.operatorsOnly")}">${label}</span>`;
  // One event per distinct payload: every subscriber of a tenant gets the same one.
  const payloads = [...new Map(l.published.map((o) => [JSON.stringify(o.payload), o])).values()];
  return page(
    v,
    t("lineage.title", { reference: d.reference }),
    html`<table id="delivery">
        <tr>
          <th>${t("lineage.state")}</th>
          <td id="state">
            ${stateLabel(v, l.state.name)}
            ${
              l.state.firstParkedAt
                ? html`${t("lineage.parkedSince", { when: v.when(l.state.firstParkedAt, true) })},
                    <span id="park-attempts">${t("lineage.attempts", { count: l.state.parkAttempts })}</span>`
                : t("lineage.since", { when: v.when(l.state.since, true) })
            }
            ${d.state === "parked" ? parkReason(v, d.parkReason) : ""}
          </td>
        </tr>
        <tr>
          <th>${t("lineage.deliveryId")}</th>
          <td>${d.id}</td>
        </tr>
        <tr>
          <th>${t("lineage.received")}</th>
          <td>${t("lineage.receivedVia", { when: v.when(d.receivedAt, true), channel: d.channel, portal: d.portal })}</td>
        </tr>
        <tr>
          <th>${t("col.sourceId")}</th>
          <td>${d.sourceId ?? ""}</td>
        </tr>
        <tr>
          <th>${t("lineage.tenantFormat")}</th>
          <td>${d.tenant ?? "–"} / ${d.format ?? "–"}</td>
        </tr>
        <tr>
          <th>${t("lineage.applications")}</th>
          <td>${l.applications.map((a) => html`<div>${a.id}: ${a.applicant ?? t("lineage.noApplicant")} → ${a.tenant}</div>`)}</td>
        </tr>
      </table>
      ${
        operator && l.state.cancellable
          ? html`<p id="actions">
              ${
                d.state === "parked"
                  ? html`<form class="inline" method="post" action="/admin/lineage/${d.id}/replay">
                      ${csrfField(v.session!)}<button id="replay">${t("lineage.replay")}</button>
                    </form> `
                  : ""
              }
              <a id="cancel" class="button" href="/admin/lineage/${d.id}/cancel">${t("lineage.cancel")}</a>
            </p>`
          : ""
      }
      <h2>${t("lineage.timeline")}</h2>
      <table id="timeline">
        <tr>
          <th>${t("lineage.at")}</th>
          <th>${t("lineage.event")}</th>
          <th>${t("lineage.detail")}</th>
        </tr>
        ${l.timeline.map(
          (e) =>
            html`<tr class="${e.source}">
              <td>${v.when(e.at, true)}</td>
              <td>
                ${
                  e.source === "operator"
                    ? t("lineage.byActor", { action: t(`action.${e.type}`, { defaultValue: e.type }), actor: e.actor })
                    : t(`event.${e.type}`, { defaultValue: e.type })
                }
              </td>
              <td>${e.detail ? detailTable(v, e.detail) : ""}</td>
            </tr>`,
        )}
      </table>
      <h2>${t("lineage.content")}</h2>
      <table id="files">
        <tr>
          <th>${t("lineage.file")}</th>
          <th>${t("lineage.type")}</th>
          <th class="n">${t("lineage.size")}</th>
          <th>sha256</th>
        </tr>
        <tr>
          <td>${download(`/admin/lineage/${d.id}/document`, t("lineage.original"))}</td>
          <td>${d.contentType ?? ""}</td>
          <td class="n">${v.bytes(d.size)}</td>
          <td><code>${d.sha256 ?? ""}</code></td>
        </tr>
        ${l.attachments.map(
          (a) =>
            html`<tr>
              <td>${download(`/admin/attachments/${a.id}`, a.name)}${a.group ? html` <span class="muted">(${a.group})</span>` : ""}</td>
              <td>${a.contentType}</td>
              <td class="n">${v.bytes(a.size)}</td>
              <td><code>${a.sha256 ?? ""}</code></td>
            </tr>`,
        )}
      </table>
      <h2>${t("lineage.published")}</h2>
      ${l.published.length === 0 ? html`<p class="muted">${t("lineage.none")}</p>` : ""}
      <table id="outbox">
        <tr>
          <th>${t("col.tenant")} / ${t("col.subscriber")}</th>
          <th>${t("lineage.routingKey")}</th>
          <th>${t("lineage.state")}</th>
          <th>message-id</th>
        </tr>
        ${l.published.map(
          (o) =>
            html`<tr>
              <td>${o.tenant} / ${o.subscriber} <span class="muted">(${o.kind})</span></td>
              <td><code>${o.routingKey}</code></td>
              <td>
                ${
                  o.publishedAt
                    ? html`<span class="ok">${t("lineage.publishedAt", { when: v.when(o.publishedAt, true) })}</span>`
                    : html`<span class="red"
                        >${t("lineage.waiting", { since: v.when(o.createdAt), count: o.attempts })}${o.lastError ? `: ${o.lastError}` : ""}</span
                      >`
                }
              </td>
              <td><code>${o.messageId}</code></td>
            </tr>`,
        )}
      </table>
      ${
        operator
          ? payloads.map(
              (o) =>
                html`<details class="event">
                  <summary>${t("lineage.showEvent", { tenant: o.tenant })}</summary>
                  <pre class="payload">${JSON.stringify(o.payload, null, 2)}</pre>
                </details>`,
            )
          : l.published.length > 0
            ? html`<p class="muted">${t("lineage.payloadOperatorsOnly")}</p>`
            : ""
      }`,
  );
}

/** The second step of a cancel: what will be cancelled, and the button that does it. */
export function cancelPage(v: View, items: { id: string; reference: string }[], action: string): Html {
  const { t } = v;
  return page(
    v,
    t("cancel.title"),
    html`<p>${t("cancel.explain", { count: items.length })}</p>
      <ul id="to-cancel">
        ${items.map((i) => html`<li><a href="/admin/lineage/${i.id}">${i.reference}</a></li>`)}
      </ul>
      <form method="post" action="${action}">
        ${csrfField(v.session!)} ${items.map((i) => html`<input type="hidden" name="id" value="${i.id}" />`)}
        <button name="do" value="cancel-confirmed" id="confirm-cancel">${t("cancel.confirm")}</button>
        <a href="${items.length === 1 ? `/admin/lineage/${items[0]!.id}` : "/admin/parked"}">${t("cancel.back")}</a>
      </form>`,
  );
}
