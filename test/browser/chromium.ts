/**
 * Debian's Chromium driven through playwright-core (no browser download): headless, no sandbox, no GPU,
 * background networking off, a new empty profile (user-data-dir) per launch. CHROMIUM_PATH overrides the path.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface Chromium {
  context: BrowserContext;
  /** A new tab whose console lines and page errors are collected. */
  newPage(): Promise<{ page: Page; console: string[]; errors: string[] }>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Chromium> {
  if (!existsSync(CHROMIUM)) {
    // a failure, not a skip: CI must run these tests (.ci/run installs Chromium when it is missing)
    throw new Error(
      `Chromium not found at ${CHROMIUM}: the browser tests need it. Install it with ` +
        '`apt-get update && apt-get install -y chromium` (.ci/run does this), or set CHROMIUM_PATH.',
    );
  }
  // playwright passes the user-data-dir itself (launchPersistentContext), with --headless for headless: true
  const profile = mkdtempSync(join(tmpdir(), 'wasmgrad-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
    ],
    viewport: { width: 1280, height: 1000 },
  });
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      const lines: string[] = [];
      const errors: string[] = [];
      page.on('console', (m) => lines.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => errors.push(String(e)));
      return { page, console: lines, errors };
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The browser tests use the built package; `npm test` builds it first (pretest), a bare `vitest` may not have. */
export function requireBuilt(root: string): void {
  const missing = ['dist/index.js', 'dist/index.d.ts', 'build/wasmgrad.wasm'].filter((f) => !existsSync(join(root, f)));
  if (missing.length > 0) {
    throw new Error(`missing ${missing.join(', ')}: run \`npm run build\` first (\`npm test\` does it)`);
  }
}

/** Waits until the page sets `document.body.dataset.result` (JSON) or `dataset.error`, and returns the result. */
export async function pageResult<T = Record<string, unknown>>(page: Page, timeout = 30_000): Promise<T> {
  await page.waitForFunction(() => document.body?.dataset.result !== undefined || document.body?.dataset.error !== undefined, null, { timeout });
  const error = await page.evaluate(() => document.body.dataset.error);
  if (error !== undefined) throw new Error(`page error: ${error}`);
  return JSON.parse((await page.evaluate(() => document.body.dataset.result))!) as T;
}
