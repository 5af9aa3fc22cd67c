/**
 * Using a tensor after dispose(), in every way: ops, views, reading values, autograd, optimizers, modules,
 * datasets. Each use must throw a clear error before any kernel runs, never read the freed block (the
 * tests put a sentinel there by allocating a tensor of the same size, which takes the freed block), and
 * the library must keep working.
 */
import { describe, expect, it } from 'vitest';
import { cat, data, F, grad, matmul, memory, nn, ones, optim, randn, stack, tensor, Tensor, toSafetensors, where, zeros } from '../src/index.js';
import { expectLibraryWorks } from './helpers.js';

const SENTINEL = 12345;

/** A disposed [2, 3] tensor whose block now holds SENTINEL in a live tensor of the same size. */
function disposedWithSentinel(opts: { requiresGrad?: boolean; dtype?: 'float32' | 'int32' } = {}): { t: Tensor; reuse: Tensor } {
  const t = opts.dtype === 'int32' ? tensor([[0, 1, 2], [3, 4, 5]], { dtype: 'int32' }) : randn(2, 3, { requiresGrad: opts.requiresGrad });
  const ptr = t.ptr;
  t.dispose();
  const reuse = zeros(2, 3, { dtype: opts.dtype }).fill_(SENTINEL);
  expect(reuse.ptr, 'the freed block is reused').toBe(ptr);
  return { t, reuse };
}

function expectDisposedError(fn: () => unknown, re: RegExp = /dispos/): void {
  let err: unknown = null;
  let result: unknown;
  try {
    result = fn();
  } catch (e) {
    err = e;
  }
  const shown = result instanceof Tensor && !result.isDisposed ? String(result) : String(result);
  expect(err, `expected an error, got ${shown}`).toBeInstanceOf(Error);
  expect(err).not.toBeInstanceOf(WebAssembly.RuntimeError);
  expect((err as Error).message).toMatch(re);
}

describe('a disposed tensor', () => {
  const uses: [string, (t: Tensor) => unknown][] = [
    ['add', (t) => t.add(1)], ['add as second operand', (t) => ones(2, 3).add(t)], ['mul by tensor', (t) => t.mul(t)],
    ['exp', (t) => t.exp()], ['relu', (t) => t.relu()], ['clamp', (t) => t.clamp(0, 1)], ['neg', (t) => t.neg()],
    ['sum', (t) => t.sum()], ['mean over a dim', (t) => t.mean(1)], ['max along dim', (t) => t.max(0)], ['argmax', (t) => t.argmax()],
    ['matmul', (t) => t.matmul(ones(3, 2))], ['matmul as second operand', (t) => ones(4, 2).matmul(t)], ['softmax', (t) => t.softmax(1)],
    ['item', (t) => t.select(0, 0).select(0, 0).item()], ['tolist', (t) => t.tolist()], ['toArray', (t) => t.toArray()],
    ['reshape', (t) => t.reshape(6)], ['view', (t) => t.view(3, 2)], ['t()', (t) => t.t()], ['transpose', (t) => t.transpose(0, 1)],
    ['select', (t) => t.select(0, 1)], ['narrow', (t) => t.narrow(1, 0, 2)], ['expand', (t) => t.unsqueeze(0).expand(2, 2, 3)],
    ['unsqueeze', (t) => t.unsqueeze(0)], ['squeeze', (t) => t.squeeze()], ['flatten', (t) => t.flatten()], ['permute', (t) => t.permute(1, 0)],
    ['detach', (t) => t.detach()], ['.data', (t) => t.data], ['contiguous', (t) => t.contiguous()], ['clone', (t) => t.clone()],
    ['to int32', (t) => t.int()], ['cat', (t) => cat([ones(2, 3), t])], ['stack', (t) => stack([t, ones(2, 3)])],
    ['where', (t) => where(ones(2, 3).gt(0), t, 0)], ['indexSelect', (t) => t.indexSelect(0, tensor([1], { dtype: 'int32' }))],
    ['gather', (t) => t.gather(1, zeros(2, 1, { dtype: 'int32' }))], ['fill_', (t) => t.fill_(1)], ['add_', (t) => t.add_(1)],
    ['copy_ into it', (t) => t.copy_(ones(2, 3))], ['copy_ from it', (t) => ones(2, 3).copy_(t)], ['.data = it', (t) => { ones(2, 3).data = t; }],
    ['F.linear input', (t) => F.linear(t, ones(4, 3))], ['F.linear weight', (t) => F.linear(ones(1, 3), t)], ['mseLoss', (t) => F.mseLoss(t, ones(2, 3))],
    ['crossEntropy', (t) => F.crossEntropy(t, tensor([0, 1], { dtype: 'int32' }))], ['toSafetensors', (t) => toSafetensors({ t })],
  ];
  for (const [name, use] of uses) {
    it(name, () => {
      const { t, reuse } = disposedWithSentinel();
      expectDisposedError(() => use(t));
      expect(Array.from(reuse.toArray())).toEqual(Array(6).fill(SENTINEL));
      reuse.dispose();
      expectLibraryWorks();
    });
  }

  it('as an int32 index or target', () => {
    const { t } = disposedWithSentinel({ dtype: 'int32' });
    expectDisposedError(() => randn(6, 2).indexSelect(0, t.flatten()));
    expectDisposedError(() => F.crossEntropy(randn(3, 7), t.select(0, 0)));
    expectDisposedError(() => randn(2, 6).gather(1, t));
  });

  it('stays disposed while a view keeps its storage alive, and the view keeps working', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    const v = x.t();
    x.dispose();
    expectDisposedError(() => x.reshape(6));
    expectDisposedError(() => x.detach());
    expectDisposedError(() => x.sum());
    expect(v.sum().item()).toBe(21);
  });

  it('dispose() twice is harmless and does not free the block twice', () => {
    const before = memory().bytesInUse;
    const x = randn(100);
    x.dispose();
    x.dispose();
    expect(memory().bytesInUse).toBe(before);
    const a = randn(100);
    const b = randn(100);
    expect(a.ptr).not.toBe(b.ptr);
  });
});

