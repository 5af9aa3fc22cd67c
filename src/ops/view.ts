/**
 * Shape ops. Views share storage with their input (no copy) exactly as in PyTorch; reshape copies only
 * when no view is possible. Each backward maps the gradient back to the input's shape.
 */
import { record } from '../autograd/node.js';
import { isTracing, traceAttrs } from '../onnx/trace.js';
import { isGradEnabled, noGrad } from '../autograd/mode.js';
import { SliceGrad } from '../autograd/slice-grad.js';
import { checkNdim, contiguousStrides, normDim, numelOf, parseShape, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { zeros } from '../tensor/creation.js';
import { contiguous, copyInto } from './copy.js';
import { sumToShape } from './reduce.js';

type ShapeArgs = number[] | [readonly number[]];

/** Resolves a -1 in a requested shape against numel, or throws. */
function inferShape(requested: number[], numel: number, op: string, from: readonly number[]): number[] {
  const idx = requested.indexOf(-1);
  if (idx !== requested.lastIndexOf(-1)) throw new RangeError(`${op}: only one dimension can be inferred (-1), got ${shapeStr(requested)}`);
  if (idx >= 0) {
    const known = numelOf(requested.filter((_, i) => i !== idx));
    if (known === 0 || numel % known !== 0) {
      throw new RangeError(`${op}: shape ${shapeStr(requested)} is invalid for input of shape ${shapeStr(from)} (${numel} elements)`);
    }
    requested[idx] = numel / known;
  }
  if (numelOf(requested) !== numel) {
    throw new RangeError(`${op}: shape ${shapeStr(requested)} is invalid for input of shape ${shapeStr(from)} (${numel} elements)`);
  }
  return requested;
}

/**
 * Strides that view (shape, strides) as `target` without copying, or null when impossible. Walks the
 * input dims from the last, in chunks whose dims are mutually contiguous; each chunk must map onto
 * whole target dims (the algorithm of PyTorch's computeStride).
 */
function viewStrides(shape: readonly number[], strides: readonly number[], target: readonly number[]): number[] | null {
  if (numelOf(shape) === 0 || shape.length === 0) return contiguousStrides(target);
  const out = new Array<number>(target.length);
  let viewD = target.length - 1;
  let chunkBase = strides[strides.length - 1]!;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d]!;
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || target[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= target[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = strides[d - 1]!;
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD === -1 ? out : null;
}

function viewOrNull(x: Tensor, shape: number[]): Tensor | null {
  const strides = x.isContiguous() ? contiguousStrides(shape) : viewStrides(x.shape, x.strides, shape);
  if (strides === null) return null;
  const v = x._view(shape, strides, x.offset, (b) => reshape(b, shape));
  const inShape = x.shape;
  return record(v, 'ViewBackward0', [x], [], (g) => [g.reshape(inShape)]);
}

/** A view with a new shape; throws when the memory layout does not allow one (use reshape). */
export function view(x: Tensor, ...shape: ShapeArgs): Tensor {
  const s = inferShape(parseShape(shape, 'view', true), x.numel(), 'view', x.shape);
  const v = viewOrNull(x, s);
  if (v === null) {
    throw new RangeError(
      `view: shape ${shapeStr(s)} is not compatible with the input's size and strides (shape ${shapeStr(x.shape)}, strides ${shapeStr(x.strides)}); use reshape() instead`,
    );
  }
  return v;
}

/** A tensor with a new shape: a view when possible, else a contiguous copy. */
export function reshape(x: Tensor, ...shape: ShapeArgs): Tensor {
  const s = inferShape(parseShape(shape, 'reshape', true), x.numel(), 'reshape', x.shape);
  return viewOrNull(x, s) ?? viewOrNull(contiguous(x), s)!;
}

/**
 * @internal `x` (contiguous, an op's own intermediate nothing else sees) in another shape, as a result of
 * its own rather than a view (PyTorch's _unsafe_view): in-place changes to it concern only its history.
 */
export function ownReshape(x: Tensor, shape: readonly number[]): Tensor {
  if (!x.isContiguous()) throw new Error('internal: ownReshape needs a contiguous tensor');
  const inShape = x.shape;
  return record(x._alias(shape, contiguousStrides(shape)), 'UnsafeViewBackward0', [x], [], (g) => [g.reshape(inShape)]);
}

/** Flattens dims startDim..endDim into one. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  const s = normDim(startDim, x.ndim, 'flatten');
  const e = normDim(endDim, x.ndim, 'flatten');
  if (x.ndim === 0) return reshape(x, [1]); // dims 0 / -1 only, checked above (like PyTorch)
  if (s > e) throw new RangeError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  const shape = [...x.shape.slice(0, s), numelOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/** Removes size-1 dims (all of them, or only `dim`). */
export function squeeze(x: Tensor, dim?: number | null): Tensor {
  const d = dim == null ? -1 : normDim(dim, x.ndim, 'squeeze'); // checked even for 0-d tensors
  const drop = dim == null ? x.shape.map((s) => s === 1) : x.shape.map((s, i) => i === d && s === 1);
  const shape = x.shape.filter((_, i) => !drop[i]);
  return strided(x, shape, x.strides.filter((_, i) => !drop[i]), 'SqueezeBackward0', (b) => reshape(b, shape));
}

/** Inserts a size-1 dim at `dim` (which may be ndim, or negative). */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  checkNdim(x.ndim + 1, 'unsqueeze', () => `input shape ${shapeStr(x.shape)}`);
  const d = normDim(dim, x.ndim + 1, 'unsqueeze');
  const shape = [...x.shape];
  const strides = [...x.strides];
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < x.ndim ? x.strides[d]! * x.shape[d]! : 1);
  return strided(x, shape, strides, 'UnsqueezeBackward0', (b) => unsqueeze(b, d));
}

