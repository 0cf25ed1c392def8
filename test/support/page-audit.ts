import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
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
  if (/https?:|\*/.test(csp)) problems.push('the policy names another origin');
  if (headers['x-content-type-options'] !== 'nosniff') problems.push('no X-Content-Type-Options: nosniff');
  if (!headers['referrer-policy']) problems.push('no Referrer-Policy');
  return problems;
}

export const SCREENSHOTS_DIR = join(ROOT, 'docs', 'console');

/**
 * With HOOKGATE_SCREENSHOTS=1, writes docs/console/<name>.png (the viewport, 1024×640, not the full
 * page, so the files stay small); otherwise does nothing, so test runs never change the tree.
 */
export async function documentationShot(page: Page, name: string): Promise<void> {
  if (process.env.HOOKGATE_SCREENSHOTS !== '1') return;
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS_DIR, `${name}.png`), animations: 'disabled', caret: 'hide' });
}
