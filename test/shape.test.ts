/**
 * The shape ops of src/ops/shape.ts: values and gradients against PyTorch (test/fixtures/shape/cases.json,
 * made by gen.py), gradcheck at odd sizes with non-contiguous inputs, second derivatives, view versus
 * copy semantics (shared memory, in-place changes through views followed by autograd), options and errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  arange, atleast1d, atleast2d, atleast3d, broadcastTensors, broadcastTo, cat, chunk, columnStack, diagonal, dstack, flip, fliplr, flipud,
  grad, hstack, moveaxis, movedim, noGrad, ones, repeat, repeatInterleave, reshapeAs, roll, rot90, split, swapaxes, swapdims, tensor,
  tensorSplit, tile, unbind, unflatten, viewAs, vstack, zeros, type Tensor,
} from '../src/index.js';
import { checkGradGrad, checkOp, expectClose } from './helpers.js';

interface Arr { shape: number[]; dtype: 'float32' | 'int32'; values: (number | string)[]; requiresGrad?: boolean }
interface Case { inputs: Record<string, Arr>; list: boolean; outputs: Arr[]; grads?: Record<string, (number | string)[] | null> }
const fixture = JSON.parse(readFileSync(new URL('./fixtures/shape/cases.json', import.meta.url), 'utf8')) as { cases: Record<string, Case> };

const num = (v: number | string): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));

type Out = Tensor | Tensor[];
/** The wasmgrad twin of each case, over the case's inputs in order. */
const ops: Record<string, (...xs: Tensor[]) => Out> = {
  movedim: (x) => movedim(x!, [0, 2], [2, 0]),
  moveaxis_neg: (x) => moveaxis(x!, 1, -1),
  movedim_noncontig: (x) => x!.transpose(0, 2).movedim(0, 1),
  unflatten: (x) => unflatten(x!, 1, [3, -1]),
  broadcast_to: (x) => broadcastTo(x!, [2, 3, 4]),
  broadcast_tensors: (x, y) => broadcastTensors(x!, y!),
  repeat: (x) => x!.repeat(2, 1, 3),
  repeat_noncontig: (x) => x!.t().repeat([2, 2]),
  repeat_ones: (x) => repeat(x!, 1, 1),
  repeat_zero: (x) => x!.repeat(0, 2),
  repeat_int: (x) => x!.repeat(2),
  tile: (x) => tile(x!, [2]),
  tile_more: (x) => x!.tile(2, 1, 2),
  repeat_interleave: (x) => repeatInterleave(x!, 2),
  repeat_interleave_tensor: (x, r) => repeatInterleave(x!, r!, { dim: 1 }),
  repeat_interleave_single: (x, r) => x!.repeatInterleave(r!, 0),
  repeat_interleave_counts: (r) => repeatInterleave(r!),
  flip: (x) => flip(x!, [0, 2]),
  flip_noncontig: (x) => x!.t().flip(0),
  flip_int: (x) => flip(x!, 0),
  fliplr: (x) => fliplr(x!),
  flipud: (x) => x!.flipud(),
  roll_flat: (x) => roll(x!, 1),
  roll_dims: (x) => roll(x!, [1, -5], [0, 1]),
  roll_dim: (x) => x!.roll(2, 1),
  roll_noncontig_flat: (x) => x!.t().roll(-2),
  roll_int: (x) => roll(x!, 1, 0),
  rot90: (x) => rot90(x!),
  rot90_k3: (x) => x!.rot90(-1),
  rot90_k2: (x) => rot90(x!, 2),
  rot90_dims: (x) => rot90(x!, 1, [2, 0]),
  chunk: (x) => chunk(x!, 2),
  chunk_dim1: (x) => x!.chunk(3, { dim: 1 }),
  split: (x) => split(x!, 2),
  split_sizes: (x) => x!.split([1, 3, 1], 0),
  tensor_split: (x) => tensorSplit(x!, 3),
  tensor_split_indices: (x) => tensorSplit(x!, [-2, 10], { dim: 1 }),
  tensor_split_tensor: (x, i) => x!.tensorSplit(i!),
  unbind: (x) => unbind(x!, 1),
  hstack: (x, y) => hstack([x!, y!]),
  hstack_1d: (x, y) => hstack([x!, y!]),
  vstack: (x, y) => vstack([x!, y!]),
  dstack: (x, y) => dstack([x!, y!]),
  column_stack: (x, y, z) => columnStack([x!, y!, z!]),
  view_as: (x, y) => x!.viewAs(y!),
  reshape_as: (x, y) => reshapeAs(x!.t(), y!),
  diagonal: (x) => diagonal(x!),
  diagonal_offset: (x) => diagonal(x!, 1),
  diagonal_neg: (x) => x!.diagonal(-1),
  diagonal_3d: (x) => diagonal(x!, 1, -1, 0),
  diagonal_empty: (x) => diagonal(x!, 5),
  diagonal_noncontig: (x) => x!.t().diagonal({ offset: -1, dim1: 1, dim2: 0 }),
  swapaxes: (x) => swapaxes(x!, 0, 2),
  atleast_1d: (x) => atleast1d(x!),
  atleast_2d: (x) => atleast2d(x!),
  atleast_3d: (x) => atleast3d(x!),
  atleast_3d_2d: (x) => atleast3d(x!),
};

