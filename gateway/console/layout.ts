import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { LANGUAGES, type View } from "./i18n.ts";
import { CSRF_FIELD, type Session } from "./session.ts";

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2733;background:#f6f7f9}
header{background:#17324d;color:#fff;padding:.6rem 1rem;display:flex;gap:1.2rem;align-items:center}
header a{color:#fff;text-decoration:none}header .who{margin-left:auto;opacity:.8}header .lang a{opacity:.7}header .lang a.on{opacity:1;font-weight:600}
main{padding:1rem 1.5rem;max-width:1300px}
table{border-collapse:collapse;width:100%;background:#fff;margin:.5rem 0 1.2rem}
th,td{border:1px solid #d6dbe1;padding:.3rem .5rem;text-align:left;vertical-align:top}td.n,th.n{text-align:right}
th{background:#eef1f4}pre{background:#fff;border:1px solid #d6dbe1;padding:.6rem;overflow:auto;max-height:28rem}
table.kv{width:auto;margin:.2rem 0}table.kv th{font-weight:500;background:#f6f7f9}
details{margin:.4rem 0}summary{cursor:pointer;color:#17324d}
.red{color:#b3261e;font-weight:600}.ok{color:#1e7b34}.muted{color:#687685}
.state-parked{color:#9a6700;font-weight:600}.state-cancelled{color:#687685}.state-published{color:#1e7b34}
form.inline{display:inline}button{cursor:pointer}input,select{padding:.2rem}
a.button{border:1px solid #687685;border-radius:3px;padding:.1rem .5rem;background:#eef1f4;color:#1d2733;text-decoration:none}
.bar{background:#d6dbe1;height:.8rem;width:20rem}.bar div{background:#1e7b34;height:100%}
`;

/** A form field with the session's CSRF token: every form that POSTs includes it. */
export const csrfField = (s: Session) => html`<input type="hidden" name="${CSRF_FIELD}" value="${s.csrf}" />`;

/** The language switch: a plain link, the choice is kept in a cookie (no script). */
const switcher = (v: View) =>
  html`<span class="lang"
    >${LANGUAGES.map((l) => html` <a href="${v.path}?lang=${l}" class="${l === v.lang ? "on" : ""}" hreflang="${l}" lang="${l}">${l.toUpperCase()}</a>`)}</span
  >`;

/** The page frame: navigation, who is logged in with which role, language and logout. */
export function page(v: View, title: string, body: Html, opts: { refreshSeconds?: number } = {}): Html {
  const { t, session } = v;
  return html`<!doctype html>
    <html lang="${v.lang}">
      <head>
        <meta charset="utf-8" />
        ${opts.refreshSeconds ? html`<meta http-equiv="refresh" content="${opts.refreshSeconds}" />` : ""}
        <title>${title} · ${t("layout.product")}</title>
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <style>
          ${STYLE}
        </style>
      </head>
      <body>
        <header>
          <strong>ozg-hub</strong>${
            session
              ? html`<a href="/admin">${t("nav.overview")}</a><a href="/admin/traffic">${t("nav.traffic")}</a><a href="/admin/broker">${t("nav.broker")}</a
                  ><a href="/admin/search">${t("nav.search")}</a><a href="/admin/parked">${t("nav.parked")}</a><a href="/admin/audit">${t("nav.audit")}</a>
                  <span class="who">${session.actor} (${t(`role.${session.role}`)})</span>
                  ${switcher(v)}
                  <form class="inline" method="post" action="/admin/logout">${csrfField(session)}<button>${t("nav.logout")}</button></form>`
              : html`<span class="who"></span>${switcher(v)}`
          }
        </header>
        <main>
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html>`;
}

/** The login form; `configured` false: no admin token is configured, which the page says. */
export function loginPage(v: View, o: { configured: boolean; error?: string; sso?: string }): Html {
  const { t } = v;
  return page(
    v,
    t("login.title"),
    html`${o.error ? html`<p class="red" id="error">${o.error}</p>` : ""}
      ${o.sso ? html`<p><a class="button" id="sso" href="/admin/login/sso">${t("login.sso", { provider: o.sso })}</a></p>` : ""}
      <form method="post" action="/admin/login">
        <label>${t("login.token")} <input type="password" name="token" autocomplete="current-password" autofocus required /></label>
        <button type="submit">${t("login.submit")}</button>
      </form>
      <p class="muted">${t("login.cookie")}</p>
      <p id="access-hint" class="${o.configured ? "muted" : "red"}">
        ${o.configured ? "" : `${t("login.none")} `}${t("login.where")} <code>admin</code>: <code>tokenSha256</code> ${t("login.operators")},
        <code>viewerTokenSha256</code> ${t("login.viewers")} (<code>printf %s "$TOKEN" | sha256sum</code>). ${t("login.sample")} <code>admin-dev-token</code>,
        <code>viewer-dev-token</code>. ${t("login.ssoHint")}
      </p>`,
  );
}

/** A page that moves on to `to` at once (meta refresh, no script), with a link for the rest. */
export function redirectPage(v: View, to: string): Html {
  return html`<!doctype html>
    <html lang="${v.lang}">
      <head>
        <meta charset="utf-8" />
        <meta http-equiv="refresh" content="0;url=${to}" />
        <title>${v.t("layout.product")}</title>
      </head>
      <body>
        <p><a href="${to}">${v.t("login.continue")}</a></p>
      </body>
    </html>`;
}

export function errorPage(v: View, title: string, message: string): Html {
  return page(v, title, html`<p class="red" id="problem">${message}</p>`);
}

/**
 * A value of an event or a park reason as people read it: objects as small tables of field and
 * value, lists as lists, never JSON in a pre block. Field names have a label where the
 * catalogue knows them (`field.<name>`), and stay as they are otherwise.
 */
export function detailTable(v: View, value: unknown, depth = 0): Html | string {
  if (value === null || value === undefined) return "–";
  if (typeof value !== "object") return String(value);
  if (Array.isArray(value)) {
    if (value.every((x) => typeof x !== "object" || x === null)) return value.join(", ");
    return html`<ol>
      ${value.map((x) => html`<li>${detailTable(v, x, depth + 1)}</li>`)}
    </ol>`;
  }
  if (depth > 3) return JSON.stringify(value);
  return html`<table class="kv">
    ${Object.entries(value as Record<string, unknown>).map(
      ([k, x]) =>
        html`<tr>
          <th>${v.t(`field.${k}`, { defaultValue: k })}</th>
          <td>${detailTable(v, x, depth + 1)}</td>
        </tr>`,
    )}
  </table>`;
}
