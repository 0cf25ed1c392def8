import { html } from 'hono/html';
import { CONSOLE_CSS, type Html } from '../console/layout.ts';
import type { PortalSettings } from '../domain/portal.ts';
import { pageSecurityHeaders } from '../lib/page-security.ts';

/** The portal's look: the console's stylesheet, with the tenant's accent where the console has its own dark blue. */
export const PORTAL_CSS = `${CONSOLE_CSS}
header { background:var(--accent, #1d2330); color:var(--on-accent, #fff); }
header a, header .muted { color:var(--on-accent, #fff); }
header img { max-height:32px; max-width:160px; }
button.primary { background:var(--accent, #1f5fbf); border-color:var(--accent, #1f5fbf); color:var(--on-accent, #fff); }
.edit label { display:block; margin:.7rem 0 .2rem; font-weight:600; }
.edit input[type=url], .edit input[type=text] { width:100%; max-width:40rem; font:inherit; padding:.4rem; border:1px solid #b9c0cc; border-radius:6px; }
.edit fieldset { border:1px solid var(--line); border-radius:6px; margin:.8rem 0; }
.edit fieldset label { display:inline-flex; gap:.3rem; font-weight:400; margin:.2rem 1rem .2rem 0; }
`;

const HEX = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;

/** `#rgb` → `#rrggbb`; null for anything that is not a hex colour. */
const sixDigits = (accent: string | null): string | null => {
  if (!accent || !HEX.test(accent)) return null;
  const hex = accent.slice(1);
  return `#${hex.length === 3 ? [...hex].map((digit) => digit + digit).join('') : hex}`.toLowerCase();
};

/** WCAG relative luminance of `#rrggbb`. */
const luminance = (hex: string) => {
  const [r, g, b] = [1, 3, 5].map((at) => {
    const channel = Number.parseInt(hex.slice(at, at + 2), 16) / 255;
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};

/**
 * The theme stylesheet of an accent (served at /portal/assets/theme.css?accent=rrggbb, so the page
 * needs no inline style): text on the accent is white or near-black, whichever contrasts more.
 */
export function themeCss(accentParam: string | undefined): string {
  const accent = sixDigits(accentParam ? `#${accentParam}` : null);
  if (!accent) return '';
  const light = luminance(accent);
  const onAccent = 1.05 / (light + 0.05) >= (light + 0.05) / (luminance('#1d2330') + 0.05) ? '#ffffff' : '#1d2330';
  return `:root { --accent:${accent}; --on-accent:${onAccent}; }\n`;
}

/** The portal's page headers: the shared strict policy, the logo's origin for images, framing per the link. */
export function portalSecurityHeaders(settings: PortalSettings): Record<string, string> {
  const logoOrigin = settings.logo_url ? new URL(settings.logo_url).origin : null;
  return pageSecurityHeaders({ frameAncestors: settings.frame_ancestors, imageSources: logoOrigin ? [logoOrigin] : [] });
}

export interface PortalPageOptions {
  title: string;
  body: Html;
  settings: PortalSettings;
  /** The tenant's name; absent on pages shown without a session. */
  tenantName?: string;
  csrf?: string;
}

export function portalPage(options: PortalPageOptions): Html {
  const accent = sixDigits(options.settings.accent);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · ${options.tenantName ?? 'Webhooks'} portal</title>
<link rel="stylesheet" href="/portal/assets/portal.css">
${accent ? html`<link rel="stylesheet" href="/portal/assets/theme.css?accent=${accent.slice(1)}">` : ''}
<script src="/portal/assets/portal.js" defer></script>
</head>
<body>
<header>
  ${options.settings.logo_url ? html`<img src="${options.settings.logo_url}" alt="">` : ''}
  <a href="/portal">${options.tenantName ? `${options.tenantName} · webhooks` : 'Webhooks portal'}</a>
  ${
    options.csrf
      ? html`<nav aria-label="Portal"><a href="/portal">Endpoints</a> <a href="/portal/events">Event catalogue</a> <a href="/portal/verifying">Verifying signatures</a></nav>
  <form method="post" action="/portal/logout"><input type="hidden" name="_csrf" value="${options.csrf}"><button type="submit">Sign out</button></form>`
      : ''
  }
</header>
<main>${options.body}</main>
</body>
</html>`;
}
