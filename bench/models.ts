/**
 * Training steps of real models, wasmgrad's side (bench/pytorch/models.py is PyTorch's, layer for layer):
 *   gpt     examples/gpt/model.ts: 2 layers, 4 heads, n_embd 128, block 64, batch 16, vocab 65, AdamW
 *   resnet  CIFAR ResNet-20 (16-32-64 channels, 3 BasicBlocks per stage), batch 32, 32×32×3, SGD momentum
 *   lstm    char LSTM: embedding 65×128, nn.LSTM hidden 128, linear 128→65, seq 32, batch 16, Adam
 * Steps/s of whole steps (forward, backward, optimizer), on random data fixed per model.
 */
import { F, manualSeed, nn, optim, randint, randn, setBackend, type Tensor } from '../src/index.js';
import { timeIt, TRAINING_WARMUP } from './harness.js';
import { GPT } from '../examples/gpt/model.js';

export const REAL_MODELS = ['gpt', 'resnet', 'lstm'] as const;
export type RealModel = (typeof REAL_MODELS)[number];

class BasicBlock extends nn.Module {
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  conv2: nn.Conv2d;
  bn2: nn.BatchNorm2d;
  shortcut: nn.Sequential;

  constructor(cin: number, cout: number, stride: number) {
    super();
    this.conv1 = new nn.Conv2d(cin, cout, 3, stride, 1, { bias: false });
    this.bn1 = new nn.BatchNorm2d(cout);
    this.conv2 = new nn.Conv2d(cout, cout, 3, 1, 1, { bias: false });
    this.bn2 = new nn.BatchNorm2d(cout);
    this.shortcut = stride !== 1 || cin !== cout
      ? new nn.Sequential(new nn.Conv2d(cin, cout, 1, stride, { bias: false }), new nn.BatchNorm2d(cout))
      : new nn.Sequential();
  }

  override forward(x: Tensor): Tensor {
    const out = this.bn1.forward(this.conv1.forward(x)).relu();
    const s = this.shortcut.length === 0 ? x : this.shortcut.forward(x);
    return this.bn2.forward(this.conv2.forward(out)).add(s).relu();
  }
}

/** pytorch-cifar's ResNet with BasicBlocks: n blocks per stage (n = 3: ResNet-20). */
class ResNet extends nn.Module {
  conv1 = new nn.Conv2d(3, 16, 3, 1, 1, { bias: false });
  bn1 = new nn.BatchNorm2d(16);
  layers: nn.Sequential;
  linear = new nn.Linear(64, 10);

  constructor(n = 3) {
    super();
    const blocks: BasicBlock[] = [];
    let cin = 16;
    for (const [cout, stride] of [[16, 1], [32, 2], [64, 2]] as const) {
      for (let i = 0; i < n; i++) {
        blocks.push(new BasicBlock(cin, cout, i === 0 ? stride : 1));
        cin = cout;
      }
    }
    this.layers = new nn.Sequential(...blocks);
  }

  override forward(x: Tensor): Tensor {
    const out = this.layers.forward(this.bn1.forward(this.conv1.forward(x)).relu());
    return this.linear.forward(F.avgPool2d(out, out.shape[3]!).flatten(1));
  }
}

class CharLSTM extends nn.Module {
  emb = new nn.Embedding(65, 128);
  lstm = new nn.LSTM(128, 128, { batchFirst: true });
  head = new nn.Linear(128, 65);

  override forward(idx: Tensor): Tensor {
    return this.head.forward(this.lstm.forward(this.emb.forward(idx))[0]);
  }
}

/** One training step of `model` (returns the loss), built on the current backend. */
export function stepOf(model: RealModel): () => void {
  manualSeed(0);
  if (model === 'gpt') {
    const m = new GPT({ blockSize: 64, vocabSize: 65, nLayer: 2, nHead: 4, nEmbd: 128, dropout: 0, bias: true });
    const opt = new optim.AdamW(m.parameters(), 1e-3);
    const x = randint(0, 65, [16, 64]), y = randint(0, 65, [16, 64]);
    return () => {
      opt.zeroGrad();
      m.forward(x, y)[1]!.backward();
      opt.step();
    };
  }
  if (model === 'resnet') {
    const m = new ResNet();
    const opt = new optim.SGD(m.parameters(), 0.05, 0.9);
    const x = randn(32, 3, 32, 32), y = randint(0, 10, [32]);
    return () => {
      opt.zeroGrad();
      F.crossEntropy(m.forward(x), y).backward();
      opt.step();
    };
  }
  const m = new CharLSTM();
  const opt = new optim.Adam(m.parameters(), 2e-3);
  const x = randint(0, 65, [16, 32]), y = randint(0, 65, [16, 32]);
  return () => {
    opt.zeroGrad();
    F.crossEntropy(m.forward(x).reshape(-1, 65), y.reshape(-1)).backward();
    opt.step();
  };
}

/** Steps per second of `model` on the wasm backend (with the current number of threads). */
export function wasmgradModelSteps(model: RealModel): number {
  setBackend('wasm');
  return 1 / timeIt(stepOf(model), TRAINING_WARMUP);
}
