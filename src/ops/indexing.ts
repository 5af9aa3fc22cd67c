/**
 * Indexing and joining: indexSelect, gather (and their adjoints indexAdd, scatterAdd), cat, stack.
 * Index tensors are int32 and are bounds-checked here, before any kernel reads memory through them.
 */
import { kernels } from '../backends/index.js';
import { heap } from '../backends/memory.js';
import { record } from '../autograd/node.js';
import { isTracing, traceAttrs } from '../onnx/trace.js';
import { checkNdim, normDim, numelOf, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { zeros } from '../tensor/creation.js';
import { copyInto, rawContiguous, toDType } from './copy.js';

/** A contiguous int32 copy-or-self of `index`, with every value checked to lie in [0, size). */
function checkedIndex(index: Tensor, size: number, op: string, what: string): Tensor {
  if (!(index instanceof Tensor)) throw new TypeError(`${op}: index must be a Tensor, got ${typeof index}`);
  if (index.dtype !== 'int32') throw new TypeError(`${op}: index must be an int32 tensor, got ${index.dtype}`);
  const idx = index.isContiguous() ? index : rawContiguous(index);
  const n = idx.numel();
  const p = idx.ptr >>> 2;
  const i32 = heap.i32;
  for (let i = 0; i < n; i++) {
    const v = i32[p + i]!;
    if (v < 0 || v >= size) {
      if (idx !== index) idx.dispose();
      throw new RangeError(`${op}: index ${v} is out of bounds for ${what} of size ${size}`);
    }
  }
  return idx;
}

/** Contiguous, 4-byte data of x (any dtype). */
function contig(x: Tensor): Tensor {
  return x.isContiguous() ? x : rawContiguous(x);
}

/** Rows of `x` along `dim` picked by a 1-D int32 index. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normDim(dim, x.ndim, 'indexSelect');
  if (index instanceof Tensor && index.ndim > 1) throw new RangeError(`indexSelect: index must be 0-d or 1-d, got shape ${shapeStr(index.shape)}`);
  const size = x.ndim === 0 ? 1 : x.shape[d]!;
  const idx = checkedIndex(index, size, 'indexSelect', `dim ${d} of shape ${shapeStr(x.shape)}`);
  const nIdx = idx.numel();
  const outShape = x.ndim === 0 ? [] : x.shape.map((s, i) => (i === d ? nIdx : s));
  const src = contig(x);
  const out = Tensor.empty(outShape, x.dtype);
  const outer = numelOf(x.shape.slice(0, d));
  const inner = numelOf(x.shape.slice(d + 1));
  if (out.numel() > 0) kernels().index_select_f32(src.ptr, idx.ptr, out.ptr, outer, size, nIdx, inner);
  if (src !== x) src.dispose();
  const inShape = x.shape;
  if (isTracing()) traceAttrs(out, { dim: d, index });
  return record(out, 'IndexSelectBackward0', [x], [idx], (g, [i]) => [indexAdd(g, d, i!, inShape)]);
}

/** zeros(shape) with g's rows added at `index` along dim (the adjoint of indexSelect). Differentiable in g. */
export function indexAdd(g: Tensor, d: number, index: Tensor, shape: readonly number[]): Tensor {
  const src = contig(g.dtype === 'float32' ? g : toDType(g, 'float32'));
  const out = zeros(shape);
  const outer = numelOf(shape.slice(0, d));
  const inner = numelOf(shape.slice(d + 1));
  if (src.numel() > 0) kernels().index_add_f32(src.ptr, index.ptr, out.ptr, outer, shape.length === 0 ? 1 : shape[d]!, index.numel(), inner);
  if (src !== g) src.dispose();
  return record(out, 'IndexAddBackward0', [g], [index], (gg, [i]) => [indexSelect(gg, d, i!)]);
}

/**
 * out[..., j, ...] = x[..., index[..., j, ...], ...] along dim. Like PyTorch, index may be smaller
 * than x in every dim; in dims other than `dim` only the leading part of x is read.
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normDim(dim, x.ndim, 'gather');
  if (!(index instanceof Tensor)) throw new TypeError(`gather: index must be a Tensor, got ${typeof index}`);
  if (index.ndim !== x.ndim) {
    throw new RangeError(`gather: index has ${index.ndim} dims (shape ${shapeStr(index.shape)}) but input has ${x.ndim} (shape ${shapeStr(x.shape)})`);
  }
  for (let i = 0; i < x.ndim; i++) {
    if (i !== d && index.shape[i]! > x.shape[i]!) {
      throw new RangeError(`gather: index shape ${shapeStr(index.shape)} is larger than input shape ${shapeStr(x.shape)} in dim ${i}`);
    }
  }
  const size = x.ndim === 0 ? 1 : x.shape[d]!;
  const idx = checkedIndex(index, size, 'gather', `dim ${d} of shape ${shapeStr(x.shape)}`);
  // Read only the leading part of x in the other dims: a narrowed view, made contiguous.
  let part = x;
  for (let i = 0; i < x.ndim; i++) if (i !== d && index.shape[i] !== x.shape[i]) part = part.detach().narrow(i, 0, index.shape[i]!);
  const src = contig(part);
  const out = Tensor.empty(index.shape, x.dtype);
  const outer = numelOf(index.shape.slice(0, d));
  const inner = numelOf(index.shape.slice(d + 1));
  if (out.numel() > 0) kernels().gather_f32(src.ptr, idx.ptr, out.ptr, outer, size, x.ndim === 0 ? 1 : index.shape[d]!, inner);
  if (src !== x && src !== part) src.dispose();
  const inShape = x.shape;
  if (isTracing()) traceAttrs(out, { dim: d, index });
  return record(out, 'GatherBackward0', [x], [idx], (g, [i]) => [scatterAdd(g, d, i!, inShape)]);
}

/** zeros(shape) with g added at the positions `index` names (the adjoint of gather). Differentiable in g. */
function scatterAdd(g: Tensor, d: number, index: Tensor, shape: readonly number[]): Tensor {
  const out = zeros(shape);
  let target = out;
  for (let i = 0; i < shape.length; i++) if (i !== d && index.shape[i] !== shape[i]) target = target.narrow(i, 0, index.shape[i]!);
  const dst = contig(target);
  const src = contig(g.dtype === 'float32' ? g : toDType(g, 'float32'));
  const outer = numelOf(index.shape.slice(0, d));
  const inner = numelOf(index.shape.slice(d + 1));
  if (src.numel() > 0) {
    kernels().scatter_add_f32(src.ptr, index.ptr, dst.ptr, outer, shape.length === 0 ? 1 : shape[d]!, shape.length === 0 ? 1 : index.shape[d]!, inner);
  }
  if (dst !== target) copyInto(target, dst);
  if (src !== g) src.dispose();
  return record(out, 'ScatterAddBackward0', [g], [index], (gg, [i]) => [gather(gg, d, i!)]);
}

/** Joins tensors along an existing dim. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new RangeError('cat: expects a non-empty list of tensors');
  return catList(tensors as readonly Tensor[], dim);
}

function catList(tensors: readonly Tensor[], dim: number): Tensor {
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`cat: element ${i} is not a Tensor`);
  });
  const first = tensors[0]!;
  if (first.ndim === 0) throw new RangeError('cat: zero-dimensional tensors cannot be concatenated; use stack()');
  const d = normDim(dim, first.ndim, 'cat');
  let total = 0;
  for (const t of tensors as readonly Tensor[]) {
    const ok = t.ndim === first.ndim && t.shape.every((s, i) => i === d || s === first.shape[i]);
    if (!ok) {
      throw new RangeError(`cat: shapes ${tensors.map((x) => shapeStr(x.shape)).join(', ')} do not match outside dim ${d}`);
    }
    total += t.shape[d]!;
  }
  const dtype = tensors.every((t) => t.dtype === first.dtype) ? first.dtype : 'float32';
  const out = Tensor.empty(first.shape.map((s, i) => (i === d ? total : s)), dtype);
  let off = 0;
  const sizes: number[] = [];
  const whole = out.detach();
  for (const t of tensors) {
    const len = t.shape[d]!;
    sizes.push(len);
    if (len > 0) {
      const src = t.dtype === dtype ? t : toDType(t, dtype);
      const part = whole.narrow(d, off, len);
      copyInto(part, src);
      part.dispose();
      if (src !== t) src.dispose();
    }
    off += len;
  }
  whole.dispose();
  if (isTracing()) traceAttrs(out, { dim: d });
  return record(out, 'CatBackward0', tensors, [], (g, _s, needs) => {
    let o = 0;
    return sizes.map((len, i) => {
      const gi = needs[i] ? g.narrow(d, o, len) : null;
      o += len;
      return gi;
    });
  });
}

/** Joins tensors of equal shape along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new RangeError('stack: expects a non-empty list of tensors');
  const first = tensors[0]!;
  (tensors as readonly Tensor[]).forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`stack: element ${i} is not a Tensor`);
    if (t.ndim !== first.ndim || !t.shape.every((s, k) => s === first.shape[k])) {
      throw new RangeError(`stack: expects tensors of equal shape, got ${tensors.map((x) => shapeStr(x.shape)).join(', ')}`);
    }
  });
  checkNdim(first.ndim + 1, 'stack', () => `tensors of shape ${shapeStr(first.shape)}`);
  const d = normDim(dim, first.ndim + 1, 'stack');
  return cat(tensors.map((t) => t.unsqueeze(d)), d);
}
