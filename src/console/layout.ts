import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Served at /console/assets/console.css; no inline styles, so the CSP can forbid them. */
export const CONSOLE_CSS = `
:root { --fg:#1d2330; --muted:#5d6678; --line:#dde1e8; --bg:#f6f7f9; --ok:#17803d; --bad:#b42318; --wait:#9a6700; --link:#1f5fbf; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; align-items:center; gap:1rem; padding:.6rem 1.2rem; background:#1d2330; color:#fff; }
header a { color:#fff; text-decoration:none; font-weight:600; }
header form { margin-left:auto; }
header nav a { font-weight:400; margin-right:.8rem; }
header .muted { color:#c3c9d4; }
form.search { display:flex; flex-wrap:wrap; gap:.6rem 1rem; align-items:flex-end; }
form.search label { display:flex; flex-direction:column; font-weight:600; font-size:.85rem; }
form.search input, form.search select { font:inherit; font-weight:400; padding:.3rem; border:1px solid #b9c0cc; border-radius:6px; }
main { max-width:1200px; margin:0 auto; padding:1.2rem; }
h1 { font-size:1.35rem; margin:.2rem 0 1rem; } h2 { font-size:1.1rem; margin:1.5rem 0 .6rem; }
a { color:var(--link); }
table { width:100%; border-collapse:collapse; background:#fff; border:1px solid var(--line); }
th, td { text-align:left; padding:.45rem .6rem; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:.8rem; text-transform:uppercase; letter-spacing:.03em; color:var(--muted); background:#fafbfc; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size:.85rem; }
pre { background:#fff; border:1px solid var(--line); padding:.7rem; overflow:auto; max-height:24rem; white-space:pre-wrap; word-break:break-all; }
.muted { color:var(--muted); }
.badge { display:inline-block; padding:.05rem .45rem; border-radius:999px; font-size:.78rem; font-weight:600; border:1px solid currentColor; }
.succeeded, .enabled { color:var(--ok); } .failed, .disabled { color:var(--bad); } .pending { color:var(--wait); }
.notice { padding:.6rem .8rem; border-radius:6px; margin-bottom:1rem; background:#e8f3ec; border:1px solid #b7dcc4; }
.notice.error { background:#fdecea; border-color:#f4c1bb; }
.empty { padding:1.5rem; text-align:center; background:#fff; border:1px dashed var(--line); color:var(--muted); }
.actions { display:flex; flex-wrap:wrap; gap:.5rem; margin:.8rem 0; }
.actions form { margin:0; }
button { font:inherit; padding:.35rem .8rem; border-radius:6px; border:1px solid #b9c0cc; background:#fff; cursor:pointer; }
a.button { display:inline-block; padding:.35rem .8rem; border-radius:6px; border:1px solid #b9c0cc; background:#fff; color:var(--fg); text-decoration:none; }
button.primary { background:#1f5fbf; border-color:#1f5fbf; color:#fff; }
button[disabled] { opacity:.6; cursor:progress; }
.filters a { margin-right:.8rem; } .filters a.current { font-weight:700; text-decoration:none; color:var(--fg); }
.pager { display:flex; gap:1rem; align-items:center; margin-top:.8rem; }
.card { background:#fff; border:1px solid var(--line); padding:1rem; margin-bottom:1rem; border-radius:6px; }
.attempt { background:#fff; border:1px solid var(--line); border-radius:6px; padding:.8rem 1rem; margin-bottom:1rem; }
.attempt th { text-transform:none; letter-spacing:0; font-family: ui-monospace, monospace; }
dl.grid { display:grid; grid-template-columns:max-content 1fr; gap:.25rem 1rem; margin:0; } dl.grid dt { color:var(--muted); }
.login { max-width:460px; margin:3rem auto; }
.login label { display:block; margin:.6rem 0 .2rem; font-weight:600; }
.login input, .login textarea { width:100%; font:inherit; padding:.4rem; border:1px solid #b9c0cc; border-radius:6px; }
.secret { font-size:1rem; padding:.6rem; background:#fff8e1; border:1px solid #f0d48a; word-break:break-all; }
.form label { display:block; margin:.7rem 0 .2rem; font-weight:600; }
.form input:not([type=checkbox]), .form select { width:100%; max-width:40rem; font:inherit; padding:.35rem; border:1px solid #b9c0cc; border-radius:6px; }
.form fieldset { border:1px solid var(--line); border-radius:6px; margin:.8rem 0; padding:.4rem .8rem .8rem; max-width:42rem; }
.form label.check { display:inline-block; font-weight:400; margin:.2rem 1rem .2rem 0; }
.form small { display:block; margin-top:.15rem; }
.inline-form { align-items:center; } .inline-form input { font:inherit; padding:.3rem; border:1px solid #b9c0cc; border-radius:6px; }
progress { width:100%; max-width:40rem; height:1.2rem; }
`;

