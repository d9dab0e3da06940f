import { html } from "hono/html";
import type { Store } from "../store/db.ts";
import type { View } from "./i18n.ts";
import { detailTable, page, type Html } from "./layout.ts";
import { ACTIONS } from "./lineage-page.ts";
import { isUuid } from "./queries.ts";

export interface AuditEntry {
  at: Date;
  actor: string;
  role: string;
  action: string;
  target: string | null;
  detail: unknown;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
}

/** Audit entries, newest first, optionally of one person (part of the name or subject) and one action. */
export async function auditEntries(store: Store, f: AuditFilter, limit = 500): Promise<AuditEntry[]> {
  const { sql } = store;
  const like = f.actor ? `%${f.actor.replace(/[\\%_]/g, (m) => `\\${m}`)}%` : null;
  const rows = await sql`
    select at, actor, role, action, target, detail::text as detail from audit_log
    where true ${like ? sql`and actor ilike ${like}` : sql``} ${f.action ? sql`and action = ${f.action}` : sql``}
    order by id desc limit ${limit}`;
  return rows.map((r) => ({
    at: r.at instanceof Date ? r.at : new Date(String(r.at)),
    actor: r.actor,
    role: r.role,
    action: r.action,
    target: r.target,
    detail: typeof r.detail === "string" ? JSON.parse(r.detail) : null,
  }));
}

/** The people who appear in the audit log, for the filter. */
export async function auditActors(store: Store): Promise<string[]> {
  return (await store.sql`select distinct actor from audit_log order by actor`).map((r) => r.actor as string);
}

const target = (t: string | null) => (t && isUuid(t) ? html`<a href="/admin/lineage/${t}">${t}</a>` : (t ?? ""));

export function auditPage(v: View, entries: AuditEntry[], actors: string[], f: AuditFilter): Html {
  const { t } = v;
  const csv = new URLSearchParams({ ...(f.actor ? { actor: f.actor } : {}), ...(f.action ? { action: f.action } : {}) }).toString();
  return page(
    v,
    t("audit.title"),
    html`<form method="get" action="/admin/audit" id="audit-filter">
        <select name="actor">
          <option value="">${t("audit.allPeople")}</option>
          ${actors.map((a) => html`<option ${a === f.actor ? "selected" : ""}>${a}</option>`)}
        </select>
        <select name="action">
          <option value="">${t("audit.allActions")}</option>
          ${ACTIONS.map((a) => html`<option value="${a}" ${a === f.action ? "selected" : ""}>${t(`action.${a}`)}</option>`)}
        </select>
        <button type="submit">${t("audit.filter")}</button>
        <a id="audit-csv" class="button" href="/admin/audit.csv${csv ? `?${csv}` : ""}" download>${t("audit.csv")}</a>
      </form>
      ${
        entries.length === 0
          ? html`<p id="no-hits">${t("search.nothing")}</p>`
          : html`<table id="audit">
              <tr>
                <th>${t("audit.when")}</th>
                <th>${t("audit.who")}</th>
                <th>${t("audit.what")}</th>
                <th>${t("audit.delivery")}</th>
                <th>${t("lineage.detail")}</th>
              </tr>
              ${entries.map(
                (e) =>
                  html`<tr>
                    <td>${v.when(e.at, true)}</td>
                    <td class="actor">${e.actor} <span class="muted">(${t(`role.${e.role}`, { defaultValue: e.role })})</span></td>
                    <td class="action">${t(`action.${e.action}`, { defaultValue: e.action })}</td>
                    <td>${target(e.target)}</td>
                    <td>${e.detail ? detailTable(v, e.detail) : ""}</td>
                  </tr>`,
              )}
            </table>`
      }`,
  );
}

/**
 * One CSV cell (RFC 4180): quoted when it holds a separator, quote or line break; a leading
 * = + - @ is defused with an apostrophe so that a spreadsheet never runs it as a formula.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",;\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The audit entries as CSV, times in ISO 8601 (UTC) for machines, one entry a line. */
export function auditCsv(entries: AuditEntry[]): string {
  const lines = [["at", "actor", "role", "action", "delivery", "detail"]];
  for (const e of entries) lines.push([e.at.toISOString(), e.actor, e.role, e.action, e.target ?? "", e.detail ? JSON.stringify(e.detail) : ""]);
  return lines.map((l) => l.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
