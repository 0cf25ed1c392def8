import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it). */
export const CHROMIUM_PATH = process.env.HOOKGATE_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS_DIR = join(import.meta.dirname, '..', 'artifacts');

export const chromiumMissing = (): string | false => (existsSync(CHROMIUM_PATH) ? false : `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium)`);

export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    timeout: 60_000,
  });
}

export const screenshotPath = (name: string) => join(ARTIFACTS_DIR, `${name}.png`);

/** Signs in to the console at `baseUrl` with the bootstrap admin's credentials and waits for its home page. */
export async function signInToConsole(page: Page, baseUrl: string, user: string, password: string): Promise<void> {
  if (!page.url().endsWith('/console/login')) await page.goto(`${baseUrl}/console/login`);
  await page.fill('#user', user);
  await page.fill('#password', password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${baseUrl}/console`);
}

export interface FramingApp {
  origin: string;
  close(): Promise<void>;
}

/** A customer's application on its own origin (another port of 127.0.0.1): a page that frames the URL given in `?src=`. */
export async function startFramingApp(): Promise<FramingApp> {
  const server: Server = createServer((req, res) => {
    const src = new URL(req.url ?? '/', 'http://x').searchParams.get('src') ?? '';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><head><title>Customer app</title></head><body><h1>Customer app</h1>
<iframe title="Webhooks" src="${src.replace(/"/g, '&quot;')}" width="1200" height="800"></iframe></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
