/**
 * The published package under bundlers: `npm pack` (what `files` ships) unpacked into the node_modules of a
 * throwaway app, then a tiny app that does `import { tensor } from 'wasmgrad'` is built with Vite and with
 * esbuild and run in Chromium; and a browser bundle of the whole package must not import `node:` modules.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import { createServer as viteServer, build as viteBuild } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../../examples/demo/server.js';
import { launchChromium, pageResult, requireBuilt, type Chromium } from './chromium.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What both apps compute: the README tutorial, a matmul and a small trained layer. */
const APP_CODE = `
const w = tensor([3.0], { requiresGrad: true });
const forward = (x) => w.mul(x);
for (let epoch = 0; epoch < 100; epoch++) {
  for (const [x, y] of [[1, 2], [2, 4], [3, 6]]) {
    const l = forward(x).sub(y).pow(2); l.backward();
    w.data = w.data.sub(w.grad.data.mul(0.01));
    w.grad.data.zero_();
  }
}
const mm = tensor([[1, 2], [3, 4]]).matmul(tensor([[5], [6]])).tolist();
const layer = new nn.Linear(3, 1);
const opt = new optim.SGD(layer.parameters(), { lr: 0.1 });
const f32 = { dtype: 'float32' };
const x = tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1]], f32), y = tensor([[1], [2], [3]], f32);
let loss = 0;
for (let i = 0; i < 300; i++) { opt.zeroGrad(); const l = F.mseLoss(layer.forward(x), y); l.backward(); opt.step(); loss = l.item(); }
// large enough to be split over the Web Workers when the page is cross-origin isolated
const big = randn(256, 256).matmul(randn(256, 256)).sum().item();
document.body.dataset.result = JSON.stringify({ w: w.item(), mm, loss, backend: getBackend(), build: backendInfo().build, threads: getNumThreads(), big });
`;

let work: string;
let app: string; // the throwaway app; node_modules/wasmgrad is the unpacked tarball
let packedFiles: string[];
let chromium: Chromium;

beforeAll(async () => {
  requireBuilt(ROOT);
  work = mkdtempSync(join(tmpdir(), 'wasmgrad-bundlers-'));
  // what `npm publish` would upload (prepack is skipped: npm test has just built dist/)
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' });
  const info = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
  packedFiles = info[0]!.files.map((f) => f.path);
  app = join(work, 'app');
  const pkg = join(app, 'node_modules', 'wasmgrad');
  mkdirSync(pkg, { recursive: true });
  execFileSync('tar', ['-xzf', join(work, info[0]!.filename), '-C', pkg, '--strip-components=1']);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  chromium = await launchChromium();
}, 120_000);

