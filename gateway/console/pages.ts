import { html } from "hono/html";
import { channels } from "../contract.ts";
import type { CertificateExpiry } from "./certificates.ts";
import type { ReplayJob } from "./jobs.ts";
import { bytes, csrfField, page, when, type Html } from "./layout.ts";
import type { Hit, Lineage, ParkedGroup, SearchQuery, SubscriberLoad, WayBackLoad } from "./queries.ts";
import type { Session } from "./session.ts";

/** Certificates with fewer days left than this are shown red. */
export const EXPIRY_WARN_DAYS = 30;

const state = (s: string) => html`<span class="state-${s}">${s}</span>`;
const json = (v: unknown) => JSON.stringify(v, null, 2);

export interface OverviewData {
  load: SubscriberLoad[];
  parked: { tenant: string | null; count: number }[];
  reloadProblems: string[] | undefined;
  certificates: CertificateExpiry[];
  waysBack: WayBackLoad[];
  /** Why a database failover could lose acknowledged deliveries, if it could. */
  replicationWarning?: string;
}

export function overviewPage(s: Session, o: OverviewData): Html {
  return page(
    "Overview",
    s,
    html`${o.replicationWarning ? html`<p class="red" id="replication-warning">Database replication: ${o.replicationWarning}</p>` : ""}
      <h2>Subscribers</h2>
      <table id="subscribers">
        <tr>
          <th>tenant</th>
          <th>subscriber</th>
          <th>last hour</th>
          <th>per hour (24 h)</th>
          <th>backlog</th>
          <th>oldest waiting</th>
          <th>relay lag (mean, 1 h)</th>
          <th>last error</th>
        </tr>
        ${o.load.map(
          (l) =>
            html`<tr>
              <td>${l.tenant}</td>
              <td>${l.subscriber}</td>
              <td>${l.lastHour}</td>
              <td>${l.perHourToday}</td>
              <td class="${l.backlog > 0 ? "red" : ""}">${l.backlog}</td>
              <td>${l.oldestWaitingSeconds} s</td>
              <td>${l.meanLagSeconds === null ? "–" : `${l.meanLagSeconds} s`}</td>
              <td>${l.lastError ?? ""}</td>
            </tr>`,
        )}
      </table>
      <h2>Parked</h2>
      <table id="parked-by-tenant">
        <tr>
          <th>tenant</th>
          <th>parked</th>
        </tr>
        ${o.parked.map(
          (p) =>
            html`<tr>
              <td>${p.tenant ?? "(no tenant)"}</td>
              <td><a href="/admin/parked">${p.count}</a></td>
            </tr>`,
        )}
      </table>
      <h2>Ways back to portals</h2>
      <table id="ways-back">
        <tr>
          <th>portal</th>
          <th>way back</th>
          <th>waiting</th>
          <th>failed</th>
          <th>parked</th>
          <th>delivered (24 h)</th>
          <th>endpoint</th>
          <th>last error</th>
        </tr>
        ${o.waysBack.map(
          (w) =>
            html`<tr class="${w.endpoint === "disabled" ? "red" : ""}">
              <td>${w.portal}</td>
              <td>${w.channel}</td>
              <td>${w.pending}</td>
              <td class="${w.failed > 0 ? "red" : ""}">${w.failed}</td>
              <td>${w.parked}</td>
              <td>${w.deliveredLastDay}</td>
              <td>
                ${w.endpoint ?? ""}
                ${
                  w.endpoint === "disabled" && s.role === "operator"
                    ? html`<form class="inline" method="post" action="/admin/ways-back/${w.portal}/${w.channel}/enable">
                        ${csrfField(s)}<button>Enable</button>
                      </form>`
                    : ""
                }
              </td>
              <td>${w.lastError ?? ""}</td>
            </tr>`,
        )}
      </table>
      ${o.waysBack.length === 0 ? html`<p class="muted">No statuses for portals yet.</p>` : ""}
      <h2>Configuration</h2>
      <p id="config-state">
        ${
          o.reloadProblems
            ? html`<span class="red">The last reload was rejected; the previous config is running.</span>
                <pre>${o.reloadProblems.join("\n")}</pre>`
            : html`<span class="ok">Running config loaded without problems.</span>`
        }
      </p>
      <h2>Certificates and keys</h2>
      <table id="certificates">
        <tr>
          <th>use</th>
          <th>file</th>
          <th>subject</th>
          <th>valid until</th>
          <th>days left</th>
        </tr>
        ${o.certificates.map(
          (c) =>
            html`<tr class="${c.error || (c.daysLeft ?? 0) < EXPIRY_WARN_DAYS ? "red" : ""}" data-days="${c.daysLeft ?? ""}">
              <td>${c.use}</td>
              <td>${c.file}</td>
              <td>${c.subject ?? ""}</td>
              <td>${when(c.notAfter)}</td>
              <td>${c.error ? `unreadable: ${c.error}` : c.daysLeft}</td>
            </tr>`,
        )}
      </table>
      ${o.certificates.length === 0 ? html`<p class="muted">No certificates configured.</p>` : ""}`,
  );
}