function expectValues(got: Tensor, want: Arr, what: string, rel = 1e-6): void {
  expect(got.shape, `${what} shape`).toEqual(want.shape);
  expect(got.dtype, `${what} dtype`).toBe(want.dtype);
  const g = Array.from(got.toArray());
  want.values.forEach((w, i) => {
    const e = num(w);
    const v = g[i]!;
    if (Number.isNaN(e)) expect(Number.isNaN(v), `${what}[${i}]: ${v} vs NaN`).toBe(true);
    else if (!Number.isFinite(e) || want.dtype === 'int32') expect(v, `${what}[${i}]`).toBe(e);
    else {
      expect(Math.abs(v - e), `${what}[${i}]: ${v} vs PyTorch ${e}`).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(e)));
      if (e === 0) expect(Object.is(v, -0), `${what}[${i}]: sign of zero`).toBe(Object.is(e, -0));
    }
  });
}

describe('shape ops against PyTorch', () => {
  it('every fixture case has a twin', () => expect(Object.keys(ops).sort()).toEqual(Object.keys(fixture.cases).sort()));
  for (const [name, c] of Object.entries(fixture.cases)) {
    it(name, () => {
      const names = Object.keys(c.inputs);
      const xs = names.map((k) => {
        const a = c.inputs[k]!;
        const t = tensor(a.values.map(num), { dtype: a.dtype }).reshape(a.shape);
        return a.requiresGrad ? t.requiresGrad_() : t;
      });
      const y = ops[name]!(...xs);
      expect(Array.isArray(y), `${name} returns a list`).toBe(c.list);
      const ys = Array.isArray(y) ? y : [y];
      expect(ys.length, `${name}: number of outputs`).toBe(c.outputs.length);
      ys.forEach((p, j) => expectValues(p, c.outputs[j]!, `${name} output ${j}`));
      if (c.grads) {
        const wrt = names.filter((k) => c.inputs[k]!.requiresGrad);
        let loss: Tensor | null = null;
        ys.forEach((p, j) => {
          const r = tensor(Array.from({ length: p.numel() }, (_, i) => Math.fround(Math.fround(1 + Math.fround(0.1 * i)) + j)), { dtype: 'float32' }).reshape(p.shape);
          const term = p.mul(r).sum();
          loss = loss === null ? term : loss.add(term);
        });
        const gs = grad(loss!, wrt.map((k) => xs[names.indexOf(k)]!), { allowUnused: true });
        wrt.forEach((k, i) => {
          const want = c.grads![k];
          if (want === null) expect(gs[i], `grad ${k}`).toBeNull();
          else expectValues(gs[i]!, { shape: c.inputs[k]!.shape, dtype: 'float32', values: want }, `${name} grad ${k}`, 1e-5);
        });
      }
    });
  }
});