/** The loading state: a submitted form's button is disabled and says so until the next page arrives. */
export const CONSOLE_JS = `document.addEventListener('submit', function (event) {
  var button = event.target.querySelector('button[type=submit], button:not([type])');
  if (!button) return;
  event.target.setAttribute('aria-busy', 'true');
  setTimeout(function () { button.disabled = true; button.textContent = button.getAttribute('data-busy') || 'Working…'; }, 0);
});`;

export interface PageOptions {
  title: string;
  body: Html;
  /** The CSRF token of the session, for the sign-out form; absent on the sign-in page. */
  csrf?: string;
  signedInAs?: string;
}

export function page(options: PageOptions): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · hookgate console</title>
<link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/console.js" defer></script>
</head>
<body>
<header>
  <a href="/console">hookgate console</a>
  ${options.csrf ? html`<nav><a href="/console/search">Search</a> <a href="/console/failing">Failing now</a> <a href="/console/charts">Charts</a> <a href="/console/audit">Audit log</a> <a href="/console/users">Users</a></nav>` : ''}
  ${options.signedInAs ? html`<span class="muted">${options.signedInAs}</span>` : ''}
  ${options.csrf ? html`<form method="post" action="/console/logout"><input type="hidden" name="_csrf" value="${options.csrf}"><button type="submit">Sign out</button></form>` : ''}
</header>
<main>${options.body}</main>
</body>
</html>`;
}

/** A form posting to `action` with the session's CSRF token, any further hidden `fields`, and one button. */
export const actionForm = (action: string, csrf: string, label: string, options: { primary?: boolean; busy?: string; fields?: Record<string, string> } = {}) =>
  html`<form method="post" action="${action}"><input type="hidden" name="_csrf" value="${csrf}">${Object.entries(options.fields ?? {}).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  )}<button type="submit"${options.primary ? html` class="primary"` : ''} data-busy="${options.busy ?? 'Working…'}">${label}</button></form>`;

export const when = (ms: number | null): Html =>
  ms === null ? html`<span class="muted">—</span>` : html`<time datetime="${new Date(ms).toISOString()}">${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} UTC</time>`;

export const badge = (status: string) => html`<span class="badge ${status}">${status}</span>`;

export const notice = (text: string | undefined, kind: 'ok' | 'error' = 'ok'): Html =>
  text ? html`<div class="notice${kind === 'error' ? ' error' : ''}" role="status">${text}</div>` : html``;

/** Newer / older links around "Page n of m · total noun"; `link(n)` is the address of page n. */
export const pager = (current: number, pages: number, total: Html | string, link: (page: number) => string): Html => html`<div class="pager">
  ${current > 1 ? html`<a href="${link(current - 1)}" rel="prev">← Newer</a>` : ''}
  <span class="muted">Page ${current} of ${pages} · ${total}</span>
  ${current < pages ? html`<a href="${link(current + 1)}" rel="next">Older →</a>` : ''}
</div>`;

export const empty = (text: Html | string) => html`<div class="empty">${text}</div>`;