const iso = (d: Date | undefined) => (d ? d.toISOString().slice(0, 16) : "");

export function searchPage(s: Session, q: SearchQuery, hits: Hit[] | undefined, tenants: string[]): Html {
  return page(
    "Search",
    s,
    html`<form method="get" action="/admin/search" id="search">
        <input name="q" value="${q.q ?? ""}" placeholder="reference, transactionId, delivery id, applicant" size="40" />
        <select name="tenant">
          <option value="">all tenants</option>
          ${tenants.map((t) => html`<option ${t === q.tenant ? "selected" : ""}>${t}</option>`)}
        </select>
        <select name="channel">
          <option value="">all channels</option>
          ${channels.map((c) => html`<option ${c === q.channel ? "selected" : ""}>${c}</option>`)}
        </select>
        from <input type="datetime-local" name="from" value="${iso(q.from)}" /> to <input type="datetime-local" name="to" value="${iso(q.to)}" /> (UTC)
        <button type="submit">Search</button>
      </form>
      ${hits === undefined ? "" : hitTable(hits, false)}`,
  );
}

function hitTable(hits: Hit[], selectable: boolean): Html {
  if (hits.length === 0) return html`<p id="no-hits">Nothing found.</p>`;
  return html`<table id="hits">
    <tr>
      ${selectable ? html`<th></th>` : ""}
      <th>reference</th>
      <th>received</th>
      <th>channel</th>
      <th>portal</th>
      <th>source id</th>
      <th>tenant</th>
      <th>applicant</th>
      <th>state</th>
    </tr>
    ${hits.map(
      (h) =>
        html`<tr>
          ${selectable ? html`<td><input type="checkbox" name="id" value="${h.id}" /></td>` : ""}
          <td><a href="/admin/lineage/${h.id}">${h.reference}</a></td>
          <td>${when(h.receivedAt)}</td>
          <td>${h.channel}</td>
          <td>${h.portal}</td>
          <td>${h.sourceId ?? ""}</td>
          <td>${h.tenant ?? ""}</td>
          <td>${h.applicants ?? ""}</td>
          <td>${state(h.state)}${h.parkReason ? html`<br /><span class="muted">${h.parkReason}</span>` : ""}</td>
        </tr>`,
    )}
  </table>`;
}

export function lineagePage(s: Session, l: Lineage): Html {
  const d = l.delivery;
  const operator = s.role === "operator";
  const download = (href: string, label: string) =>
    operator ? html`<a href="${href}" download>${label}</a>` : html`<span class="muted" title="operators only">${label}</span>`;
  return page(
    `Delivery ${d.reference}`,
    s,
    html`<table id="delivery">
        <tr>
          <th>state</th>
          <td id="state">${state(d.state)} since ${when(d.stateSince)}${d.parkReason ? html`<pre>${json(d.parkReason)}</pre>` : ""}</td>
        </tr>
        <tr>
          <th>delivery id</th>
          <td>${d.id}</td>
        </tr>
        <tr>
          <th>received</th>
          <td>${when(d.receivedAt)} via ${d.channel} from ${d.portal}</td>
        </tr>
        <tr>
          <th>source id</th>
          <td>${d.sourceId ?? ""}</td>
        </tr>
        <tr>
          <th>tenant / format</th>
          <td>${d.tenant ?? "–"} / ${d.format ?? "–"}</td>
        </tr>
        <tr>
          <th>applications</th>
          <td>${l.applications.map((a) => html`<div>${a.id}: ${a.applicant ?? "(no applicant)"} → ${a.tenant}</div>`)}</td>
        </tr>
      </table>
      ${
        operator && (d.state === "parked" || d.state === "routed")
          ? html`<p id="actions">${d.state === "parked" ? html`<form class="inline" method="post" action="/admin/lineage/${d.id}/replay">${csrfField(s)}<button id="replay">Replay</button></form> ` : ""}
<form class="inline" method="post" action="/admin/lineage/${d.id}/cancel">${csrfField(s)}<button id="cancel">Cancel</button></form></p>`
          : ""
      }
      <h2>Timeline</h2>
      <table id="timeline">
        <tr>
          <th>at</th>
          <th>event</th>
          <th>detail</th>
        </tr>
        ${l.timeline.map(
          (e) =>
            html`<tr class="${e.source}">
              <td>${when(e.at)}</td>
              <td>${e.type}</td>
              <td>${e.detail ? html`<code>${JSON.stringify(e.detail)}</code>` : ""}</td>
            </tr>`,
        )}
      </table>
      <h2>Content</h2>
      <table id="files">
        <tr>
          <th>file</th>
          <th>type</th>
          <th>size</th>
          <th>sha256</th>
        </tr>
        <tr>
          <td>${download(`/admin/lineage/${d.id}/document`, "original document")}</td>
          <td>${d.contentType ?? ""}</td>
          <td>${bytes(d.size)}</td>
          <td><code>${d.sha256 ?? ""}</code></td>
        </tr>
        ${l.attachments.map(
          (a) =>
            html`<tr>
              <td>${download(`/admin/attachments/${a.id}`, a.name)}${a.group ? html` <span class="muted">(${a.group})</span>` : ""}</td>
              <td>${a.contentType}</td>
              <td>${bytes(a.size)}</td>
              <td><code>${a.sha256 ?? ""}</code></td>
            </tr>`,
        )}
      </table>
      <h2>Events as published</h2>
      ${l.published.length === 0 ? html`<p class="muted">None.</p>` : ""}
      ${l.published.map(
        (o) =>
          html`<h3>${o.tenant} / ${o.subscriber} <span class="muted">(${o.kind}, ${o.routingKey})</span></h3>
            <p>
              ${o.publishedAt ? html`<span class="ok">published ${when(o.publishedAt)}</span>` : html`<span class="red">waiting since ${when(o.createdAt)}, ${o.attempts} attempts${o.lastError ? `: ${o.lastError}` : ""}</span>`}
              · message-id <code>${o.messageId}</code>
            </p>
            ${operator ? html`<pre class="payload">${json(o.payload)}</pre>` : html`<p class="muted">The payload is shown to operators only.</p>`}`,
      )}`,
  );
}