/** A list of tensors as one (for gradcheck of the ops that return several). */
const joined = (ts: Tensor[]): Tensor => cat(ts.map((t) => t.reshape(-1)));

describe('gradients (gradcheck at odd sizes, non-contiguous inputs)', () => {
  const nc = { nonContiguous: true } as const;
  it('views', () => {
    checkOp('movedim', (x) => movedim(x, [0, -1], [-1, 1]), [[3, 5, 7]], nc);
    checkOp('unflatten', (x) => unflatten(x, 0, [-1, 5]), [[15, 3]], nc);
    checkOp('broadcastTo', (x) => broadcastTo(x, [2, 3, 5]), [[3, 1]], { nonContiguous: 'strided' });
    checkOp('broadcastTensors', (x, y) => joined(broadcastTensors(x, y)), [[3, 1], [5]], { nonContiguous: 'strided' });
    checkOp('diagonal', (x) => diagonal(x, 1), [[5, 7]], nc);
    checkOp('diagonal 3-d', (x) => diagonal(x, -1, 2, 0), [[5, 3, 7]], { nonContiguous: 'permute' });
    checkOp('chunk', (x) => joined(chunk(x, 3, 1).map((t, i) => t.mul(i + 1))), [[3, 7]], nc);
    checkOp('split', (x) => joined(split(x, [2, 0, 3], 0).map((t, i) => t.mul(i + 1))), [[5, 3]], nc);
    checkOp('tensorSplit', (x) => joined(tensorSplit(x, [1, -1], 1).map((t, i) => t.mul(i + 1))), [[3, 5]], nc);
    checkOp('unbind', (x) => joined(unbind(x, 1).map((t, i) => t.mul(i + 1))), [[3, 5]], nc);
    checkOp('swapdims', (x) => swapdims(x, 0, -1), [[3, 5]], nc);
    checkOp('atleast3d', (x) => atleast3d(x), [[5]], nc);
  });
  it('copies', () => {
    checkOp('repeat', (x) => repeat(x, 2, 1, 3), [[3, 5]], nc);
    checkOp('tile', (x) => tile(x, [3]), [[3, 5]], nc);
    checkOp('repeatInterleave', (x) => repeatInterleave(x, tensor([2, 0, 1]), 0), [[3, 5]], nc);
    checkOp('repeatInterleave flat', (x) => repeatInterleave(x, 3), [[3, 5]], nc);
    checkOp('flip', (x) => flip(x, 0, 1), [[3, 5]], nc);
    checkOp('roll', (x) => roll(x, [2, -1], [0, 1]), [[3, 5]], nc);
    checkOp('roll flat', (x) => roll(x, 4), [[3, 5]], nc);
    checkOp('rot90', (x) => rot90(x, 1), [[3, 5]], nc);
    checkOp('rot90 k=3', (x) => rot90(x, 3, [1, 0]), [[3, 5]], nc);
    checkOp('hstack', (x, y) => hstack([x, y]), [[3, 5], [3, 1]], { nonContiguous: ['transpose', 'strided'] });
    checkOp('vstack', (x, y) => vstack([x, y]), [[5], [3, 5]], nc);
    checkOp('dstack', (x, y) => dstack([x, y]), [[3, 5], [3, 5]], nc);
    checkOp('columnStack', (x, y) => columnStack([x, y]), [[3], [3, 5]], nc);
  });
  it('second derivatives (the backward rules are differentiable)', () => {
    checkGradGrad('diagonal', (x) => diagonal(x).pow(2), [[3, 5]]);
    checkGradGrad('repeat', (x) => repeat(x, 2, 3).pow(2), [[3, 5]]);
    checkGradGrad('flip', (x) => flip(x, 1).pow(2), [[3, 5]]);
    checkGradGrad('roll', (x) => roll(x, 2, 1).pow(2), [[3, 5]]);
    checkGradGrad('rot90', (x) => rot90(x).pow(2), [[3, 5]]);
    checkGradGrad('repeatInterleave', (x) => repeatInterleave(x, 2, 1).pow(2), [[3, 5]]);
    checkGradGrad('chunk', (x) => chunk(x, 2)[1]!.pow(2), [[5, 3]]);
  });
});

