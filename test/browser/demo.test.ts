/**
 * The demo page (examples/demo) in Debian's Chromium: served on 127.0.0.1 with and without the COOP/COEP
 * headers, it loads the built package through its import map, runs the README tutorial, trains, and
 * classifies a drawn digit. A screenshot after training goes to test/artifacts/ for a person to look at.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { buildDemo } from '../../examples/demo/build.js';
import { serve, type Served } from '../../examples/demo/server.js';
import { launchChromium, requireBuilt, type Chromium } from './chromium.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

interface Demo {
  state: string;
  isolated: boolean;
  tutorialW: number | null;
  result: { model: string; backend: string; build: string | null; threads: number; testAccuracy: number; samplesPerSecond: number; epochs: number; stopped: boolean } | null;
  prediction: { digit: number; probabilities: number[] } | null;
  error: string | null;
}

const demoState = (page: Page) => page.evaluate(() => (globalThis as unknown as { demo: Demo }).demo);

async function waitFor(page: Page, states: string[], timeout: number): Promise<Demo> {
  await page.waitForFunction((s) => s.includes(document.body.dataset.state ?? ''), states, { timeout });
  const demo = await demoState(page);
  if (demo.state === 'error') throw new Error(`demo page error: ${demo.error}`);
  return demo;
}

/** The tutorial typed into the page itself, importing `wasmgrad` through the page's import map. */
const TUTORIAL = `(async () => {
  const { tensor, getBackend } = await import('wasmgrad');
  const w = tensor([3.0], { requiresGrad: true });
  const forward = (x) => w.mul(x);
  const loss = (x, y) => forward(x).sub(y).pow(2);
  for (let epoch = 0; epoch < 100; epoch++) {
    for (const [x, y] of [[1, 2], [2, 4], [3, 6]]) {
      const l = loss(x, y); l.backward();
      w.data = w.data.sub(w.grad.data.mul(0.01));
      w.grad.data.zero_();
    }
  }
  return { w: w.item(), prediction: forward(4).item(), backend: getBackend() };
})()`;

/**
 * Threads in the page: the same products, sums and elementwise ops on 1 and on 2 threads (bit-identical),
 * and how many kernel calls the Web Workers took part in.
 */
const THREADS_CHECK = `(async () => {
  const { init, randn, matmul, noGrad, getNumThreads } = await import('wasmgrad');
  const { parallelCalls } = await import('/dist/backends/wasm/threads.js');
  const count = () => [...parallelCalls.values()].reduce((a, b) => a + b, 0);
  const a = randn(300, 200), b = randn(200, 257), x = randn(1 << 21), y = randn(1 << 21);
  const run = () => noGrad(() => [matmul(a, b).toArray(), x.add(y).toArray(), x.sum().toArray(), a.t().matmul(a).toArray()]);
  await init({ threads: 1 });
  const one = run();
  const before = count();
  await init({ threads: 2 });
  const two = run();
  const same = one.every((r, i) => r.length === two[i].length && r.every((v, j) => Object.is(v, two[i][j])));
  return { threads: getNumThreads(), parallel: count() - before, same };
})()`;

/** Draws strokes (pad coordinates 0..280) with the mouse on the drawing pad. */
async function draw(page: Page, strokes: [number, number][][]): Promise<void> {
  const box = (await page.locator('#pad').boundingBox())!;
  const s = box.width / 280;
  for (const stroke of strokes) {
    await page.mouse.move(box.x + stroke[0]![0] * s, box.y + stroke[0]![1] * s);
    await page.mouse.down();
    for (const [x, y] of stroke.slice(1)) await page.mouse.move(box.x + x * s, box.y + y * s, { steps: 8 });
    await page.mouse.up();
  }
}

let chromium: Chromium;
let isolatedServer: Served;
let plainServer: Served;
const wasmRequests: string[] = [];

