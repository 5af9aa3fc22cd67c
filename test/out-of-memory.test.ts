/**
 * Out of memory for real: a model that outgrows the 4 GiB a wasm32 memory can hold. The error must be a
 * RangeError naming the size asked for and the bytes in use; the tensors made before must be intact, small
 * ops must keep working, and an op or a backward pass that runs out part-way must leak nothing (once the
 * temporaries it dropped are collected) and leave the graph's inputs untouched.
 *
 * The 4 GiB tests run in the wasm project only: they take the whole WebAssembly memory of their process, and
 * the suite runs the wasm, js and wasm-plain projects in parallel forks; the allocator and its errors are the
 * same for both backends (the js backend computes on the same memory), so once is enough. The last test
 * makes every allocation of a training step fail in turn instead (both backends: their backward rules differ).
 */
import { describe, expect, it } from 'vitest';
import { empty, F, memory, nn, randn, tensor, Tensor, zeros } from '../src/index.js';
import type { Node } from '../src/autograd/node.js';
import { classBytes, heap, sizeClassIndex } from '../src/backends/memory.js';
import { thrown } from './helpers.js';

const MiB = 1024 * 1024;
const OOM = /^out of memory: cannot allocate (\d+(\.\d+)? [KMG]i?B|\d+ B); WebAssembly memory holds at most 4 GiB and (\d+(\.\d+)? [KMG]i?B|\d+ B) is in use by live tensors/;

/** Full garbage collection and finalizers: what a long-running program gets eventually. */
const collect = () => heap.collect!();

/** Allocates `make()` until it throws; returns what was made and the error. */
function fillWith(make: (i: number) => Tensor, out: Tensor[]): Error {
  for (let i = 0; ; i++) {
    try {
      out.push(make(out.length));
    } catch (e) {
      return e as Error;
    }
  }
}

/**
 * An uninitialised 1-D tensor of `n` floats with `v` written at its start, middle and end only: the OS
 * backs only the pages touched, which keeps filling 4 GiB fast.
 */
function marked(n: number, v: number): Tensor {
  const t = empty(n);
  for (const i of [0, n >> 1, n - 1]) t.narrow(0, i, 1).fill_(v).dispose(); // views hold the storage until disposed
  return t;
}

/** A few elements of a tensor (start, middle, end) and its shape: cheap to compare before/after. */
const probe = (t: Tensor) => {
  const n = t.numel();
  const flat = t.reshape(-1);
  const values = [0, n >> 1, n - 1].map((i) => {
    const e = flat.select(0, i);
    const v = e.item();
    e.dispose();
    return v;
  });
  flat.dispose();
  return [t.shape.join('x'), ...values];
};

describe.skipIf(process.env.WASMGRAD_BACKEND === 'js')('out of memory', () => {
  it('a model that outgrows 4 GiB: clear RangeError, earlier tensors intact, the library keeps working, nothing leaks', () => {
    collect();
    const base = memory().bytesInUse;
    const small = tensor([1, 2, 3]);
    const held: Tensor[] = [];
    // Bulk first (256 MiB blocks, each filled with its own value), then Linear layers until one no longer fits.
    const bulkErr = fillWith((i) => marked(64 * MiB, i + 1), held);
    expect(bulkErr).toBeInstanceOf(RangeError);
    expect(bulkErr.message).toMatch(OOM);
    expect(bulkErr.message).toMatch(/cannot allocate 256\.0 MiB/);
    const layers: nn.Linear[] = [];
    let layerErr: Error | null = null;
    for (let i = 0; layerErr === null; i++) {
      try {
        layers.push(new nn.Linear(2048, 2048)); // 16 MiB of weights each
      } catch (e) {
        layerErr = e as Error;
      }
    }
    expect(layerErr).toBeInstanceOf(RangeError);
    expect(layerErr!.message).toMatch(OOM);
    expect(memory().memoryBytes).toBeGreaterThan(4 * 1024 * MiB - 256 * MiB);
    expect(memory().bytesInUse).toBeGreaterThan(3.5 * 1024 * MiB);
    // A request far beyond what is left, while full.
    expect(() => zeros(512, MiB)).toThrow(/out of memory: cannot allocate 2\.00 GiB/);

    // Everything made before is intact.
    held.forEach((t, i) => expect(probe(t)).toEqual([String(64 * MiB), i + 1, i + 1, i + 1]));
    expect(small.tolist()).toEqual([1, 2, 3]);
    // Small ops still work (tiny tensors come from slabs and freed blocks). Disposed: a dropped tiny tensor
    // counts as in use until the whole slab it was carved from is collected, which the bound below would see.
    const smallOps = [small.add(1)];
    smallOps.push(smallOps[0]!.mul(2));
    smallOps.push(smallOps[1]!.sum());
    expect(smallOps[2]!.item()).toBe(18);
    for (const t of smallOps) t.dispose();
    expect(layers.at(-1)?.weight.shape ?? [2048, 2048]).toEqual([2048, 2048]);

    // Freeing makes room again.
    for (const t of held.splice(0, 2)) t.dispose();
    const again = randn(1024, 1024);
    expect(again.shape).toEqual([1024, 1024]);
    again.dispose();
    for (const t of held) t.dispose();
    layers.length = 0;
    small.dispose();
    collect();
    // All of it comes back, although the error of the failed Linear constructor is still held (it used to
    // keep the weight being filled in use, through the frames of its stack) and so are the disposed tensors.
    expect(memory().bytesInUse).toBe(base);
    expect(layerErr!.stack).toContain('out of memory');
    expect(held.every((t) => t.isDisposed)).toBe(true);
    // The freed blocks are all of the bulk and layer sizes: other sizes are carved out of them.
    const other = [randn(3000, 1000), randn(100, 100), zeros(1 << 20)];
    expect(other.map((t) => t.numel())).toEqual([3_000_000, 10_000, 1 << 20]);
    for (const t of other) t.dispose();
  });

  it('running out inside an op or a backward pass leaks nothing and corrupts no input', () => {
    collect();
    const base = memory().bytesInUse;
    const errors = runOutInsideOps();
    collect();
    // Everything the ops made comes back, although their errors are still held (their stack frames held the
    // graph) and the user's disposed tensors stayed referenced until runOutInsideOps returned.
    expect(memory().bytesInUse).toBe(base);
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(OOM), expect.stringMatching(OOM)]);
  });
});


