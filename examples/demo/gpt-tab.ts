/**
 * The demo page's GPT tab: trains the character-level GPT of `npm run example:gpt` (examples/gpt/model.ts)
 * on the same Shakespeare (out/shakespeare.txt) in the page, yielding after every step, with a live loss
 * chart and text sampled from the model every few steps, so you watch it learn to spell.
 *
 * URL parameters (the browser tests use them): tab=gpt, gptIters, gptLayers, gptEmbd, gptBlock, gptBatch,
 * gptSampleEvery, gptAutostart=1.
 */
import { getNumThreads, manualSeed, nn, noGrad, tensor } from 'wasmgrad';
import { GPT } from '../gpt/model.js';
import { charData, cosineLr, getBatch, seededRandom, type CharData } from '../gpt/data.js';

/** What the tab exposes as globalThis.gptDemo (the browser tests read it). */
export interface GptDemoState {
  state: 'idle' | 'loading' | 'training' | 'done' | 'error';
  iteration: number;
  losses: number[];
  /** Validation loss after training (20 batches). */
  valLoss: number | null;
  /** Every text sampled while training, oldest first. */
  samples: string[];
  tokensPerSecond: number;
  error: string | null;
}

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`#${id} missing`);
  return el as T;
};

function drawLoss(canvas: HTMLCanvasElement, losses: readonly number[]): void {
  const g = canvas.getContext('2d')!;
  const W = canvas.width, H = canvas.height, pad = 30;
  g.clearRect(0, 0, W, H);
  g.strokeStyle = '#d9dee5';
  g.strokeRect(pad, 6, W - pad - 6, H - pad - 6);
  if (losses.length < 2) return;
  const hi = Math.max(...losses), lo = Math.min(...losses);
  g.fillStyle = '#5f6b7a';
  g.font = '11px system-ui';
  g.fillText(hi.toFixed(2), 2, 14);
  g.fillText(lo.toFixed(2), 2, H - pad);
  g.fillText(`step ${losses.length}`, W - 70, H - 10);
  g.strokeStyle = '#2f6fdf';
  g.beginPath();
  losses.forEach((l, i) => {
    const x = pad + ((W - pad - 6) * i) / (losses.length - 1);
    const y = 6 + ((H - pad - 6) * (hi - l)) / Math.max(1e-9, hi - lo);
    if (i === 0) g.moveTo(x, y);
    else g.lineTo(x, y);
  });
  g.stroke();
}

/**
 * Wires the tab's controls. `yieldToPage` gives the event loop a turn between steps; `otherBusy` tells
 * whether the MNIST tab is training (one training at a time).
 */
