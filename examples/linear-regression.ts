/**
 * The tutorial this project grew from: fit w in y = w·x with autograd, exactly as the PyTorch version
 * (w starts at 3.0, learning rate 0.01, 100 epochs over x = [1, 2, 3], y = [2, 4, 6]), then plot the loss
 * per epoch in the terminal and to loss.svg.
 *
 * Run: npm run example:linear
 */
import { tensor } from 'wasmgrad';
import { terminalChart, writeSvgChart } from './plot.js';

const w = tensor([3.0], { requiresGrad: true });
const forward = (x: number) => w.mul(x);
const loss = (x: number, y: number) => forward(x).sub(y).pow(2);

console.log('Predict before training', 4, forward(4).item());
const lossPerEpoch: number[] = [];
for (let epoch = 0; epoch < 100; epoch++) {
  let total = 0;
  for (const [x, y] of [[1, 2], [2, 4], [3, 6]] as const) {
    const l = loss(x, y);
    l.backward();
    console.log('\tgrad', x, y, w.grad!.item());
    w.data = w.data.sub(w.grad!.data.mul(0.01));
    w.grad!.data.zero_();
    total += l.item();
  }
  lossPerEpoch.push(total / 3);
  console.log('progress:', epoch, lossPerEpoch[epoch]);
}
console.log('Predict after training', 4, forward(4).item());

console.log('\n' + terminalChart('Loss per epoch (mean over the 3 samples)', lossPerEpoch));
writeSvgChart('loss.svg', 'y = w·x: loss per epoch', 'epoch', [{ name: 'loss (log scale)', values: lossPerEpoch }], true);
console.log('\nWrote loss.svg');
