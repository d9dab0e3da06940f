import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { CSRF_FIELD, type Session } from "./session.ts";

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2733;background:#f6f7f9}
header{background:#17324d;color:#fff;padding:.6rem 1rem;display:flex;gap:1.2rem;align-items:center}
header a{color:#fff;text-decoration:none}header .who{margin-left:auto;opacity:.8}
main{padding:1rem 1.5rem;max-width:1300px}
table{border-collapse:collapse;width:100%;background:#fff;margin:.5rem 0 1.2rem}
th,td{border:1px solid #d6dbe1;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f4}pre{background:#fff;border:1px solid #d6dbe1;padding:.6rem;overflow:auto;max-height:28rem}
.red{color:#b3261e;font-weight:600}.ok{color:#1e7b34}.muted{color:#687685}
.state-parked{color:#9a6700;font-weight:600}.state-cancelled{color:#687685}.state-published{color:#1e7b34}
form.inline{display:inline}a.button{border:1px solid #687685;border-radius:3px;padding:.1rem .5rem;background:#eef1f4;color:#1d2733;text-decoration:none}button{cursor:pointer}input,select{padding:.2rem}
.bar{background:#d6dbe1;height:.8rem;width:20rem}.bar div{background:#1e7b34;height:100%}
`;

/** A form field with the session's CSRF token: every form that POSTs includes it. */
export const csrfField = (s: Session) => html`<input type="hidden" name="${CSRF_FIELD}" value="${s.csrf}" />`;

/** The page frame: navigation, who is logged in with which role, and logout. */
export function page(title: string, session: Session | undefined, body: Html, opts: { refreshSeconds?: number } = {}): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        ${opts.refreshSeconds ? html`<meta http-equiv="refresh" content="${opts.refreshSeconds}" />` : ""}
        <title>${title} · ozg-hub console</title>
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <style>
          ${STYLE}
        </style>
      </head>
      <body>
        <header>
          <strong>ozg-hub</strong>${
            session
              ? html`<a href="/admin">Overview</a><a href="/admin/search">Search</a><a href="/admin/parked">Parked</a>
                  <span class="who">${session.actor} (${session.role})</span>
                  <form class="inline" method="post" action="/admin/logout">${csrfField(session)}<button>Log out</button></form>`
              : ""
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
export function loginPage(o: { configured: boolean; error?: string }): Html {
  return page(
    "Log in",
    undefined,
    html`${o.error ? html`<p class="red" id="error">${o.error}</p>` : ""}
      <form method="post" action="/admin/login">
        <label>Admin token <input type="password" name="token" autocomplete="current-password" autofocus required /></label>
        <button type="submit">Log in</button>
      </form>
      <p class="muted">The token is exchanged once for a session cookie; it is not stored in the browser.</p>
      <p id="access-hint" class="${o.configured ? "muted" : "red"}">
        ${o.configured ? "" : "No console access is configured. "}Access is configured in gateway.yaml, section <code>admin</code>: the sha256 of each operator
        token in <code>tokenSha256</code>, of each read-only token in <code>viewerTokenSha256</code> (<code>printf %s "$TOKEN" | sha256sum</code>). The sample
        config accepts <code>admin-dev-token</code> and <code>viewer-dev-token</code>.
      </p>`,
  );
}

/** `2026-12-01 21:44:57` in UTC, the operators' common clock; `exact` adds milliseconds (states and timelines). */
export const when = (d: Date | null | undefined, exact = false) =>
  d
    ? d
        .toISOString()
        .replace("T", " ")
        .slice(0, exact ? 23 : 19)
    : "";

export const bytes = (n: number) => (n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`);

export function errorPage(session: Session | undefined, title: string, message: string): Html {
  return page(title, session, html`<p class="red">${message}</p>`);
}
