/**
 * The one place the browser tests get a Chromium from, driven through playwright-core (no browser download):
 * headless, no sandbox, no GPU, background networking off, a new empty profile (user-data-dir) per launch.
 *
 * Which Chromium (findChromium), in order:
 *   1. CHROMIUM_PATH, if set (it must exist);
 *   2. a system Chromium or Chrome (/usr/bin/chromium, /usr/bin/chromium-browser, google-chrome...);
 *   3. the one inside the `@sparticuz/chromium` devDependency (a headless-shell build shipped in the npm
 *      package, so `npm install` is all the set-up: `executablePath()` unpacks it to $TMPDIR/chromium once).
 *      It needs libnss3, libnspr4 and libexpat; where the system lacks them, the package's own
 *      `al2023.tar.br` (the libraries it unpacks for AWS Lambda) is unpacked to $TMPDIR/al2023/lib and put on
 *      the browser's LD_LIBRARY_PATH, as the package itself does on Lambda. Only `--no-sandbox` of its
 *      flags is used: its recommended set (`chromium.args`: --single-process, --disable-web-security...)
 *      would turn cross-origin isolation off.
 * WASMGRAD_BROWSER=packaged skips 1 and 2 (how the packaged one is tested on a machine that has a system
 * one); WASMGRAD_BROWSER=system skips 3.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, sep } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** System browsers, in the order they are tried. */
export const SYSTEM_CHROMIUMS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
];

export interface ChromiumExecutable {
  path: string;
  /** Where it came from. */
  source: 'CHROMIUM_PATH' | 'system' | 'packaged';
  /** `chromium --version`, e.g. "Chromium 147.0.7727.0". */
  version: string;
  /** Environment for the browser process (LD_LIBRARY_PATH/FONTCONFIG_PATH for the packaged one), or undefined. */
  env?: Record<string, string>;
}

const isExecutable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
};