export function setupGptTab(yieldToPage: () => Promise<void>, otherBusy: () => boolean): { busy: () => boolean } {
  const params = new URLSearchParams(location.search);
  const gpt: GptDemoState = { state: 'idle', iteration: 0, losses: [], valLoss: null, samples: [], tokensPerSecond: 0, error: null };
  (globalThis as unknown as { gptDemo: GptDemoState }).gptDemo = gpt;
  const field = (id: string, param: string): HTMLInputElement => {
    const el = $<HTMLInputElement>(id);
    const v = params.get(param);
    if (v !== null) el.value = v;
    return el;
  };
  const ui = {
    iters: field('gpt-iters', 'gptIters'),
    layers: field('gpt-layers', 'gptLayers'),
    embd: field('gpt-embd', 'gptEmbd'),
    block: field('gpt-block', 'gptBlock'),
    batch: field('gpt-batch', 'gptBatch'),
    every: field('gpt-every', 'gptSampleEvery'),
    train: $<HTMLButtonElement>('gpt-train'),
    stop: $<HTMLButtonElement>('gpt-stop'),
    status: $('gpt-status'),
    sample: $('gpt-sample'),
    chart: $<HTMLCanvasElement>('gpt-chart'),
  };
  let data: CharData | null = null;
  let stop = false;

  const show = (k: string, v: string): void => {
    $(`g-${k}`).textContent = v;
  };

  async function train(): Promise<void> {
    if (gpt.state === 'training' || otherBusy()) return;
    gpt.state = 'loading';
    if (data === null) {
      ui.status.textContent = 'Loading the text…';
      const res = await fetch(new URL('./shakespeare.txt', import.meta.url));
      if (!res.ok) throw new Error(`shakespeare.txt: HTTP ${res.status}`);
      data = charData(await res.text());
    }
    const iters = Math.max(1, Math.round(Number(ui.iters.value)));
    const blockSize = Math.max(8, Math.round(Number(ui.block.value)));
    const batchSize = Math.max(1, Math.round(Number(ui.batch.value)));
    const nEmbd = Math.max(16, Math.round(Number(ui.embd.value) / 4) * 4);
    const every = Math.max(1, Math.round(Number(ui.every.value)));
    manualSeed(1337);
    const random = seededRandom(1337);
    const model = new GPT({ blockSize, vocabSize: data.chars.length, nLayer: Math.max(1, Math.round(Number(ui.layers.value))), nHead: 4, nEmbd, dropout: 0, bias: true });
    const optimizer = model.configureOptimizers(0.1, 2e-3, [0.9, 0.99]);
    Object.assign(gpt, { state: 'training', iteration: 0, losses: [], valLoss: null, samples: [], tokensPerSecond: 0, error: null });
    ui.train.disabled = true;
    ui.stop.disabled = false;
    stop = false;
    ui.status.textContent = `GPT: ${model.config.nLayer} layer${model.config.nLayer === 1 ? '' : 's'}, 4 heads, n_embd ${nEmbd}, block ${blockSize} · ${(model.numParams() / 1e6).toFixed(2)}M parameters · ${getNumThreads()} thread(s)`;
    const sample = (): string => {
      model.eval();
      const out = noGrad(() => model.generate(tensor(data!.encode('\n'), { dtype: 'int32' }).view(1, -1), 200, 0.8, 20));
      model.train();
      return data!.decode(out.toArray() as Int32Array);
    };
    let stepSeconds = 0;
    for (let it = 0; it < iters && !stop; it++) {
      const t0 = performance.now();
      for (const g of optimizer.paramGroups) g.lr = cosineLr(it, 2e-3, 2e-4, Math.min(100, iters / 10), iters);
      const [x, y] = getBatch(data.train, batchSize, blockSize, random);
      const loss = model.forward(x, y)[1]!;
      optimizer.zeroGrad();
      loss.backward();
      nn.utils.clipGradNorm_(model.parameters(), 1);
      optimizer.step();
      const l = loss.item();
      stepSeconds += (performance.now() - t0) / 1000;
      gpt.iteration = it + 1;
      gpt.losses.push(l);
      gpt.tokensPerSecond = ((it + 1) * batchSize * blockSize) / stepSeconds;
      show('iter', `${it + 1}/${iters}`);
      show('loss', l.toFixed(3));
      show('speed', String(Math.round(gpt.tokensPerSecond)));
      if ((it + 1) % every === 0 || it + 1 === iters) {
        const text = sample();
        gpt.samples.push(text);
        ui.sample.textContent = `after ${it + 1} steps:\n${text}`;
        drawLoss(ui.chart, gpt.losses);
      }
      await yieldToPage();
    }
    model.eval();
    let val = 0;
    noGrad(() => {
      for (let k = 0; k < 20; k++) val += model.forward(...getBatch(data!.val, batchSize, blockSize, random))[1]!.item();
    });
    gpt.valLoss = val / 20;
    show('val', gpt.valLoss.toFixed(3));
    drawLoss(ui.chart, gpt.losses);
    ui.status.textContent += ` · validation loss ${gpt.valLoss.toFixed(3)}${stop ? ' (stopped)' : ''}`;
    gpt.state = 'done';
    ui.train.disabled = false;
    ui.stop.disabled = true;
  }

  const fail = (err: unknown): void => {
    gpt.error = err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err);
    gpt.state = 'error';
    ui.status.textContent = `Error: ${err instanceof Error ? err.message : String(err)}`;
    ui.train.disabled = false;
    ui.stop.disabled = true;
    console.error(err);
  };
  ui.train.disabled = false;
  ui.train.addEventListener('click', () => void train().catch(fail));
  ui.stop.addEventListener('click', () => { stop = true; });
  drawLoss(ui.chart, []);
  if (params.get('gptAutostart') === '1') void train().catch(fail);
  return { busy: () => gpt.state === 'training' || gpt.state === 'loading' };
}