describe('views share memory, copies do not', () => {
  it('view ops return views of the input', () => {
    const x = arange(24, { dtype: 'float32' }).reshape(2, 3, 4);
    const views: Tensor[] = [
      movedim(x, 0, 2), unflatten(x, 2, [2, 2]), broadcastTo(x, [2, 2, 3, 4]), broadcastTensors(x, zeros(4))[0]!, viewAs(x, zeros(24)),
      diagonal(x, 0, 1, 2), swapaxes(x, 0, 1), ...chunk(x, 2, 2), ...split(x, 1), ...tensorSplit(x, 2, -1), ...unbind(x, 1), atleast3d(x),
      reshapeAs(x, zeros(6, 4)), x.moveaxis(1, 0),
    ];
    for (const v of views) expect(v.storage, `${v.shape}`).toBe(x.storage);
    expect(atleast1d(x)).toBe(x); // returned as it is, like PyTorch
    const s = tensor(3);
    expect(atleast2d(s).storage).toBe(s.storage);
  });
  it('copy ops return new memory, even when nothing moves', () => {
    const x = arange(6, { dtype: 'float32' }).reshape(2, 3);
    const copies = [
      repeat(x, 1, 1), tile(x, []), repeatInterleave(x, 1, 0), flip(x, []), flip(x, 0), roll(x, 0), roll(x, 3, 1), rot90(x, 4), rot90(x),
      hstack([x]), vstack([x]), dstack([x]), columnStack([x]), flip(tensor(1.5)),
    ];
    for (const c of copies) {
      expect(c.storage).not.toBe(x.storage);
      expect(c._base, 'a result of its own, not a view of an intermediate').toBeNull();
    }
    expect(rot90(x).strides).toEqual([1, 3]); // as PyTorch: the transposed copy
  });
  it('writing through a diagonal / chunk view changes the input', () => {
    const x = zeros(3, 3);
    diagonal(x).fill_(1);
    chunk(x, 3, 1)[2]!.add_(2);
    expect(x.tolist()).toEqual([[1, 0, 2], [0, 1, 2], [0, 0, 3]]);
    const y = arange(4, { dtype: 'float32' });
    unbind(y)[1]!.fill_(9);
    expect(y.tolist()).toEqual([0, 9, 2, 3]);
  });
  it('in-place ops through the views are followed by autograd (as PyTorch: CopySlices)', () => {
    // PyTorch: a = x * 1; a.diagonal().mul_(3); a.narrow(0, 0, 1).add_(a.diagonal(-1).sum());
    // a.select(1, 2).mul_(a.diagonal(1)[0].clone()); (a * R).sum().backward()
    const x = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]], { dtype: 'float32', requiresGrad: true });
    const a = x.mul(1);
    diagonal(a).mul_(3);
    // the outputs of chunk / unbind are views PyTorch does not let be modified in place (nor used after
    // their base was): the same writes through narrow / select
    const piece = chunk(a, 3, 0)[0]!;
    expect(() => piece.add_(1)).toThrow(/SplitBackward0.*modified in place/);
    expect(() => unbind(a, 1)[2]!.mul_(2)).toThrow(/UnbindBackward0.*modified in place/);
    a.narrow(0, 0, 1).add_(diagonal(a, -1).sum());
    expect(() => piece.mul(2)).toThrow(/SplitBackward0.*its base or another view of its base has been modified/);
    a.select(1, 2).mul_(diagonal(a, 1).select(0, 0).clone());
    const r = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 10]], { dtype: 'float32' });
    a.mul(r).sum().backward();
    expect(a.tolist()).toEqual([[15, 14, 210], [4, 15, 84], [7, 8, 378]]);
    expect(x.grad!.tolist()).toEqual([[3, 353, 42], [400, 15, 84], [7, 404, 420]]);
  });
  it('views made in noGrad carry no history; splits of a non-leaf keep theirs', () => {
    const x = ones(4, 2, { requiresGrad: true });
    const parts = noGrad(() => split(x, 2));
    expect(parts[0]!.gradFn).toBeNull();
    const y = x.mul(2);
    const [p, q] = split(y, [1, 3]);
    expect(p!.gradFn?.name).toBe('NarrowBackward0');
    expect(diagonal(y).gradFn?.name).toBe('DiagonalBackward0');
    q!.sum().backward();
    expect(x.grad!.tolist()).toEqual([[0, 0], [2, 2], [2, 2], [2, 2]]);
  });
});