describe('autograd through disposed tensors', () => {
  it('a disposed leaf, a disposed saved tensor, a disposed output', () => {
    // (a backward that fails part-way has consumed the graph, as in PyTorch: each check gets its own)
    const x = randn(3, { requiresGrad: true });
    x.dispose();
    expectDisposedError(() => x.mul(x));
    const x2 = randn(3, { requiresGrad: true });
    const z2 = x2.mul(x2).sum();
    x2.dispose();
    expectDisposedError(() => z2.backward());
    const x3 = randn(3, { requiresGrad: true });
    const z3 = x3.mul(x3).sum();
    x3.dispose();
    expectDisposedError(() => grad([z3], [x3]));

    const a = randn(3, { requiresGrad: true });
    const y = a.exp();
    const w = y.mul(y).sum(); // MulBackward saves y
    y.dispose();
    expectDisposedError(() => w.backward());

    const b = randn(3, { requiresGrad: true });
    const out = b.mul(2).sum();
    out.dispose();
    expectDisposedError(() => out.backward(), /backward: the output \(shape \[\]\) was disposed/);
    expect(b.grad).toBeNull();
    expectLibraryWorks();
  });

  it('.grad of a disposed tensor is gone', () => {
    const x = randn(3, { requiresGrad: true });
    x.sum().backward();
    x.dispose();
    expect(x.grad).toBeNull();
  });
});

describe('optimizers, modules and data over disposed tensors', () => {
  for (const make of [(p: Tensor[]) => new optim.SGD(p, { lr: 0.1, momentum: 0.9 }), (p: Tensor[]) => new optim.Adam(p)]) {
    it(`${make([ones(1).requiresGrad_()]).constructor.name}: step() over a disposed parameter, gradient or state`, () => {
      const keep = randn(3, { requiresGrad: true });
      const p = randn(3, { requiresGrad: true });
      const opt = make([keep, p]);
      keep.sum().backward();
      p.sum().backward();
      p.dispose();
      const before = keep.tolist();
      expectDisposedError(() => opt.step(), /step: parameter 1 of param group 0 \(shape \[3\]\) was disposed/);
      expect(keep.tolist()).toEqual(before); // nothing was updated
      opt.zeroGrad(); // harmless: only gradients are reset

      const q = randn(3, { requiresGrad: true });
      const opt2 = make([q]);
      q.sum().backward();
      opt2.step();
      const state = Object.values(opt2.state.get(q) ?? {}).find((v) => v instanceof Tensor);
      expect(state).toBeInstanceOf(Tensor);
      (state as Tensor).dispose();
      expectDisposedError(() => opt2.step(), /step: state '.*' of parameter 0 .* was disposed/);
      q.grad!.dispose();
      expectDisposedError(() => opt2.step(), /step: the gradient of parameter 0 .* was disposed/);
      expectDisposedError(() => make([p]), /parameter 0 of param group 0 was disposed/);
      expectLibraryWorks();
    });
  }

  it('a module whose parameter was disposed', () => {
    const m = new nn.Linear(3, 2);
    m.weight.dispose();
    expectDisposedError(() => m.forward(ones(1, 3)));
    expectDisposedError(() => toSafetensors(m.stateDict()));
    expectDisposedError(() => new optim.SGD(m.parameters()));
    const bn = new nn.BatchNorm1d(3);
    (bn as unknown as { runningMean: Tensor }).runningMean.dispose();
    expectDisposedError(() => bn.forward(randn(4, 3)));
    expectLibraryWorks();
  });

  it('a dataset tensor disposed before or during iteration', () => {
    const x = randn(6, 2);
    const y = tensor([0, 1, 0, 1, 0, 1], { dtype: 'int32' });
    const ds = new data.TensorDataset(x, y);
    const loader = new data.DataLoader(ds, { batchSize: 2 });
    const it1 = loader[Symbol.iterator]();
    expect(it1.next().value![0]!.shape).toEqual([2, 2]);
    x.dispose();
    expectDisposedError(() => it1.next(), /DataLoader: tensor 0 of the dataset \(shape \[6, 2\]\) was disposed/);
    expectDisposedError(() => [...loader], /DataLoader: tensor 0/);
    expectDisposedError(() => ds.get(0));
    expectDisposedError(() => [...new data.DataLoader(data.randomSplit(ds, [3, 3])[0]!, { batchSize: 2 })], /DataLoader: tensor 0/);
    expectDisposedError(() => new data.TensorDataset(x), /TensorDataset: tensor 0 \(shape \[6, 2\]\) was disposed/);
    expectLibraryWorks();
  });
});
