/** A multilayer perceptron on MNIST, the way the PyTorch tutorial writes it. Run: npx tsx examples/mnist-mlp.ts */
import { data, F, manualSeed, nn, noGrad, optim } from 'wasmgrad';
import { loadDigits } from './mnist/dataset.js';

manualSeed(0);
const { images, labels } = loadDigits();
const [trainSet, testSet] = data.randomSplit(new data.TensorDataset(images, labels), [8000, 2000], { seed: 0 });
const trainLoader = new data.DataLoader(trainSet!, { batchSize: 64, shuffle: true });
const testLoader = new data.DataLoader(testSet!, { batchSize: 1000 });

const model = new nn.Sequential(
  new nn.Flatten(),
  new nn.Linear(28 * 28, 256), new nn.ReLU(),
  new nn.Linear(256, 10),
);
const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });

for (let epoch = 1; epoch <= 5; epoch++) {
  model.train();
  for (const [x, y] of trainLoader) {
    const loss = F.crossEntropy(model.forward(x!), y!);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
  }
  model.eval();
  let correct = 0;
  noGrad(() => {
    for (const [x, y] of testLoader) correct += model.forward(x!).argmax(1).eq(y!).sum().item();
  });
  console.log(`epoch ${epoch}: test accuracy ${((100 * correct) / 2000).toFixed(2)}%`);
}
