/**
 * The two models `npm start` trains (examples/mnist/train.ts), shared with the browser demo, the CNN
 * benchmark and the determinism test: PyTorch's layouts and default initialisation.
 */
import { nn } from 'wasmgrad';

export type MnistModel = 'cnn' | 'mlp';

/** cnn: conv-relu-pool ×2, dropout, a linear classifier; mlp: 784-256-256-10 with ReLU. */
export function mnistModel(kind: MnistModel): nn.Sequential {
  if (kind === 'cnn') {
    return new nn.Sequential(
      new nn.Conv2d(1, 16, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(16, 32, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Flatten(), new nn.Dropout(0.3), new nn.Linear(32 * 7 * 7, 10),
    );
  }
  return new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 256), new nn.ReLU(), new nn.Linear(256, 10));
}
