/**
 * The second main job (`npm run example:gpt`): a character-level GPT (examples/gpt/model.ts, nanoGPT's
 * model.py in TypeScript) trained on the Shakespeare shipped beside it, with AdamW (decay on matrices
 * only), gradient clipping and nanoGPT's warm-up + cosine learning rate. Prints progress and validation
 * loss, plots the loss, saves `gpt.safetensors` (nanoGPT's state-dict keys) and prints generated text.
 *
 *   npm run example:gpt -- --iters 1200 --batch-size 16 --block-size 64 --n-layer 4 --n-head 4 --n-embd 128
 *                          --lr 2e-3 --threads 2 --temperature 0.8 --top-k 20 --samples 500 --onnx gpt.onnx
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { getBackend, getNumThreads, manualSeed, nn, noGrad, onnx, randint, save, setBackend, setNumThreads, tensor, type Tensor } from 'wasmgrad';
import { GPT, type GPTConfig } from './model.js';
import { charData, cosineLr, getBatch, seededRandom } from './data.js';
import { terminalChart, writeSvgChart } from '../plot.js';

const { values: args } = parseArgs({
  options: {
    iters: { type: 'string', default: '1200' },
    'batch-size': { type: 'string', default: '16' },
    'block-size': { type: 'string', default: '64' },
    'n-layer': { type: 'string', default: '4' },
    'n-head': { type: 'string', default: '4' },
    'n-embd': { type: 'string', default: '128' },
    dropout: { type: 'string', default: '0' },
    lr: { type: 'string', default: '2e-3' },
    'min-lr': { type: 'string', default: '2e-4' },
    warmup: { type: 'string', default: '100' },
    'weight-decay': { type: 'string', default: '0.1' },
    'grad-clip': { type: 'string', default: '1' },
    'eval-interval': { type: 'string', default: '250' },
    'eval-iters': { type: 'string', default: '20' },
    backend: { type: 'string', default: 'wasm' },
    threads: { type: 'string' },
    seed: { type: 'string', default: '1337' },
    temperature: { type: 'string', default: '0.8' },
    'top-k': { type: 'string', default: '20' },
    samples: { type: 'string', default: '500' },
    out: { type: 'string', default: 'gpt.safetensors' },
    onnx: { type: 'string', default: 'gpt.onnx' },
    svg: { type: 'string', default: 'gpt-training.svg' },
  },
});
const num = (k: keyof typeof args): number => {
  const v = Number(args[k]);
  if (!Number.isFinite(v)) throw new Error(`--${k} must be a number, got ${String(args[k])}`);
  return v;
};
const iters = num('iters'), batchSize = num('batch-size'), blockSize = num('block-size');
const maxLr = num('lr'), minLr = num('min-lr'), warmup = num('warmup');
const evalInterval = num('eval-interval'), evalIters = num('eval-iters');
if (args.backend !== 'wasm' && args.backend !== 'js') throw new Error(`--backend must be wasm or js, got ${args.backend}`);
setBackend(args.backend);
if (args.threads !== undefined) setNumThreads(num('threads'));
const seed = num('seed');
manualSeed(seed);

// ---- data: characters of the text, 90% for training, the last 10% for validation ----
const text = readFileSync(new URL('./shakespeare.txt', import.meta.url), 'utf8');
const data = charData(text);
const random = seededRandom(seed);
const batch = (split: 'train' | 'val'): [Tensor, Tensor] => getBatch(data[split], batchSize, blockSize, random);

// ---- model and optimizer ----
const config: GPTConfig = {
  blockSize, vocabSize: data.chars.length, nLayer: num('n-layer'), nHead: num('n-head'), nEmbd: num('n-embd'), dropout: num('dropout'), bias: true,
};
const model = new GPT(config);
const optimizer = model.configureOptimizers(num('weight-decay'), maxLr, [0.9, 0.99]);
const gradClip = num('grad-clip');

const lrAt = (it: number): number => cosineLr(it, maxLr, minLr, warmup, iters);

function estimateLoss(): { train: number; val: number } {
  model.eval();
  const out = { train: 0, val: 0 };
  noGrad(() => {
    for (const split of ['train', 'val'] as const) {
      let sum = 0;
      for (let k = 0; k < evalIters; k++) {
        const [x, y] = batch(split);
        sum += model.forward(x, y)[1]!.item();
      }
      out[split] = sum / evalIters;
    }
  });
  model.train();
  return out;
}

console.log(
  `wasmgrad ${getBackend()} backend · ${getNumThreads()} thread(s) · GPT ${config.nLayer} layers, ${config.nHead} heads, ` +
    `n_embd ${config.nEmbd}, block ${blockSize}, vocab ${data.chars.length} · ${(model.numParams() / 1e6).toFixed(2)}M parameters · ` +
    `${(text.length / 1e6).toFixed(2)}M characters · ${iters} iterations of batch ${batchSize} · AdamW lr ${maxLr} (warm-up ${warmup}, cosine to ${minLr})`,
);

const lossCurve: number[] = [];
const valPoints: { it: number; train: number; val: number }[] = [];
const bar = new cliProgress.SingleBar(
  { format: 'train |{bar}| {value}/{total} iterations · loss {loss} · val {val} · {speed} tokens/s', hideCursor: true },
  cliProgress.Presets.shades_classic,
);
const start = performance.now();
bar.start(iters, 0, { loss: '-', val: '-', speed: '-' });
let lastVal = '-';
for (let it = 0; it < iters; it++) {
  if (it > 0 && it % evalInterval === 0) {
    const l = estimateLoss();
    valPoints.push({ it, ...l });
    lastVal = l.val.toFixed(4);
  }
  const lr = lrAt(it);
  for (const g of optimizer.paramGroups) g.lr = lr;
  const [x, y] = batch('train');
  const loss = model.forward(x, y)[1]!;
  optimizer.zeroGrad();
  loss.backward();
  nn.utils.clipGradNorm_(model.parameters(), gradClip);
  optimizer.step();
  lossCurve.push(loss.item());
  const secs = (performance.now() - start) / 1000;
  bar.increment(1, { loss: loss.item().toFixed(4), val: lastVal, speed: Math.round(((it + 1) * batchSize * blockSize) / secs) });
}
bar.stop();
const seconds = (performance.now() - start) / 1000;
const final = estimateLoss();
valPoints.push({ it: iters, ...final });
console.log(`\nAfter ${iters} iterations (${seconds.toFixed(1)} s, ${Math.round((iters * batchSize * blockSize) / seconds)} tokens/s): train loss ${final.train.toFixed(4)}, validation loss ${final.val.toFixed(4)}`);

console.log('\n' + terminalChart('Training loss per iteration', lossCurve));
writeSvgChart(args.svg!, `Shakespeare GPT: loss per iteration`, 'iteration', [{ name: 'training loss', values: lossCurve }]);
save(model.stateDict(), args.out!, { vocab: data.chars.join('') });
console.log(`Wrote ${args.svg} and ${args.out} (nanoGPT's state-dict keys; the vocabulary in its metadata)`);
// the model as ONNX: ids [batch, seq <= blockSize] -> the last position's logits [batch, 1, vocab] (docs/onnx.md)
const exampleIdx = randint(0, config.vocabSize, [1, config.blockSize - 1], { dtype: 'int32' }); // the trace also runs one longer
const dynamicAxes = { idx: { 0: 'batch', 1: 'seq' }, logits: { 0: 'batch' } };
writeFileSync(args.onnx!, await onnx.export(model, exampleIdx, { inputNames: ['idx'], outputNames: ['logits'], dynamicAxes }));
console.log(`Wrote ${args.onnx} (ONNX: idx [batch, seq <= ${config.blockSize}] int32 -> the last position's logits [batch, 1, ${config.vocabSize}])`);

// ---- generation ----
model.eval();
const prompt = data.encode('\n');
const out = noGrad(() => model.generate(tensor(prompt, { dtype: 'int32' }).view(1, -1), num('samples'), num('temperature'), num('top-k')));
console.log(`\nSampled text (temperature ${args.temperature}, top-k ${args['top-k']}):\n`);
console.log(data.decode(out.toArray() as Int32Array));