/** A view with x's elements in another shape (squeeze, unsqueeze): its gradient is g reshaped back. */
function strided(x: Tensor, shape: readonly number[], strides: readonly number[], name: string, replay: (b: Tensor) => Tensor): Tensor {
  const inShape = x.shape;
  return record(x._view(shape, strides, x.offset, replay), name, [x], [], (g) => [g.reshape(inShape)]);
}

/** Broadcasts size-1 dims (and new leading dims) to `shape` without copying; -1 keeps a size. */
export function expand(x: Tensor, ...shape: ShapeArgs): Tensor {
  const target = parseShape(shape, 'expand', true);
  const lead = target.length - x.ndim;
  if (lead < 0) throw new RangeError(`expand: cannot expand shape ${shapeStr(x.shape)} to fewer dims ${shapeStr(target)}`);
  const outShape: number[] = [];
  const strides: number[] = [];
  for (let i = 0; i < target.length; i++) {
    const want = target[i]!;
    if (i < lead) {
      if (want < 0) throw new RangeError(`expand: -1 is not allowed for a new leading dim (${shapeStr(target)})`);
      outShape.push(want);
      strides.push(0);
      continue;
    }
    const have = x.shape[i - lead]!;
    const size = want === -1 ? have : want;
    if (have !== size && have !== 1) {
      throw new RangeError(`expand: shape ${shapeStr(x.shape)} cannot be expanded to ${shapeStr(target)} (dim ${i}: ${have} vs ${size})`);
    }
    outShape.push(size);
    strides.push(have === size ? x.strides[i - lead]! : 0);
  }
  const inShape = x.shape;
  const v = x._view(outShape, strides, x.offset, (b) => expand(b, outShape));
  return record(v, 'ExpandBackward0', [x], [], (g) => [sumToShape(g, inShape)]);
}

/** x expanded to other's shape (PyTorch's expand_as). */
export function expandAs(x: Tensor, other: Tensor): Tensor {
  if (!(other instanceof Tensor)) throw new TypeError(`expandAs: other must be a Tensor, got ${other === null ? 'null' : typeof other}`);
  return expand(x, other.shape);
}