beforeAll(async () => {
  requireBuilt(ROOT);
  await buildDemo({ quiet: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  chromium = await launchChromium();
  isolatedServer = await serve({ isolate: true, onRequest: (p, status) => p.endsWith('.wasm') && wasmRequests.push(`${status} ${p}`) });
  plainServer = await serve({ isolate: false });
}, 60_000);

afterAll(async () => {
  await chromium?.close();
  await isolatedServer?.close();
  await plainServer?.close();
});

describe('demo page, cross-origin isolated (COOP/COEP sent)', () => {
  it('loads the package, runs the tutorial (w ≈ 2), trains the CNN on 2 threads to >= 85% and classifies a drawn digit', async () => {
    const { page, console: lines, errors } = await chromium.newPage();
    const response = await page.goto(`${isolatedServer.url}?model=cnn&epochs=1&train=4000&threads=2&autostart=1`);
    expect(response!.headers()['cross-origin-opener-policy']).toBe('same-origin');
    expect(response!.headers()['cross-origin-embedder-policy']).toBe('require-corp');
    await waitFor(page, ['training', 'done', 'error'], 30_000);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

    const demo = await waitFor(page, ['done', 'error'], 120_000);
    expect(demo.isolated).toBe(true);
    expect(demo.tutorialW).toBeCloseTo(2.0, 4);
    expect(demo.result).not.toBeNull();
    expect(demo.result!.model).toBe('cnn');
    expect(demo.result!.backend).toBe('wasm');
    expect(demo.result!.build).toBe('relaxed-simd'); // Chromium validates relaxed SIMD, so init() picked that build
    expect(demo.result!.threads).toBe(2);
    expect(demo.result!.stopped).toBe(false);
    expect(demo.result!.testAccuracy).toBeGreaterThanOrEqual(0.85);
    expect(demo.result!.samplesPerSecond).toBeGreaterThan(0);
    console.log(`[browser] isolated page: CNN, 4000 digits, 1 epoch, 2 threads: test accuracy ${(100 * demo.result!.testAccuracy).toFixed(2)}%, ${Math.round(demo.result!.samplesPerSecond)} samples/s`);

    // the same module instance, used from code typed into the page
    const tut = (await page.evaluate(TUTORIAL)) as { w: number; prediction: number; backend: string };
    expect(tut.w).toBeCloseTo(2.0, 4);
    expect(tut.prediction).toBeCloseTo(8.0, 3);
    expect(tut.backend).toBe('wasm');

    // threads: the page is isolated, so the heap is shared (the -mt build) and Web Workers run kernel parts
    expect(lines.filter((l) => l.includes('wasmgrad:'))).toEqual([]); // no single-thread notice
    expect(await page.locator('#threads').isDisabled()).toBe(false);
    expect(wasmRequests).toContain('200 /build/wasmgrad-relaxed-mt.wasm');
    const th = (await page.evaluate(THREADS_CHECK)) as { threads: number; parallel: number; same: boolean };
    expect(th.threads).toBe(2);
    expect(th.parallel).toBeGreaterThanOrEqual(4); // each of the four ops ran on the worker too
    expect(th.same).toBe(true);

    // draw a "7" and read the prediction
    await draw(page, [[[70, 60], [210, 60], [130, 240]]]);
    await page.waitForFunction(() => (globalThis as unknown as { demo: Demo }).demo.prediction !== null);
    const { prediction } = await demoState(page);
    const total = prediction!.probabilities.reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(1, 4);
    expect(prediction!.digit).toBe(7);
    expect(await page.locator('#pred-digit').textContent()).toBe('7');

    await page.screenshot({ path: `${ARTIFACTS}demo-trained.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('demo page, not isolated (no COOP/COEP)', () => {
  it('runs single-threaded, prints the one-line notice naming the headers, and trains on the js backend', async () => {
    const { page, console: lines, errors } = await chromium.newPage();
    const response = await page.goto(`${plainServer.url}?model=mlp&backend=js&epochs=1&train=2000&autostart=1`);
    expect(response!.headers()['cross-origin-opener-policy']).toBeUndefined();
    const demo = await waitFor(page, ['done', 'error'], 120_000);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    expect(demo.isolated).toBe(false);
    expect(demo.tutorialW).toBeCloseTo(2.0, 4);
    expect(demo.result!.backend).toBe('js');
    expect(demo.result!.model).toBe('mlp');
    expect(demo.result!.testAccuracy).toBeGreaterThanOrEqual(0.8);

    const notices = lines.filter((l) => l.includes('wasmgrad:'));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain('Cross-Origin-Opener-Policy: same-origin');
    expect(notices[0]).toContain('Cross-Origin-Embedder-Policy: require-corp');
    expect(await page.locator('#threads-note').textContent()).toContain('not cross-origin isolated');

    // switching the backend selector: the tutorial runs on the wasm kernels as well
    await page.selectOption('#backend', 'wasm');
    const tut = (await page.evaluate(TUTORIAL)) as { w: number; backend: string };
    expect(tut.backend).toBe('wasm');
    expect(tut.w).toBeCloseTo(2.0, 4);

    await page.screenshot({ path: `${ARTIFACTS}demo-not-isolated.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('demo page, the GPT tab', () => {
  it('trains the Shakespeare GPT in the page on 2 threads: the loss falls and samples stream in', async () => {
    const { page, errors } = await chromium.newPage();
    await page.goto(`${isolatedServer.url}?tab=gpt&threads=2&gptIters=60&gptLayers=1&gptEmbd=64&gptBlock=32&gptBatch=8&gptSampleEvery=20&gptAutostart=1`);
    expect(await page.locator('#panel-gpt').isVisible()).toBe(true);
    expect(await page.locator('#panel-mnist').isVisible()).toBe(false);
    await page.waitForFunction(() => ['done', 'error'].includes((globalThis as unknown as { gptDemo: { state: string } }).gptDemo.state), null, { timeout: 120_000 });
    const gpt = await page.evaluate(() => (globalThis as unknown as { gptDemo: { state: string; iteration: number; losses: number[]; valLoss: number; samples: string[]; tokensPerSecond: number; error: string | null } }).gptDemo);
    expect(gpt.error).toBeNull();
    expect(gpt.iteration).toBe(60);
    expect(gpt.samples).toHaveLength(3); // after steps 20, 40 and 60
    for (const s of gpt.samples) expect(s.length).toBe(201); // the '\n' prompt and 200 sampled characters
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    expect(mean(gpt.losses.slice(-10))).toBeLessThan(mean(gpt.losses.slice(0, 5)) - 0.5); // from ~4.2 (uniform over 65)
    expect(gpt.valLoss).toBeLessThan(3.6);
    expect(await page.locator('#gpt-sample').textContent()).toContain('after 60 steps');
    console.log(`[browser] GPT tab: 60 steps, 1 layer, n_embd 64, 2 threads: loss ${gpt.losses[0]!.toFixed(3)} -> ${gpt.losses[59]!.toFixed(3)}, validation ${gpt.valLoss.toFixed(3)}, ${Math.round(gpt.tokensPerSecond)} tokens/s`);
    await page.screenshot({ path: `${ARTIFACTS}demo-gpt.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});
