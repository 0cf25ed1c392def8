import { existsSync, mkdirSync } from 'node:fs';
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