afterAll(async () => {
  await chromium?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Serves `dir` (with COOP/COEP when `isolate`), opens it (plus `query`) and returns what the page computed. */
async function runInChromium(dir: string, isolate = false, query = ''): Promise<Computed> {
  return (await runPage(dir, isolate, query)).result;
}

async function runPage(dir: string, isolate: boolean, query = ''): Promise<{ result: Computed; console: string[]; requests: string[] }> {
  const requests: string[] = [];
  const server = await serve({ isolate, mounts: { '/': dir }, onRequest: (p, s) => requests.push(`${s} ${p}`) });
  try {
    const { page, errors, console: lines } = await chromium.newPage();
    await page.goto(server.url + query);
    // an uncaught error (a failed init()) fails the test at once instead of at pageResult's timeout
    const result = await Promise.race([
      pageResult<Computed>(page),
      new Promise<never>((_, reject) => page.on('pageerror', (e) => reject(new Error(`page error: ${String(e)}`)))),
    ]);
    expect(errors).toEqual([]);
    const wasm = requests.filter((r) => r.endsWith('.wasm'));
    expect(wasm.length).toBeGreaterThan(0);
    expect(wasm.every((r) => r.startsWith('200 '))).toBe(true);
    await page.close();
    return { result, console: lines, requests };
  } finally {
    await server.close();
  }
}

interface Computed { w: number; mm: number[][]; loss: number; backend: string; build: string; threads: number; big: number }

function expectComputed(r: Computed): void {
  expect(r.backend).toBe('wasm');
  expect(r.build).toBe('relaxed-simd'); // both builds reached the page and Chromium validates relaxed SIMD
  expect(r.w).toBeCloseTo(2.0, 4);
  expect(r.mm).toEqual([[17], [39]]);
  expect(r.loss).toBeLessThan(1e-3);
  expect(Number.isFinite(r.big)).toBe(true);
}

const page = (script: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>app</title><link rel="icon" href="data:,"></head>` +
  `<body><script type="module" src="${script}"></script></body></html>`;

describe('the packed package', () => {
  it('ships the ESM JavaScript, the .d.ts and the .wasm, and nothing else', () => {
    expect(packedFiles).toContain('dist/index.js');
    expect(packedFiles).toContain('dist/index.d.ts');
    expect(packedFiles).toContain('build/wasmgrad.wasm');
    expect(packedFiles).toContain('dist/backends/wasm/kernel-worker.mjs');
    expect(packedFiles).toContain('package.json');
    const unexpected = packedFiles.filter(
      (f) => !/^dist\/.+\.(js|mjs|d\.ts)$/.test(f) && !/^build\/[^/]+\.wasm$/.test(f) && !/^(package\.json|README\.md|LICENSE)$/.test(f),
    );
    expect(unexpected).toEqual([]);
    expect(packedFiles.filter((f) => f.endsWith('.wasm')).every((f) => !f.includes('.debug.'))).toBe(true);
  });

  it('its .d.ts type-check in a Node-only TypeScript project (lib ES2022 without DOM, types node, skipLibCheck off)', () => {
    const project = join(app, 'node-ts');
    mkdirSync(join(project, 'node_modules', '@types'), { recursive: true });
    symlinkSync(join(app, 'node_modules', 'wasmgrad'), join(project, 'node_modules', 'wasmgrad'), 'dir');
    symlinkSync(join(ROOT, 'node_modules', '@types', 'node'), join(project, 'node_modules', '@types', 'node'), 'dir');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'node-ts', private: true, type: 'module' }));
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true,
        lib: ['ES2022'], types: ['node'], skipLibCheck: false,
      },
      files: ['main.ts'],
    }));
    // a program touching the whole public surface, so every .d.ts it reaches is checked
    writeFileSync(join(project, 'main.ts'), [
      "import * as wg from 'wasmgrad';",
      "import { init, tensor, nn, optim, F, data, backendInfo, type Tensor, type InitOptions } from 'wasmgrad';",
      "const options: InitOptions = { threads: 1, simd: 'auto', wasmUrl: new URL('file:///x.wasm') };",
      'await init(options);',
      "const x: Tensor = tensor([[1, 2], [3, 4]], { dtype: 'float32' });",
      'const model = new nn.Sequential(new nn.Linear(2, 4), new nn.ReLU(), new nn.Linear(4, 1));',
      'const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });',
      "const loss = F.mseLoss(model.forward(x), tensor([[1], [2]], { dtype: 'float32' }));",
      'loss.backward(); opt.step();',
      'const loader = new data.DataLoader(new data.TensorDataset(x, x), { batchSize: 1 });',
      "console.log(Object.keys(wg).length, loader.length, backendInfo().build, wg.toSafetensors(model.stateDict()).byteLength);",
      '',
    ].join('\n'));
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    let output = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      output = `${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`;
    }
    expect(output).toBe('');
  }, 60_000);

  it('a browser bundle of the whole package (esbuild, platform browser) has no node: imports', async () => {
    const entry = join(app, 'everything.js');
    writeFileSync(entry, "export * from 'wasmgrad';\n");
    const result = await esbuild({
      entryPoints: [entry], bundle: true, format: 'esm', platform: 'browser', write: false, metafile: true,
      outfile: join(app, 'everything.out.js'), logLevel: 'silent',
    });
    const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
    expect(imports.filter((p) => p.startsWith('node:') || ['fs', 'path', 'worker_threads', 'v8', 'vm'].includes(p))).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/\bfrom\s*["']node:|\bimport\(\s*["']node:|\brequire\(\s*["']node:/);
    expect(Object.keys(result.metafile.inputs).some((p) => p.includes('node_modules/wasmgrad/dist/'))).toBe(true);
  });
});

/**
 * The README's esbuild recipe: the two plain builds through the file loader, passed to init(); `?worker=<url>`
 * adds init({ workerUrl }) (the README's step for cross-origin isolated pages). Built once.
 */
let esbuildApp: Promise<string> | null = null;
function buildEsbuildApp(): Promise<string> {
  esbuildApp ??= (async () => {
    const root = join(app, 'esbuild');
    mkdirSync(root, { recursive: true });
    writeFileSync(
      join(root, 'main.js'),
      `import { init, tensor, nn, optim, F, getBackend, backendInfo, getNumThreads, randn } from 'wasmgrad';\n` +
        `import wasmUrl from 'wasmgrad/build/wasmgrad.wasm';\n` +
        `import relaxedWasmUrl from 'wasmgrad/build/wasmgrad-relaxed.wasm';\n` +
        `const worker = new URLSearchParams(location.search).get('worker');\n` +
        `await init({ wasmUrl, relaxedWasmUrl, ...(worker ? { workerUrl: new URL(worker, import.meta.url) } : {}) });\n${APP_CODE}`,
    );
    const outDir = join(root, 'dist');
    await esbuild({
      entryPoints: [join(root, 'main.js')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
      outdir: outDir, loader: { '.wasm': 'file' }, logLevel: 'warning',
    });
    writeFileSync(join(outDir, 'index.html'), page('./main.js'));
    return outDir;
  })();
  return esbuildApp;
}

describe('bundlers', () => {
  it('Vite: an app importing wasmgrad builds, finds its .wasm through import.meta.url and computes in Chromium', async () => {
    const root = join(app, 'vite');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'index.html'), page('./main.js'));
    writeFileSync(join(root, 'main.js'), `import { init, tensor, nn, optim, F, getBackend, backendInfo, getNumThreads, randn } from 'wasmgrad';\nawait init();\n${APP_CODE}`);
    const outDir = join(root, 'dist');
    await viteBuild({
      root, configFile: false, logLevel: 'warn',
      build: { outDir, emptyOutDir: true, target: 'es2022' },
    });
    const assets = readdirSync(join(outDir, 'assets'));
    // Vite emitted the four builds (plain/relaxed, plain/shared memory); the small worker script it inlines
    expect(assets.filter((f) => f.endsWith('.wasm')).map((f) => f.replace(/-[\w-]{8}\.wasm$/, '')).sort())
      .toEqual(['wasmgrad', 'wasmgrad-mt', 'wasmgrad-relaxed', 'wasmgrad-relaxed-mt']);
    const plain = await runInChromium(outDir);
    expectComputed(plain);
    expect(plain.threads).toBe(1);
    // served cross-origin isolated, the same build starts its Web Workers (init() fails if they do not start)
    const isolated = await runInChromium(outDir, true);
    expectComputed(isolated);
    expect(isolated.threads).toBe(2);
  });

  it("Vite dev server: the app works with optimizeDeps.exclude: ['wasmgrad'] (as the README says)", async () => {
    const root = join(app, 'vite');
    const server = await viteServer({
      root, configFile: false, logLevel: 'warn', cacheDir: join(work, 'vite-cache'),
      server: { host: '127.0.0.1', port: 0, strictPort: false },
      optimizeDeps: { exclude: ['wasmgrad'] },
    });
    await server.listen();
    try {
      const { page, errors } = await chromium.newPage();
      await page.goto(server.resolvedUrls!.local[0]!);
      expectComputed(await pageResult(page));
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await server.close();
    }
  });

  it('esbuild: an app importing wasmgrad (the .wasm files through the file loader and init({ wasmUrl, relaxedWasmUrl })) computes in Chromium', async () => {
    const outDir = await buildEsbuildApp();
    const plain = await runInChromium(outDir);
    expectComputed(plain);
    expect(plain.threads).toBe(1);
  });

  it('esbuild, the README recipe on a cross-origin isolated page: the plain builds load on the shared heap (no LinkError) and the Web Workers start from the copied kernel-worker.mjs', async () => {
    const outDir = await buildEsbuildApp();
    copyFileSync(join(app, 'node_modules/wasmgrad/dist/backends/wasm/kernel-worker.mjs'), join(outDir, 'kernel-worker.mjs'));
    try {
      const { result, console: lines, requests } = await runPage(outDir, true, '?worker=kernel-worker.mjs');
      expectComputed(result);
      expect(result.threads).toBe(2);
      expect(lines.filter((l) => l.includes('wasmgrad'))).toEqual([]);
      // the bundle's two files (the plain-memory builds) were fetched; no -mt file was needed
      expect(requests.filter((r) => r.endsWith('.wasm')).map((r) => r.replace(/-[A-Z0-9]{8}\.wasm$/, ''))).toEqual(['200 /wasmgrad-relaxed']);
      expect(requests).toContain('200 /kernel-worker.mjs');
    } finally {
      rmSync(join(outDir, 'kernel-worker.mjs'));
    }
  });

  it('esbuild on a cross-origin isolated page without kernel-worker.mjs: init() warns once, naming the URL, and runs on one thread', async () => {
    const outDir = await buildEsbuildApp();
    const { result, console: lines, requests } = await runPage(outDir, true);
    expectComputed(result);
    expect(result.threads).toBe(1);
    const notes = lines.filter((l) => l.includes('wasmgrad'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^warning: wasmgrad: the kernel worker http:\/\/127\.0\.0\.1:\d+\/kernel-worker\.mjs failed to start: .*; running single-threaded/);
    expect(requests).toContain('404 /kernel-worker.mjs');
  });

  it('plain <script type="module"> with an import map to the unpacked package (no bundler) computes in Chromium', async () => {
    const root = join(app, 'plain');
    mkdirSync(root, { recursive: true });
    writeFileSync(
      join(root, 'index.html'),
      `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">` +
        `<script type="importmap">{"imports":{"wasmgrad":"/node_modules/wasmgrad/dist/index.js"}}</script></head>` +
        `<body><script type="module">import { init, tensor, nn, optim, F, getBackend, backendInfo, getNumThreads, randn } from 'wasmgrad';\nawait init();\n${APP_CODE}</script></body></html>`,
    );
    copyFileSync(join(root, 'index.html'), join(app, 'index.html'));
    expectComputed(await runInChromium(app));
  });
});