describe('NaN and Inf are moved like any value', () => {
  it('flip / roll / repeat / diagonal / repeatInterleave keep NaN, Inf and -0 in place', () => {
    const x = tensor([NaN, Infinity, -Infinity, -0]);
    expect(Array.from(flip(x, 0).toArray())).toEqual([-0, -Infinity, Infinity, NaN]);
    expect(Array.from(roll(x, 1).toArray())).toEqual([-0, NaN, Infinity, -Infinity]);
    expect(Array.from(repeat(x, 2).toArray())).toEqual([NaN, Infinity, -Infinity, -0, NaN, Infinity, -Infinity, -0]);
    expect(Array.from(repeatInterleave(x, 2).toArray())).toEqual([NaN, NaN, Infinity, Infinity, -Infinity, -Infinity, -0, -0]);
    expect(Array.from(diagonal(x.reshape(2, 2)).toArray())).toEqual([NaN, -0]);
    expect(Object.is(rot90(x.reshape(2, 2), 2).toArray()[0], -0)).toBe(true);
  });
  it('bool tensors keep their dtype', () => {
    const b = tensor([true, false, true]);
    expect(flip(b, 0).tolist()).toEqual([true, false, true]);
    expect(roll(b, 1).tolist()).toEqual([true, true, false]);
    expect(repeat(b, 2).dtype).toBe('bool');
    expect(repeatInterleave(b, 2).tolist()).toEqual([true, true, false, false, true, true]);
  });
});

describe('forms and options', () => {
  it('positional and keyword forms agree; lists and varargs', () => {
    const x = arange(12, { dtype: 'float32' }).reshape(3, 4);
    expectClose(diagonal(x, { offset: 1 }), diagonal(x, 1));
    expectClose(diagonal(x, 0, { dim1: 1, dim2: 0 }), diagonal(x, 0, 1, 0));
    expectClose(x.roll(1, { dims: 1 }), x.roll(1, 1));
    expectClose(x.rot90({ k: 3 }), x.rot90(3));
    expectClose(x.rot90(1, { dims: [1, 0] }), x.rot90(-1));
    expect(x.split(2, { dim: 1 }).map((t) => t.shape)).toEqual([[3, 2], [3, 2]]);
    expect(unbind(x, { dim: 1 }).length).toBe(4);
    expectClose(x.flip(0, 1), x.flip([0, 1]));
    expectClose(x.repeat([2, 1]), x.repeat(2, 1));
    expectClose(x.repeatInterleave(2, { dim: 0, outputSize: 6 }), x.repeatInterleave(2, 0));
    expect(x.broadcastTo(2, 3, 4).shape).toEqual([2, 3, 4]);
    expect(broadcastTensors([x, zeros(2, 1, 1)]).map((t) => t.shape)).toEqual([[2, 3, 4], [2, 3, 4]]);
    expect(tensorSplit(arange(7), tensor(3)).map((t) => t.numel())).toEqual([3, 2, 2]);
    expect(chunk(zeros(0, 3), 2).map((t) => t.shape)).toEqual([[0, 3], [0, 3]]);
    expect(split(zeros(0, 3), 2).map((t) => t.shape)).toEqual([[0, 3]]);
    expect(chunk(arange(6), 4).map((t) => t.tolist())).toEqual([[0, 1], [2, 3], [4, 5]]);
    expect(tensorSplit(arange(7), [5, 2]).map((t) => t.tolist())).toEqual([[0, 1, 2, 3, 4], [], [2, 3, 4, 5, 6]]);
    const [a, b] = atleast1d(tensor(1), tensor([2]));
    expect([a!.shape, b!.shape]).toEqual([[1], [1]]);
    expect(atleast2d([tensor(1)]).map((t) => t.shape)).toEqual([[1, 1]]);
    expect(atleast3d(tensor(1)).shape).toEqual([1, 1, 1]);
    expect(movedim(tensor(1), 0, 0).shape).toEqual([]);
    expect(roll(tensor(2.5), 3).tolist()).toEqual(2.5);
    expect(repeat(zeros(2), 3, 0).shape).toEqual([3, 0]);
    expect(tile(zeros(2, 3), [0]).shape).toEqual([2, 0]);
  });
  it('repeat with more dims than the expanded form allows', () => {
    const x = arange(2, { dtype: 'float32' }).reshape(2, 1, 1, 1, 1, 1, 1, 1, 1, 1);
    const y = x.repeat(1, 2, 2, 2, 2, 2, 2, 2, 1, 3);
    expect(y.shape).toEqual([2, 2, 2, 2, 2, 2, 2, 2, 1, 3]);
    expect(y.sum().item()).toBe(128 * 3);
  });
  it('int32 repeats and sections', () => {
    expect(repeatInterleave(tensor([2, 0, 3])).tolist()).toEqual([0, 0, 2, 2, 2]);
    expect(repeatInterleave(tensor([[1, 2], [3, 4]]), tensor(2), 1).tolist()).toEqual([[1, 1, 2, 2], [3, 3, 4, 4]]);
  });
});

