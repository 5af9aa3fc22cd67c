/**
 * Storage ballasts in Chromium (src/tensor/storage.ts): where wasmgrad cannot collect garbage itself,
 * large storages carry a never-touched ArrayBuffer so the engine sees their size and collects dropped
 * tensors. A storage released by dispose or by the autograd engine hands its ballast on to the next storage
 * of its size class instead of leaving it for the collector; a dropped storage keeps its own.
 *
 * The page is bundled from the sources with esbuild (so it can read the @internal counters) and checks:
 * disposed tensors reuse ballasts; the MNIST CNN's training steps make almost no new ones once warm; and
 * dropped tensors still make new ones, so a loop that drops a MiB per iteration and yields to the event
 * loop (where finalizers run) keeps its WebAssembly memory bounded.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type Served } from '../../examples/demo/server.js';
import { launchChromium, pageResult, type Chromium } from './chromium.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const PAGE = `
import { F, init, memory, optim, randn, randint } from './src/index.ts';
import { ballastStats } from './src/tensor/storage.ts';
import { mnistModel } from './examples/mnist/models.ts';

const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => waiting.shift()();
const yieldNow = () => new Promise((r) => { waiting.push(r); channel.port2.postMessage(null); });

async function main() {
  await init({ threads: 1 });
  // disposed 256 KiB tensors: the first makes a ballast, the others reuse it
  let made = ballastStats.made, reused = ballastStats.reused;
  for (let i = 0; i < 200; i++) randn(64, 1024).dispose();
  const disposed = { made: ballastStats.made - made, reused: ballastStats.reused - reused };

  // CNN training steps (the autograd engine releases what a step made), yielding as a page's loop does
  const model = mnistModel('cnn');
  model.train();
  const opt = new optim.Adam(model.parameters(), { lr: 0.002 });
  const x = randn(32, 1, 28, 28), y = randint(0, 10, [32]);
  const step = () => {
    const loss = F.crossEntropy(model.forward(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    loss.item();
  };
  for (let i = 0; i < 5; i++) { step(); await yieldNow(); }
  made = ballastStats.made; reused = ballastStats.reused;
  for (let i = 0; i < 20; i++) { step(); await yieldNow(); }
  const training = { made: ballastStats.made - made, reused: ballastStats.reused - reused };

  // dropped 1 MiB tensors, never disposed
  const before = memory().memoryBytes;
  made = ballastStats.made;
  for (let i = 0; i < 600; i++) {
    randn(256, 1024);
    await yieldNow();
  }
  const dropped = { made: ballastStats.made - made, grewMiB: (memory().memoryBytes - before) / 2 ** 20 };
  document.body.dataset.result = JSON.stringify({ disposed, training, dropped });
}
main().catch((e) => { document.body.dataset.error = String(e && e.stack || e); });
`;

interface Result {
  disposed: { made: number; reused: number };
  training: { made: number; reused: number };
  dropped: { made: number; grewMiB: number };
}

let dir: string;
let server: Served;
let chromium: Chromium;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wasmgrad-ballast-'));
  await build({
    stdin: { contents: PAGE, resolveDir: ROOT, sourcefile: 'ballast-page.ts', loader: 'ts' },
    outfile: join(dir, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'warning',
  });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><body><script type="module" src="/app.js"></script></body>\n');
  // the bundle loads /build/wasmgrad.wasm (its `new URL('../../../build/…', import.meta.url)`)
  server = await serve({ isolate: false, mounts: { '/': dir, '/build/': join(ROOT, 'build') } });
  chromium = await launchChromium();
});

afterAll(async () => {
  await chromium?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('storage ballasts in Chromium', () => {
  it('are reused by released storages and made for dropped ones, whose memory the collector still returns', async () => {
    const { page, errors } = await chromium.newPage();
    await page.goto(server.url);
    const r = await pageResult<Result>(page, 120_000);
    expect(errors).toEqual([]);
    expect(r.disposed.made).toBeLessThanOrEqual(1);
    expect(r.disposed.reused).toBeGreaterThanOrEqual(199);
    // a warm training step's large storages all find a ballast in the pool
    expect(r.training.reused).toBeGreaterThan(100);
    expect(r.training.made).toBeLessThanOrEqual(r.training.reused / 20);
    // every dropped storage got a new ballast (the pool cannot hand out what dropped tensors hold) and
    // memory stayed far below the 600 MiB dropped
    expect(r.dropped.made).toBeGreaterThanOrEqual(500);
    expect(r.dropped.grewMiB).toBeLessThan(300);
  });
});