/** Reorders dims: y.shape[i] = x.shape[dims[i]]. */
export function permute(x: Tensor, ...dims: ShapeArgs): Tensor {
  const raw = dims.length === 1 && Array.isArray(dims[0]) ? (dims[0] as readonly number[]) : (dims as number[]);
  if (raw.length !== x.ndim) throw new RangeError(`permute: got ${raw.length} dims ${shapeStr(raw)} for a tensor with ${x.ndim} dims`);
  const p = raw.map((d) => normDim(d, x.ndim, 'permute'));
  if (new Set(p).size !== p.length) throw new RangeError(`permute: dims ${shapeStr(raw)} repeat a dimension`);
  const inv = new Array<number>(p.length);
  p.forEach((d, i) => (inv[d] = i));
  const v = x._view(p.map((d) => x.shape[d]!), p.map((d) => x.strides[d]!), x.offset, (b) => permute(b, p));
  if (isTracing()) traceAttrs(v, { dims: p });
  return record(v, 'PermuteBackward0', [x], [], (g) => [permute(g, inv)]);
}

/** Swaps two dims. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normDim(dim0, x.ndim, 'transpose');
  const b = normDim(dim1, x.ndim, 'transpose');
  // a 0-d tensor has only dims 0 / -1 (checked above, like PyTorch): the permutation is empty
  const p = x.shape.map((_, i) => (i === a ? b : i === b ? a : i));
  return permute(x, p);
}

/** Transpose of a matrix; 0-d and 1-d tensors give a view of the same shape (as PyTorch). */
export function t(x: Tensor): Tensor {
  if (x.ndim > 2) throw new RangeError(`t: expects a tensor with <= 2 dims, got shape ${shapeStr(x.shape)}; use transpose()`);
  return x.ndim < 2 ? permute(x, x.ndim === 0 ? [] : [0]) : transpose(x, 0, 1);
}

/**
 * Gradient of a slice: zeros of the input shape with g written into the sliced region. Outside createGraph
 * the engine is handed a SliceGrad instead and writes g into the input's gradient itself.
 */
function sliceBackward(g: Tensor, inShape: readonly number[], slice: (z: Tensor) => Tensor): Tensor {
  if (!isGradEnabled()) return new SliceGrad(g, inShape, slice) as unknown as Tensor;
  const z = noGrad(() => {
    const z = zeros(inShape);
    const part = slice(z);
    copyInto(part, g);
    part.dispose();
    return z;
  });
  // Differentiable in g (double backward with createGraph): the adjoint of zero-padding is the slice.
  return record(z, 'SliceBackwardBackward0', [g], [], (gg) => [slice(gg)]);
}

/** The slice start..start+length of `dim`, as a view. */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normDim(dim, x.ndim, 'narrow');
  if (x.ndim === 0) throw new RangeError('narrow: cannot be applied to a 0-d tensor');
  const size = x.shape[d]!;
  const s = start < 0 ? start + size : start;
  if (!Number.isInteger(s) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > size) {
    throw new RangeError(`narrow: start ${start} and length ${length} are out of range for dim ${d} of shape ${shapeStr(x.shape)}`);
  }
  const shape = x.shape.map((v, i) => (i === d ? length : v));
  const inShape = x.shape;
  const v = x._view(shape, x.strides, x.offset + s * x.strides[d]!, (b) => narrow(b, d, s, length));
  if (isTracing()) traceAttrs(v, { dim: d, start: s, length });
  return record(v, 'NarrowBackward0', [x], [], (g) => [sliceBackward(g, inShape, (z) => narrow(z, d, s, length))]);
}

/** Index `index` of `dim`, removing that dim (a view). */
export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = normDim(dim, x.ndim, 'select');
  if (x.ndim === 0) throw new RangeError('select: cannot be applied to a 0-d tensor');
  const size = x.shape[d]!;
  const i = index < 0 ? index + size : index;
  if (!Number.isInteger(i) || i < 0 || i >= size) {
    throw new RangeError(`select: index ${index} is out of range for dim ${d} of size ${size} (shape ${shapeStr(x.shape)})`);
  }
  const inShape = x.shape;
  const v = x._view(x.shape.filter((_, k) => k !== d), x.strides.filter((_, k) => k !== d), x.offset + i * x.strides[d]!, (b) => select(b, d, i));
  if (isTracing()) traceAttrs(v, { dim: d, index: i });
  return record(v, 'SelectBackward0', [x], [], (g) => [sliceBackward(g, inShape, (z) => select(z, d, i))]);
}

export { Tensor };