describe('errors name the op and are thrown before computing', () => {
  const x = arange(12, { dtype: 'float32' }).reshape(3, 4);
  it.each([
    ['movedim lengths', () => movedim(x, [0, 1], [1]), /movedim: source \[0, 1\] and destination \[1\]/],
    ['movedim repeated', () => movedim(x, [0, 0], [1, 0]), /movedim: dim 0 appears more than once/],
    ['movedim range', () => movedim(x, 0, 2), /movedim: dim 2 is out of range/],
    ['unflatten product', () => unflatten(x, 1, [3, 2]), /unflatten: sizes \[3, 2\] don't multiply up to the size of dim 1 \(4\)/],
    ['unflatten empty', () => unflatten(x, 1, []), /unflatten: sizes must be non-empty/],
    ['unflatten two -1', () => unflatten(x, 1, [-1, -1]), /only one size can be inferred/],
    ['unflatten 0-d', () => unflatten(tensor(1), 0, [1]), /unflatten: cannot be applied to a 0-d tensor/],
    ['broadcastTo', () => broadcastTo(x, [3, 5]), /broadcastTo: shape \[3, 4\] cannot be broadcast to \[3, 5\]/],
    ['broadcastTo fewer', () => broadcastTo(x, [4]), /broadcastTo: .*fewer dims/],
    ['broadcastTo -1 lead', () => broadcastTo(x, [-1, 3, 4]), /broadcastTo: -1 is not allowed/],
    ['broadcastTensors', () => broadcastTensors(x, zeros(2)), /broadcastTensors: shapes \[3, 4\], \[2\] cannot be broadcast/],
    ['repeat too few', () => repeat(x, 2), /repeat: got 1 repeat sizes \[2\] for a tensor of shape \[3, 4\]/],
    ['repeat negative', () => repeat(x, 2, -1), /repeat: shape must be a list of non-negative integers/],
    ['tile negative', () => tile(x, [-1, 1]), /tile: shape must be a list of non-negative integers/],
    ['repeatInterleave negative', () => repeatInterleave(x, -1), /repeatInterleave: repeats cannot be negative/],
    ['repeatInterleave length', () => repeatInterleave(x, tensor([2, 1]), 0), /repeatInterleave: repeats has 2 counts but the input has size 3 along dim 0/],
    ['repeatInterleave float repeats', () => repeatInterleave(x, tensor([2.5, 1, 1]), 0), /repeatInterleave: repeats must be a number or an int32 tensor, got a float32 tensor/],
    ['repeatInterleave 2-d repeats', () => repeatInterleave(x, tensor([[2, 1, 1]]), 0), /repeatInterleave: a repeats tensor must be 0-d or 1-d/],
    ['repeatInterleave outputSize', () => repeatInterleave(x, 2, 0, { outputSize: 5 }), /repeatInterleave: outputSize 5 does not match the 6 elements/],
    ['repeatInterleave 0-d dim', () => repeatInterleave(tensor(3.5), 2, 0), /repeatInterleave: dim 0 is out of range for a 0-d tensor/],
    ['repeatInterleave option', () => repeatInterleave(x, 2, { output_size: 6 } as never), /PyTorch's output_size is outputSize here/],
    ['flip repeated', () => flip(x, 0, 0), /flip: dim 0 appears more than once/],
    ['flip range', () => flip(x, 2), /flip: dim 2 is out of range/],
    ['fliplr 1-d', () => fliplr(arange(3)), /fliplr: expects a tensor with at least 2 dimensions/],
    ['flipud 0-d', () => flipud(tensor(1)), /flipud: expects a tensor with at least 1 dimension/],
    ['roll align', () => roll(x, 1, [0, 1]), /roll: shifts \[1\] and dims \[0, 1\] must have the same length/],
    ['roll no dims', () => roll(x, [1, 2]), /roll: without dims, shifts must be a single number/],
    ['roll range', () => roll(x, 1, 5), /roll: dim 5 is out of range/],
    ['roll 0-d dim', () => roll(tensor(3.5), 1, 0), /roll: dim 0 is out of range for a 0-d tensor/],
    ['roll fraction', () => roll(x, 1.5), /roll: shifts .*must be an integer/],
    ['rot90 dims', () => rot90(x, 1, [0]), /rot90: dims must be a list of 2 dims/],
    ['rot90 same', () => rot90(x, 1, [0, -2]), /rot90: the rotation dims must differ/],
    ['rot90 1-d', () => rot90(arange(3)), /rot90: expects a tensor with at least 2 dimensions/],
    ['chunk 0', () => chunk(x, 0), /chunk: chunks must be a positive integer, got 0/],
    ['chunk 0-d', () => chunk(tensor(1), 2), /chunk: expects a tensor with at least 1 dimension/],
    ['split 0', () => split(x, 0), /split: splitSize can only be 0 if the dim's size is 0/],
    ['split sum', () => split(x, [1, 1]), /split: sizes \[1, 1\] must sum exactly to 3/],
    ['split negative', () => split(x, -1), /split: splitSize must be a non-negative integer/],
    ['split option', () => split(x, 1, { dims: 0 } as never), /split: unknown option 'dims' \(did you mean 'dim'\?\)/],
    ['tensorSplit 0', () => tensorSplit(x, 0), /tensorSplit: the number of sections must be positive/],
    ['tensorSplit float tensor', () => tensorSplit(x, tensor([1.5])), /tensorSplit: a tensor of indices or sections must be int32/],
    ['tensorSplit 2-d tensor', () => tensorSplit(x, tensor([[1]])), /tensorSplit: a tensor of indices or sections must be 0-d or 1-d/],
    ['unbind 0-d', () => unbind(tensor(1)), /unbind: expects a tensor with at least 1 dimension/],
    ['hstack empty', () => hstack([]), /hstack: expects a non-empty list of tensors/],
    ['vstack non-tensor', () => vstack([x, 3 as never]), /vstack: element 1 must be a Tensor/],
    ['viewAs', () => x.t().viewAs(zeros(12)), /view: shape \[12\] is not compatible/],
    ['viewAs other', () => viewAs(x, [12] as never), /viewAs: other must be a Tensor/],
    ['diagonal same', () => diagonal(x, 0, 0, 0), /diagonal: dim1 and dim2 cannot be the same dim/],
    ['diagonal 1-d', () => diagonal(arange(3)), /diagonal: dim 1 is out of range/],
    ['diagonal both ways', () => diagonal(x, 1, { offset: 1 }), /diagonal: offset is given both as positional argument and as option/],
    ['swapaxes', () => swapaxes(x, 0, 2), /swapaxes: dim 2 is out of range/],
  ] as const)('%s', (_, f, re) => {
    expect(f).toThrow(re);
  });
});