/** Runs `<path> --version`; ok with its output, or the reason it did not run. */
function probe(path: string, env?: Record<string, string>): { ok: boolean; out: string } {
  const r = spawnSync(path, ['--version'], { env: env ?? process.env, encoding: 'utf8', timeout: 30_000 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.error !== undefined) return { ok: false, out: `${r.error.message} ${out}`.trim() };
  // the version line only (Debian's wrapper script may print shell noise on stderr)
  const version = (r.stdout ?? '').split('\n').find((l) => /chrom/i.test(l))?.trim();
  return r.status === 0 ? { ok: true, out: version ?? out } : { ok: false, out };
}

let found: Promise<ChromiumExecutable> | null = null;

/** The Chromium the browser tests launch (see the top of this file); looked up once per process. */
export function findChromium(): Promise<ChromiumExecutable> {
  found ??= locate();
  return found;
}

async function locate(): Promise<ChromiumExecutable> {
  const mode = process.env.WASMGRAD_BROWSER?.trim() ?? '';
  if (mode !== '' && mode !== 'packaged' && mode !== 'system') {
    throw new Error(`WASMGRAD_BROWSER=${mode}: expected 'packaged', 'system' or nothing`);
  }
  if (mode !== 'packaged') {
    const fromEnv = process.env.CHROMIUM_PATH?.trim();
    if (fromEnv) {
      if (!isExecutable(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv}: no executable file there`);
      return checked(fromEnv, 'CHROMIUM_PATH');
    }
    const system = SYSTEM_CHROMIUMS.find(isExecutable);
    if (system !== undefined) return checked(system, 'system');
    if (mode === 'system') {
      throw new Error(`WASMGRAD_BROWSER=system: no Chromium at ${SYSTEM_CHROMIUMS.join(', ')} (or set CHROMIUM_PATH)`);
    }
  }
  return packagedChromium();
}

function checked(path: string, source: ChromiumExecutable['source']): ChromiumExecutable {
  const p = probe(path);
  if (!p.ok) throw new Error(`${source === 'CHROMIUM_PATH' ? 'CHROMIUM_PATH=' : ''}${path} does not run: ${p.out}`);
  return { path, source, version: p.out };
}

/** The directory of @sparticuz/chromium's brotli archives (its `bin/`). */
function packagedBin(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('@sparticuz/chromium/package.json');
  } catch {
    // its exports map hides package.json: go through the entry point (build/cjs/index.cjs)
    pkg = join(dirname(require.resolve('@sparticuz/chromium')), '..', '..', 'package.json');
  }
  return join(dirname(pkg), 'bin');
}

/**
 * Runs `fn` holding a lock shared by every process (vitest runs the browser test files in parallel workers,
 * and executablePath() returns $TMPDIR/chromium as soon as the file exists, half-written or not).
 */
async function withUnpackLock<T>(fn: () => Promise<T>): Promise<T> {
  const lock = join(tmpdir(), 'wasmgrad-chromium.lock');
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true }); // left by a killed run
      } catch {
        // released meanwhile
      }
      if (Date.now() > deadline) throw new Error(`waited 3 minutes for ${lock} (remove it if no test is running)`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Unpacks a .tar.br into `dir` (regular files and directories: what the package's archives hold). */
function untarBrotli(archive: Buffer, dir: string): void {
  const tar = brotliDecompressSync(archive);
  const text = (a: number, b: number) => tar.subarray(a, b).toString('utf8').replace(/\0.*$/s, '');
  for (let at = 0; at + 512 <= tar.length;) {
    if (tar[at] === 0) break; // end of archive
    const size = parseInt(text(at + 124, at + 136).trim() || '0', 8);
    const type = String.fromCharCode(tar[at + 156]!);
    const prefix = text(at + 263, at + 269).startsWith('ustar') ? text(at + 345, at + 500) : '';
    const name = normalize(prefix ? `${prefix}/${text(at, at + 100)}` : text(at, at + 100));
    const body = at + 512;
    if (name.startsWith('..') || name.startsWith(sep)) throw new Error(`unsafe path in archive: ${name}`);
    const file = join(dir, name);
    if (type === '5') mkdirSync(file, { recursive: true });
    else if (type === '0' || type === '\0') {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, tar.subarray(body, body + size), { mode: parseInt(text(at + 100, at + 108).trim() || '644', 8) & 0o777 });
    }
    at = body + Math.ceil(size / 512) * 512;
  }
}

/** $TMPDIR/al2023/lib: libnss3, libnspr4, libexpat... from the package's al2023.tar.br (unpacked once). */
function packagedLibs(): string {
  const dir = join(tmpdir(), 'al2023');
  const lib = join(dir, 'lib');
  if (existsSync(join(lib, 'libnss3.so'))) return lib;
  const staging = mkdtempSync(join(tmpdir(), 'wasmgrad-al2023-'));
  try {
    untarBrotli(readFileSync(join(packagedBin(), 'al2023.tar.br')), staging);
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return lib;
}

const missingLibraries = (out: string) => /error while loading shared libraries/.test(out);

async function packagedChromium(): Promise<ChromiumExecutable> {
  let sparticuz: { executablePath(input?: string): Promise<string> };
  try {
    sparticuz = (await import('@sparticuz/chromium')).default;
  } catch (err) {
    throw new Error(
      'no Chromium for the browser tests: no CHROMIUM_PATH, no system Chromium, and the @sparticuz/chromium ' +
        `devDependency does not load (${(err as Error).message}); run \`npm install\``,
    );
  }
  return withUnpackLock(async () => {
    let path = await sparticuz.executablePath();
    let p = probe(path);
    if (!p.ok && !missingLibraries(p.out)) {
      // e.g. a $TMPDIR/chromium left half-written by an interrupted run: unpack it again
      rmSync(path, { force: true });
      path = await sparticuz.executablePath();
      p = probe(path);
    }
    let env: Record<string, string> | undefined;
    if (!p.ok && missingLibraries(p.out)) {
      const lib = packagedLibs();
      const inherited = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
      env = { ...inherited, LD_LIBRARY_PATH: [lib, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') };
      // the package's fonts (unpacked next to the binary) where the system has no fontconfig set-up
      if (!existsSync('/etc/fonts/fonts.conf') && existsSync(join(tmpdir(), 'fonts', 'fonts.conf'))) {
        env.FONTCONFIG_PATH = join(tmpdir(), 'fonts');
      }
      p = probe(path, env);
    }
    if (!p.ok) throw new Error(`the Chromium of @sparticuz/chromium (${path}) does not run: ${p.out}`);
    return { path, source: 'packaged' as const, version: p.out, env };
  });
}

export interface Chromium {
  context: BrowserContext;
  /** Which browser runs (path, where it came from, version). */
  executable: ChromiumExecutable;
  /** A new tab whose console lines and page errors are collected. */
  newPage(): Promise<{ page: Page; console: string[]; errors: string[] }>;
  close(): Promise<void>;
}

let announced = false;

export async function launchChromium(): Promise<Chromium> {
  const executable = await findChromium();
  if (!announced) {
    announced = true;
    console.log(`[browser] ${executable.version} (${executable.source}: ${executable.path})`);
  }
  // playwright passes the user-data-dir itself (launchPersistentContext), with --headless for headless: true
  const profile = mkdtempSync(join(tmpdir(), 'wasmgrad-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: executable.path,
    env: executable.env,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
    ],
    viewport: { width: 1280, height: 1000 },
  });
  return {
    context,
    executable,
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