export function parkedPage(s: Session, groups: ParkedGroup[], hits: Hit[], filter: { reason?: string; tenant?: string }): Html {
  const operator = s.role === "operator";
  return page(
    "Parked",
    s,
    html`<table id="groups">
        <tr>
          <th>reason</th>
          <th>tenant</th>
          <th>parked</th>
          <th>oldest</th>
        </tr>
        ${groups.map(
          (g) =>
            html`<tr>
              <td>
                <a href="/admin/parked?reason=${encodeURIComponent(g.reason)}${g.tenant ? `&tenant=${encodeURIComponent(g.tenant)}` : ""}">${g.reason}</a>
              </td>
              <td>${g.tenant ?? "(no tenant)"}</td>
              <td>${g.count}</td>
              <td>${when(g.oldest)}</td>
            </tr>`,
        )}
      </table>
      ${filter.reason || filter.tenant ? html`<p>Filter: ${filter.reason ?? ""} ${filter.tenant ?? ""} · <a href="/admin/parked">all</a></p>` : ""}
      <form method="post" action="/admin/parked/act" id="parked-form">
        ${csrfField(s)} <input type="hidden" name="reason" value="${filter.reason ?? ""}" /><input type="hidden" name="tenant" value="${filter.tenant ?? ""}" />
        ${hitTable(hits, operator)}
        ${
          operator && hits.length > 0
            ? html`<p>
                <button name="do" value="replay-selected" id="replay-selected">Replay selected</button>
                <button name="do" value="replay-all" id="replay-all">Replay all matching this filter</button>
                <button name="do" value="cancel-selected" id="cancel-selected">Cancel selected</button>
              </p>`
            : ""
        }
      </form>`,
  );
}

export function jobPage(s: Session, job: ReplayJob): Html {
  const done = job.results.length;
  const count = (k: string) => job.results.filter((r) => r.kind === k).length;
  return page(
    `Replay ${job.finished ? "finished" : "running"}`,
    s,
    html`<p id="progress">
        ${done} of ${job.total} replayed: ${count("routed")} routed, ${count("parked")} still
        parked${count("not_parked") ? `, ${count("not_parked")} no longer parked` : ""}
      </p>
      <div class="bar"><div style="width:${job.total ? Math.round((done / job.total) * 100) : 100}%"></div></div>
      <table>
        <tr>
          <th>delivery</th>
          <th>result</th>
        </tr>
        ${job.results.map(
          (r) =>
            html`<tr>
              <td><a href="/admin/lineage/${r.deliveryId}">${r.deliveryId}</a></td>
              <td>${r.kind}${r.kind === "parked" ? `: ${r.stage}: ${r.message}` : ""}</td>
            </tr>`,
        )}
      </table>
      <p><a href="/admin/parked">Back to the parked list</a></p>`,
    job.finished ? {} : { refreshSeconds: 1 },
  );
}
