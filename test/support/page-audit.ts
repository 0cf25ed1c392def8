import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { toPalettePng } from './png-palette.ts';
import { ROOT } from './server.ts';

const AXE_SOURCE = readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/**
 * Runs axe-core (WCAG 2 A/AA and best-practice rules) on the page as it stands and returns its
 * serious and critical violations, one readable line per element: `rule (impact): help — selector: why`.
 */
export async function seriousAccessibilityProblems(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern (a <script> tag it would refuse).
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  });
  return (violations as AxeViolation[])
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .flatMap((violation) =>
      violation.nodes.map(
        (node) => `${violation.id} (${violation.impact}): ${violation.help} — ${node.target.join(' ')}: ${(node.failureSummary ?? '').replace(/\s+/g, ' ').trim()}`,
      ),
    );
}

/** Every request to a host other than 127.0.0.1 is aborted and recorded: the pages must work offline. */
export async function allowOnlyLoopback(context: BrowserContext): Promise<string[]> {
  const blocked: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
    blocked.push(route.request().url());
    return route.abort('blockedbyclient');
  });
  return blocked;
}

/** The page's CSP violations and script errors, as the browser reports them on its console. */
export function collectRefusals(page: Page): string[] {
  const refusals: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) refusals.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => refusals.push(`${page.url()}: ${error.message}`));
  return refusals;
}

/** The policy every HTML page carries; the problems with `headers`' policy, empty when it is strict. */
export function policyProblems(headers: Record<string, string>, options: { embeddable?: boolean } = {}): string[] {
  const csp = headers['content-security-policy'] ?? '';
  const directive = (name: string) =>
    csp
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .find(([key]) => key === name)
      ?.slice(1);
  const problems: string[] = [];
  const script = directive('script-src') ?? directive('default-src');
  if (!script) problems.push('no script-src');
  else if (script.some((source) => source !== "'self'" && !source.startsWith("'nonce-"))) problems.push(`script-src allows ${script.join(' ')}`);
  for (const [name, value] of [
    ['object-src', "'none'"],
    ['base-uri', "'none'"],
    ['form-action', "'self'"],
  ] as const) {
    if (directive(name)?.join(' ') !== value) problems.push(`${name} is not ${value}`);
  }
  if (!options.embeddable && directive('frame-ancestors')?.join(' ') !== "'none'") problems.push("frame-ancestors is not 'none'");
  const elsewhere = csp.split(';').filter((part) => !(options.embeddable && part.trim().startsWith('frame-ancestors')));
  if (elsewhere.some((part) => /https?:|\*/.test(part))) problems.push('the policy names another origin');
  if (headers['x-content-type-options'] !== 'nosniff') problems.push('no X-Content-Type-Options: nosniff');
  if (!headers['referrer-policy']) problems.push('no Referrer-Policy');
  return problems;
}

export const SCREENSHOTS_DIR = join(ROOT, 'docs', 'console');

/**
 * With HOOKGATE_SCREENSHOTS=1, writes docs/console/<name>.png (the viewport, 1024×640, not the full
 * page, re-encoded with a palette of 256 colours, so the files stay small); otherwise does nothing,
 * so test runs never change the tree.
 */
export async function documentationShot(page: Page, name: string): Promise<void> {
  if (process.env.HOOKGATE_SCREENSHOTS !== '1') return;
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const png = await page.screenshot({ animations: 'disabled', caret: 'hide' });
  writeFileSync(join(SCREENSHOTS_DIR, `${name}.png`), toPalettePng(png));
}

/** A page's route with its ids replaced (a path segment holding a digit is an id): its screenshot's name and its crawl identity. */
export const routeName = (pathname: string) => {
  const segments = pathname.split('/').filter(Boolean);
  return segments.length === 1 ? `${segments[0]}-home` : segments.map((segment) => (/\d/.test(segment) ? 'id' : segment)).join('-');
};
const shapeOf = (url: URL) => `${routeName(url.pathname)}?${[...new Set(url.searchParams.keys())].sort().join('&')}`;

/**
 * Opens `url` and asserts what every page owes: the expected status, the strict security headers,
 * no serious or critical accessibility violation; with `shot`, its documentation screenshot.
 * Returns the page's links (absolute).
 */
export async function auditPage(page: Page, url: string, options: { shot?: string; expectStatus?: number; embeddable?: boolean } = {}): Promise<string[]> {
  const response = await page.goto(url);
  assert.ok(response, url);
  assert.equal(response.status(), options.expectStatus ?? 200, `${url} answers ${options.expectStatus ?? 200}`);
  assert.deepEqual(policyProblems(response.headers(), options), [], `${url}: the page's security headers`);
  assert.deepEqual(await seriousAccessibilityProblems(page), [], `${url}: serious or critical accessibility violations`);
  if (options.shot) await documentationShot(page, options.shot);
  return page.$$eval('a[href]', (anchors) => anchors.map((anchor) => (anchor as HTMLAnchorElement).href));
}

export interface Crawl {
  /** The pages to start from, as paths. */
  starts: readonly string[];
  /** Only paths under this prefix are followed (e.g. `/console`). */
  within: string;
  /** Paths never followed (sign-out, assets). */
  skip: readonly RegExp[];
  /** The bound on distinct page shapes (route and query keys) visited. */
  max: number;
  /** The status a path must answer (default 200). */
  statusOf?: (path: string) => number;
  embeddable?: boolean;
}

/**
 * Breadth-first over every same-origin link under `within`, one page per shape (route and set of
 * query keys, so `?page=2` and `?page=3` are one page): audits each (see auditPage) and writes its
 * screenshot once per route. Forms are never submitted. Returns the paths visited.
 */
export async function crawlPages(page: Page, base: string, crawl: Crawl): Promise<string[]> {
  const origin = new URL(base).origin;
  const queue = [...crawl.starts];
  const seen = new Set(queue.map((path) => shapeOf(new URL(path, base))));
  const shot = new Set<string>();
  const visited: string[] = [];
  while (queue.length > 0 && visited.length < crawl.max) {
    const path = queue.shift()!;
    const name = routeName(new URL(path, base).pathname);
    const links = await auditPage(page, `${base}${path}`, { shot: shot.has(name) ? undefined : name, expectStatus: crawl.statusOf?.(path), embeddable: crawl.embeddable });
    shot.add(name);
    visited.push(path);
    for (const link of links) {
      const url = new URL(link);
      if (url.origin !== origin || !url.pathname.startsWith(crawl.within) || crawl.skip.some((pattern) => pattern.test(url.pathname)) || seen.has(shapeOf(url))) continue;
      seen.add(shapeOf(url));
      queue.push(`${url.pathname}${url.search}`);
    }
  }
  assert.ok(visited.length < crawl.max, `the crawl stayed within its bound (${visited.join(', ')})`);
  return visited;
}
