// Shared pieces of the browser tests: Chromium from Debian (never downloaded), a real server per
// file, sign-in through the UI, screenshots in test/artifacts/.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startServer } from '../support/server.ts';

export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export type Server = Awaited<ReturnType<typeof startServer>>;

export interface Env {
  server: Server;
  url: string;
  newPage(opts?: { mobile?: boolean; locale?: string }): Promise<Page>;
}

/**
 * A fresh server and browser for the test file that calls it: started before its tests, then
 * `prepare` (the file's Clients and users); both stopped after its tests.
 */
export function setup(prepare: (env: Env) => Promise<void> = async () => undefined): Env {
  let started: { server: Server; browser: Browser } | undefined;
  const contexts: BrowserContext[] = [];
  const up = () => {
    if (!started) throw new Error('setup(): the server is not started yet (use it inside tests)');
    return started;
  };
  const env: Env = {
    get server() {
      return up().server;
    },
    get url() {
      return up().server.url;
    },
    async newPage(opts = {}) {
      const { server, browser } = up();
      const context = await browser.newContext({
        baseURL: server.url,
        locale: opts.locale ?? 'fr-FR',
        timezoneId: 'Europe/Paris',
        acceptDownloads: true,
        ...(opts.mobile ? { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true } : { viewport: { width: 1280, height: 800 } }),
      });
      context.setDefaultTimeout(15_000);
      contexts.push(context);
      const page = await context.newPage();
      // A failing page is easier to understand with its console errors in the test output.
      page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error' && !/status of (400|401|403|404|409|429)/.test(m.text())) console.error(`[console] ${m.text()}`);
      });
      return page;
    },
  };
  beforeAll(async () => {
    const server = await startServer();
    started = { server, browser: await launchBrowser() };
    await prepare(env);
  });
  afterAll(async () => {
    if (!started) return;
    for (const c of contexts) await c.close().catch(() => undefined);
    await started.browser.close();
    await started.server.stop();
  });
  return env;
}

export async function shot(page: Page, name: string): Promise<void> {
  // From the top, so the sticky header is not painted in the middle of a full-page capture.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Signs in through the sign-in page (French labels) and waits for the home page. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/signin');
  await page.getByLabel('Adresse e-mail').fill(email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
  await page.waitForURL((u) => u.pathname === '/');
  await page.getByRole('heading', { level: 1 }).waitFor();
}

/** The text of the page's live error region(s). */
export async function alertText(page: Page): Promise<string> {
  const alert = page.locator('[role="alert"]:not(:empty)').first();
  await alert.waitFor();
  return (await alert.innerText()).replace(/\s+/g, ' ');
}
