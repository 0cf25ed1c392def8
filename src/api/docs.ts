import { Hono } from 'hono';
import { html, raw } from 'hono/html';
import { pageSecurityHeaders } from '../lib/page-security.ts';
import { randomToken } from '../lib/random.ts';
import type { ApiReferenceScript } from '../services.ts';
import type { AppEnv } from './context.ts';

export const apiReferenceScriptPath = (version: string) => `/docs/assets/api-reference-${version}.js`;
/** A versioned address never changes content: browsers and proxies may keep it for a year without asking again. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * What the reference is told: the document, no fonts or proxy from scalar.com, no telemetry, no
 * AI agent or MCP button (each would call another origin, which the page's CSP forbids anyway).
 */
const REFERENCE_CONFIG = {
  url: '/openapi.json',
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  mcp: { disabled: true },
  showDeveloperTools: 'never',
  hideDarkModeToggle: true,
  // The default light theme's grey text and method colours fall below WCAG AA contrast (4.5:1) on its backgrounds.
  customCss:
    '.light-mode, .light-mode .sidebar { --scalar-color-3: #626262; --scalar-color-green: #00704a; --scalar-color-red: #c40000; --scalar-color-blue: #1f5fbf; --scalar-color-orange: #a34f00; --scalar-color-yellow: #8a6100; --scalar-color-purple: #6e3fc9; }',
};

/**
 * GET /docs and the script it loads. The page's CSP allows scripts from our origin and the one
 * inline initialiser carrying the response's nonce, nothing else; the reference (Vue and
 * Tailwind) injects `<style>` elements and style attributes of its own that no nonce reaches, so
 * this page alone allows inline styles, and draws icons from `data:` URLs.
 */
export function docsApi(script: ApiReferenceScript | undefined): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const address = script && apiReferenceScriptPath(script.version);
  app.get('/docs', (c) => {
    const nonce = randomToken(16);
    for (const [name, value] of Object.entries(pageSecurityHeaders({ nonce, imageSources: ['data:'], inlineStyles: true }))) c.header(name, value);
    c.header('Cache-Control', 'no-store');
    if (!address) return c.html(unbundledPage(), 200);
    return c.html(referencePage(address, nonce));
  });
  if (address && script.read) {
    const read = script.read;
    let gzipped: Promise<Uint8Array | null> | undefined;
    app.get(address, async (c) => {
      const headers = { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': IMMUTABLE, 'X-Content-Type-Options': 'nosniff', Vary: 'Accept-Encoding' };
      if (/\bgzip\b/.test(c.req.header('Accept-Encoding') ?? '')) {
        gzipped ??= read().then(gzip);
        const body = await gzipped;
        if (body) return c.body(body as Uint8Array<ArrayBuffer>, 200, { ...headers, 'Content-Encoding': 'gzip' });
      }
      return c.body((await read()) as Uint8Array<ArrayBuffer>, 200, headers);
    });
  }
  return app;
}

/** The script gzipped once (about a quarter of its size), where the runtime has CompressionStream; else null. */
async function gzip(bytes: Uint8Array): Promise<Uint8Array | null> {
  if (typeof CompressionStream !== 'function') return null;
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const referencePage = (address: string, nonce: string) => html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hookgate API reference</title>
</head>
<body>
<div id="app"></div>
<script src="${address}" nonce="${nonce}"></script>
<script nonce="${nonce}">Scalar.createApiReference('#app', ${raw(JSON.stringify(REFERENCE_CONFIG).replace(/</g, '\\u003c'))});</script>
</body>
</html>`;

const unbundledPage = () => html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>hookgate API reference</title></head>
<body><main><h1>hookgate API reference</h1><p>This build does not bundle the reference UI. The OpenAPI document is at <a href="/openapi.json">/openapi.json</a>.</p></main></body>
</html>`;