const mlpLoss = (x: Tensor, w: Tensor) => x.matmul(w.t()).relu().sum();

/** The body of the test above, in its own function so that its tensors are unreachable once it returns. */
function runOutInsideOps(): Error[] {
  // Inputs made while there is room: an int32 vector (its float copy is a 1 MiB temporary) and a small MLP graph.
  const xi = tensor(Int32Array.from({ length: 256 * 1024 }, (_, i) => i % 1000));
  const x = randn(256, 512);
  const w = randn(1024, 512, { requiresGrad: true });
  const before = { xi: probe(xi), x: probe(x), w: probe(w) };
  // Backward needs [256, 1024] (1 MiB) and [1024, 512] (2 MiB) tensors. (Made in a function: the matmul output
  // relu does not save must not stay in a register of this one.)
  const loss = mlpLoss(x, w);
  collect();
  const level = memory().bytesInUse;

  // Fill the memory down to less than 1 MiB, keeping one spare 1 MiB block to free right before each op.
  const fill: Tensor[] = [];
  for (const mib of [256, 16, 1]) fillWith(() => marked(mib * MiB / 4, 0), fill);
  const spare = fill.pop()!;
  expect(spare.numel() * 4).toBe(MiB);

  // int32 + 0.5: the float copy of xi takes the spare block, then the 1 MiB output cannot be allocated.
  spare.dispose();
  const errors = [thrown(() => xi.add(0.5))];
  expect(errors[0]!.message).toMatch(OOM);
  expect(probe(xi)).toEqual(before.xi);
  // A fresh spare for the backward pass: its first temporaries fit, later ones do not.
  fill.pop()!.dispose();
  errors.push(thrown(() => loss.backward()));
  expect(errors[1]!.message).toMatch(OOM);
  expect(probe(w)).toEqual(before.w);
  expect(probe(x)).toEqual(before.x);
  // The failed pass freed the saved tensors of the nodes it ran: a second one says so at the first of them
  // (the sum saved nothing and runs again, as in PyTorch). (Not kept: only the out-of-memory errors drop
  // the frames of their stacks, which hold the graph here.)
  expect(() => loss.backward()).toThrow(/backward: trying to backward through the graph a second time \(ReluBackward0/);

  // Cleanup: the filler, then what the failed calls dropped. Memory comes back exactly to its level while the
  // disposed filler is still referenced (a dropped tensor reusing the block of a disposed one the user still
  // held used to keep that block in use).
  for (const t of fill) t.dispose();
  collect();
  // Where the pass ran out decides whether ReluBackward0 ran (and released the 1 MiB output it saved) first.
  const relu = loss.gradFn!.nextFunctions[0] as Node;
  expect(memory().bytesInUse).toBe(level - (relu.saved === null ? MiB : 0));
  expect(spare.isDisposed && fill.every((t) => t.isDisposed)).toBe(true);

  // The graph's inputs are intact: a new forward and backward give the right gradient.
  const loss2 = mlpLoss(x, w);
  loss2.backward();
  const mask = x.matmul(w.t()).gt(0).float(); // d/dw sum(relu(x wᵀ)) = maskᵀ x
  const want = mask.t().matmul(x);
  const err = w.grad!.sub(want).abs().amax();
  expect(err.item()).toBeLessThan(1e-3);
  // Tiny tensors too: a dropped one counts as in use until the whole slab it was carved from is collected.
  for (const t of [xi, x, w, mask, want, loss, loss2, err]) t.dispose();
  w.grad = null;
  return errors;
}

/**
 * Installs allocator hooks for `body`: `failIn(k, f)` runs `f` with its `k`-th allocation failing as if the
 * memory were full (k < 0: none) and returns whether it did; `leaked()` collects garbage and lists the blocks
 * allocated since the hooks were installed and not freed yet (not those of the class tiny tensors' slabs
 * come in), each with the stack that allocated it.
 */
async function withFailingAllocations(
  body: (failIn: (k: number, f: () => unknown) => boolean, leaked: () => Promise<string[]>) => Promise<void>,
): Promise<void> {
  const { allocClass, freeClass } = heap;
  const slab = sizeClassIndex(1024);
  const blocks = new Map<number, () => string>();
  let countdown = -1;
  heap.allocClass = function (index: number): number {
    if (countdown >= 0 && countdown-- === 0) {
      const err = new RangeError(`out of memory: cannot allocate ${classBytes(index)} B (made to fail)`);
      void err.stack; // as the heap's own errors: formatted, the stack holds no frame (and no tensor)
      throw err;
    }
    const ptr = allocClass.call(this, index);
    if (index !== slab) {
      const where = new Error().stack!; // a string: it holds no frame
      blocks.set(ptr, () => `${classBytes(index)} B ${where.split('\n').slice(2, 8).join(' <')}`);
    }
    return ptr;
  };
  heap.freeClass = function (ptr: number, index: number): void {
    blocks.delete(ptr);
    freeClass.call(this, ptr, index);
  };
  const failIn = (k: number, f: () => unknown): boolean => {
    countdown = k;
    try {
      f();
      return false;
    } catch (e) {
      if (countdown !== -1 || !(e instanceof RangeError)) throw e;
      return true;
    } finally {
      countdown = -1;
    }
  };
  // Collected after a turn of the event loop, once no frame of the steps can still hold a value of theirs.
  const leaked = async (): Promise<string[]> => {
    await new Promise((r) => setTimeout(r, 0));
    collect();
    return [...blocks.values()].map((describe) => describe());
  };
  try {
    await body(failIn, leaked);
  } finally {
    heap.allocClass = allocClass;
    heap.freeClass = freeClass;
  }
}

describe('an allocation failing anywhere in a training step', () => {
  it('leaves no block in use once the step is dropped, and a failed backward can be told apart from a second one', async () => {
    await withFailingAllocations(async (failIn, leaked) => {
      const step = (k: number, phase: 'forward' | 'backward'): boolean => {
        const model = new nn.Sequential(
          new nn.Conv2d(2, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
          new nn.Flatten(), new nn.Linear(64, 10), new nn.LayerNorm(10),
        );
        const x = randn(3, 2, 8, 8);
        const y = tensor([1, 2, 3]).int();
        const forward = () => {
          const out = model.forward(x);
          return F.crossEntropy(out.softmax(1).add(out.mul(out.mean(1, true))), y);
        };
        if (phase === 'forward') return failIn(k, () => forward().backward());
        const loss = forward();
        const failed = failIn(k, () => loss.backward());
        // Either the first node had not run (a second pass does it all), or the error says the graph was used.
        if (failed) {
          try {
            loss.backward();
          } catch (e) {
            expect((e as Error).message).toMatch(/^backward: trying to backward through the graph a second time/);
          }
        }
        return failed;
      };
      const counts = { forward: 0, backward: 0 };
      for (const phase of ['forward', 'backward'] as const) {
        while (step(counts[phase], phase)) counts[phase]++;
      }
      // Every block made since the hooks were installed is free again.
      expect(await leaked()).toEqual([]);
      // Enough allocation points for the step to be a real one (their number depends on the backend's rules).
      expect(counts.forward).toBeGreaterThan(30);
      expect(counts.backward).toBeGreaterThan(20); // 27-29 since BatchNorm and LayerNorm are one fused node each
    });
  });
});
