/**
 * More shape ops, composed from the view ops (view.ts) and cat / indexSelect (indexing.ts): movedim,
 * unflatten, broadcastTo, broadcastTensors, repeat, repeatInterleave, tile, flip, fliplr, flipud, roll,
 * rot90, chunk, split, tensorSplit, unbind, hstack, vstack, dstack, columnStack, viewAs, reshapeAs,
 * diagonal, swapaxes/swapdims, atleast1d/2d/3d.
 *
 * As in PyTorch, some return views of their input (movedim, unflatten, broadcastTo, broadcastTensors,
 * chunk, split, tensorSplit, unbind, viewAs, diagonal, swapaxes, atleast*; made with view ops, so
 * in-place changes through them are followed by autograd) and the others copy (repeat, repeatInterleave,
 * tile, flip, roll, rot90, the stacks). Gradients come from the ops they are made of.
 */
import { record } from '../autograd/node.js';
import { noGrad } from '../autograd/mode.js';
import { broadcastShapes, checkNdim, MAX_DIMS, normDim, numelOf, parseShape, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { tensor, zeros } from '../tensor/creation.js';
import { positionalOptions } from '../options.js';
import { clone, copyInto } from './copy.js';
import { cat, indexSelect } from './indexing.js';
import { expand, narrow, ownReshape, permute, reshape, select, transpose, unsqueeze, view } from './view.js';

type ShapeArgs = number[] | [readonly number[]];

// ---------------------------------------------------------------- helpers

function checkTensor(x: unknown, op: string, what = 'input'): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${what} must be a Tensor, got ${x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x}`);
}

function checkInt(v: unknown, op: string, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${op}: ${what} must be an integer, got ${fmt(v)}`);
  return v;
}

/** A number or a list of integers as a list (`what` names it in errors). */
function intList(v: unknown, op: string, what: string): number[] {
  if (typeof v === 'number') return [checkInt(v, op, what)];
  if (!Array.isArray(v)) throw new TypeError(`${op}: ${what} must be an integer or a list of integers, got ${fmt(v)}`);
  return v.map((e) => checkInt(e, op, `${what} ${fmt(v)}: each entry`));
}

/** PyTorch's optional positional parameters `names` (+ keyword-only `extra`) from args; trailing undefineds dropped. */
function posOpts<T extends object>(op: string, args: readonly unknown[], names: readonly string[], extra: readonly string[] = []): Partial<T> {
  let n = args.length;
  while (n > 0 && args[n - 1] === undefined) n--;
  return positionalOptions<T>(op, args.slice(0, n), names, extra);
}

/** Varargs numbers or one array of numbers. */
function argList(args: readonly unknown[]): unknown[] {
  return args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : [...args];
}

function fmt(v: unknown): string {
  if (v instanceof Tensor) return `a Tensor of shape ${shapeStr(v.shape)}`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Dims normalised against ndim, with an error naming the op when one repeats. */
function uniqueDims(dims: readonly number[], ndim: number, op: string, what = 'dims'): number[] {
  const ds = dims.map((d) => normDim(d, ndim, op));
  if (new Set(ds).size !== ds.length) throw new RangeError(`${op}: dim ${ds.find((d, i) => ds.indexOf(d) !== i)} appears more than once in ${what} ${shapeStr(dims)}`);
  return ds;
}

function needsDims(x: Tensor, n: number, op: string): void {
  checkTensor(x, op);
  if (x.ndim < n) throw new RangeError(`${op}: expects a tensor with at least ${n} dimension${n === 1 ? '' : 's'}, got shape ${shapeStr(x.shape)}`);
}

/** @internal `f` (an op's own fresh result, nothing else sees it) with two dims swapped, as a result of its own rather than a view. */
function ownTranspose(f: Tensor, a: number, b: number, name: string): Tensor {
  const p = f.shape.map((_, i) => (i === a ? b : i === b ? a : i));
  const out = f._alias(p.map((d) => f.shape[d]!), p.map((d) => f.strides[d]!));
  return record(out, name, [f], [], (g) => [transpose(g, a, b)]);
}

/** A copy of x with its own memory, row-major. */
function freshCopy(x: Tensor): Tensor {
  return clone(x, { memoryFormat: 'contiguous' });
}

// ---------------------------------------------------------------- views

/**
 * Moves dims `source` to positions `destination` (a number or a list each); the other dims keep their
 * order. A view (PyTorch's movedim).
 * @example movedim(zeros(2, 3, 4), 0, -1).shape; // [3, 4, 2]
 */
export function movedim(x: Tensor, source: number | readonly number[], destination: number | readonly number[]): Tensor {
  checkTensor(x, 'movedim');
  const src = intList(source, 'movedim', 'source');
  const dst = intList(destination, 'movedim', 'destination');
  if (src.length !== dst.length) {
    throw new RangeError(`movedim: source ${shapeStr(src)} and destination ${shapeStr(dst)} must have the same number of dims`);
  }
  const s = uniqueDims(src, x.ndim, 'movedim', 'source');
  const d = uniqueDims(dst, x.ndim, 'movedim', 'destination');
  if (x.ndim === 0) return permute(x, []);
  const perm = new Array<number>(x.ndim).fill(-1);
  s.forEach((sd, i) => (perm[d[i]!] = sd));
  const rest = x.shape.map((_, i) => i).filter((i) => !s.includes(i));
  let k = 0;
  for (let i = 0; i < perm.length; i++) if (perm[i] === -1) perm[i] = rest[k++]!;
  return permute(x, perm);
}

/**
 * NumPy's name for movedim.
 * @example moveaxis(zeros(2, 3, 4), [0, 1], [2, 0]).shape; // [3, 4, 2]
 */
export function moveaxis(x: Tensor, source: number | readonly number[], destination: number | readonly number[]): Tensor {
  return movedim(x, source, destination);
}

/**
 * Splits dim `dim` into `sizes` (one of them may be -1, inferred). A view.
 * @example unflatten(zeros(2, 12), 1, [3, -1]).shape; // [2, 3, 4]
 */
export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  checkTensor(x, 'unflatten');
  if (x.ndim === 0) throw new RangeError('unflatten: cannot be applied to a 0-d tensor');
  const d = normDim(dim, x.ndim, 'unflatten');
  if (!Array.isArray(sizes)) throw new TypeError(`unflatten: sizes must be a list of integers, got ${fmt(sizes)}`);
  if (sizes.length === 0) throw new RangeError('unflatten: sizes must be non-empty');
  const s = sizes.map((v) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < -1) throw new TypeError(`unflatten: sizes must be non-negative integers or -1, got ${fmt(sizes)}`);
    return v;
  });
  const size = x.shape[d]!;
  const inf = s.indexOf(-1);
  if (inf !== s.lastIndexOf(-1)) throw new RangeError(`unflatten: only one size can be inferred (-1), got ${shapeStr(s)}`);
  if (inf >= 0) {
    const known = numelOf(s.filter((_, i) => i !== inf));
    if (known === 0 || size % known !== 0) {
      throw new RangeError(`unflatten: sizes ${shapeStr(s)} cannot be inferred for dim ${d} of size ${size} (shape ${shapeStr(x.shape)})`);
    }
    s[inf] = size / known;
  }
  if (numelOf(s) !== size) {
    throw new RangeError(`unflatten: sizes ${shapeStr(sizes)} don't multiply up to the size of dim ${d} (${size}) of shape ${shapeStr(x.shape)}`);
  }
  const shape = [...x.shape.slice(0, d), ...s, ...x.shape.slice(d + 1)];
  checkNdim(shape.length, 'unflatten', () => `result shape ${shapeStr(shape)}`);
  return view(x, shape);
}

/**
 * x broadcast to `shape` without copying (-1 keeps a size): a view, like expand.
 * @example broadcastTo(tensor([1, 2, 3]), [2, 3]).tolist(); // [[1, 2, 3], [1, 2, 3]]
 */
export function broadcastTo(x: Tensor, ...shape: ShapeArgs): Tensor {
  checkTensor(x, 'broadcastTo');
  const target = parseShape(shape, 'broadcastTo', true);
  const lead = target.length - x.ndim;
  if (lead < 0) throw new RangeError(`broadcastTo: shape ${shapeStr(x.shape)} cannot be broadcast to fewer dims ${shapeStr(target)}`);
  target.forEach((want, i) => {
    if (i < lead) {
      if (want === -1) throw new RangeError(`broadcastTo: -1 is not allowed for a new leading dim (${shapeStr(target)})`);
      return;
    }
    const have = x.shape[i - lead]!;
    if (want !== -1 && have !== want && have !== 1) {
      throw new RangeError(`broadcastTo: shape ${shapeStr(x.shape)} cannot be broadcast to ${shapeStr(target)} (dim ${i}: ${have} vs ${want})`);
    }
  });
  return expand(x, target);
}

/**
 * The tensors broadcast to their common shape (views), as a list.
 * @example broadcastTensors(zeros(2, 1), zeros(3)).map((t) => t.shape); // [[2, 3], [2, 3]]
 */
export function broadcastTensors(...tensors: Tensor[] | [readonly Tensor[]]): Tensor[] {
  const ts = (tensors.length === 1 && Array.isArray(tensors[0]) ? tensors[0] : tensors) as readonly Tensor[];
  ts.forEach((t, i) => checkTensor(t, 'broadcastTensors', `element ${i}`));
  let shape: number[] = [];
  for (const t of ts) {
    try {
      shape = broadcastShapes(shape, t.shape, 'broadcastTensors');
    } catch {
      throw new RangeError(`broadcastTensors: shapes ${ts.map((u) => shapeStr(u.shape)).join(', ')} cannot be broadcast together`);
    }
  }
  return ts.map((t) => expand(t, shape));
}

/**
 * x viewed with other's shape (PyTorch's view_as); throws when no view is possible.
 * @example viewAs(zeros(6), zeros(2, 3)).shape; // [2, 3]
 */
export function viewAs(x: Tensor, other: Tensor): Tensor {
  checkTensor(x, 'viewAs');
  checkTensor(other, 'viewAs', 'other');
  return view(x, other.shape);
}

/**
 * x reshaped to other's shape (a view when possible, else a copy; PyTorch's reshape_as).
 * @example reshapeAs(zeros(6), zeros(3, 2)).shape; // [3, 2]
 */
export function reshapeAs(x: Tensor, other: Tensor): Tensor {
  checkTensor(x, 'reshapeAs');
  checkTensor(other, 'reshapeAs', 'other');
  return reshape(x, other.shape);
}

/**
 * Swaps two dims (a view; NumPy's name for transpose).
 * @example swapaxes(zeros(2, 3, 4), 0, 2).shape; // [4, 3, 2]
 */
export function swapaxes(x: Tensor, axis0: number, axis1: number): Tensor {
  checkTensor(x, 'swapaxes');
  return transpose(x, normDim(axis0, x.ndim, 'swapaxes'), normDim(axis1, x.ndim, 'swapaxes'));
}

/**
 * Swaps two dims (a view; another name for transpose).
 * @example swapdims(zeros(2, 3), 0, 1).shape; // [3, 2]
 */
export function swapdims(x: Tensor, dim0: number, dim1: number): Tensor {
  checkTensor(x, 'swapdims');
  return transpose(x, normDim(dim0, x.ndim, 'swapdims'), normDim(dim1, x.ndim, 'swapdims'));
}

export interface DiagonalOptions {
  offset?: number;
  dim1?: number;
  dim2?: number;
}

/**
 * The diagonal of the 2-D planes spanned by dims dim1 and dim2 (defaults 0 and 1), `offset` above
 * (> 0) or below (< 0) the main one, as a view whose last dim is the diagonal (PyTorch's diagonal).
 * Positional `(offset, dim1, dim2)` or `{ offset, dim1, dim2 }`.
 * @example diagonal(tensor([[1, 2], [3, 4]])).tolist(); // [1, 4]
 */
export function diagonal(x: Tensor, ...args: [offset?: number | DiagonalOptions, dim1?: number | DiagonalOptions, dim2?: number | DiagonalOptions, options?: DiagonalOptions]): Tensor {
  checkTensor(x, 'diagonal');
  const o = posOpts<DiagonalOptions>('diagonal', args, ['offset', 'dim1', 'dim2']);
  const offset = checkInt(o.offset ?? 0, 'diagonal', 'offset');
  const d1 = normDim(o.dim1 ?? 0, x.ndim, 'diagonal');
  const d2 = normDim(o.dim2 ?? 1, x.ndim, 'diagonal');
  if (d1 === d2) throw new RangeError(`diagonal: dim1 and dim2 cannot be the same dim (${d1}) (shape ${shapeStr(x.shape)})`);
  return diagonalView(x, offset, d1, d2);
}

function diagonalView(x: Tensor, offset: number, d1: number, d2: number): Tensor {
  const s1 = x.shape[d1]!, s2 = x.shape[d2]!;
  const len = Math.max(0, offset >= 0 ? Math.min(s1, s2 - offset) : Math.min(s1 + offset, s2));
  let off = x.offset;
  if (len > 0) off += offset >= 0 ? offset * x.strides[d2]! : -offset * x.strides[d1]!;
  const keep = (_: number, i: number) => i !== d1 && i !== d2;
  const shape = [...x.shape.filter(keep), len];
  const strides = [...x.strides.filter(keep), x.strides[d1]! + x.strides[d2]!];
  const inShape = x.shape;
  const v = x._view(shape, strides, off, (b) => diagonalView(b, offset, d1, d2));
  return record(v, 'DiagonalBackward0', [x], [], (g) => [diagonalBackward(g, inShape, offset, d1, d2)]);
}

/** zeros of the input's shape with g on the diagonal; differentiable in g (its adjoint is the diagonal). */
function diagonalBackward(g: Tensor, inShape: readonly number[], offset: number, d1: number, d2: number): Tensor {
  const z = noGrad(() => {
    const z = zeros(inShape);
    const part = diagonalView(z, offset, d1, d2);
    copyInto(part, g);
    part.dispose();
    return z;
  });
  return record(z, 'DiagonalBackwardBackward0', [g], [], (gg) => [diagonalView(gg, offset, d1, d2)]);
}

function one1d(x: Tensor, op: string, i: number): Tensor {
  checkTensor(x, op, `element ${i}`);
  return x.ndim === 0 ? reshape(x, [1]) : x;
}
function one2d(x: Tensor, op: string, i: number): Tensor {
  checkTensor(x, op, `element ${i}`);
  return x.ndim === 0 ? reshape(x, [1, 1]) : x.ndim === 1 ? unsqueeze(x, 0) : x;
}
function one3d(x: Tensor, op: string, i: number): Tensor {
  checkTensor(x, op, `element ${i}`);
  if (x.ndim === 0) return reshape(x, [1, 1, 1]);
  if (x.ndim === 1) return reshape(x, [1, x.shape[0]!, 1]);
  return x.ndim === 2 ? unsqueeze(x, 2) : x;
}

function atleast(args: readonly (Tensor | readonly Tensor[])[], op: string, f: (x: Tensor, op: string, i: number) => Tensor): Tensor | Tensor[] {
  if (args.length === 1 && !Array.isArray(args[0])) return f(args[0] as Tensor, op, 0);
  const ts = (args.length === 1 ? args[0] : args) as readonly Tensor[];
  return ts.map((t, i) => f(t, op, i));
}

/**
 * x with at least 1 dim (a 0-d tensor becomes shape [1], a view; others are returned as they are).
 * Several tensors (or one list) give a list.
 * @example atleast1d(tensor(5)).shape; // [1]
 */
export function atleast1d(x: Tensor): Tensor;
export function atleast1d(tensors: readonly Tensor[]): Tensor[];
export function atleast1d(x: Tensor, y: Tensor, ...more: Tensor[]): Tensor[];
export function atleast1d(...args: (Tensor | readonly Tensor[])[]): Tensor | Tensor[] {
  return atleast(args, 'atleast1d', one1d);
}

/**
 * x with at least 2 dims ([] -> [1, 1], [n] -> [1, n]; views). Several tensors (or one list) give a list.
 * @example atleast2d(tensor([1, 2])).shape; // [1, 2]
 */
export function atleast2d(x: Tensor): Tensor;
export function atleast2d(tensors: readonly Tensor[]): Tensor[];
export function atleast2d(x: Tensor, y: Tensor, ...more: Tensor[]): Tensor[];
export function atleast2d(...args: (Tensor | readonly Tensor[])[]): Tensor | Tensor[] {
  return atleast(args, 'atleast2d', one2d);
}

/**
 * x with at least 3 dims ([] -> [1, 1, 1], [n] -> [1, n, 1], [m, n] -> [m, n, 1]; views). Several
 * tensors (or one list) give a list.
 * @example atleast3d(zeros(2, 3)).shape; // [2, 3, 1]
 */
export function atleast3d(x: Tensor): Tensor;
export function atleast3d(tensors: readonly Tensor[]): Tensor[];
export function atleast3d(x: Tensor, y: Tensor, ...more: Tensor[]): Tensor[];
export function atleast3d(...args: (Tensor | readonly Tensor[])[]): Tensor | Tensor[] {
  return atleast(args, 'atleast3d', one3d);
}

// ---------------------------------------------------------------- splitting (lists of views)

export interface DimOptions {
  dim?: number;
}

type DimArgs = [dim?: number | DimOptions, options?: DimOptions];

function splitDim(x: Tensor, args: readonly unknown[], op: string): number {
  checkTensor(x, op);
  const o = posOpts<DimOptions>(op, args, ['dim']);
  if (x.ndim === 0) throw new RangeError(`${op}: expects a tensor with at least 1 dimension, got a 0-d tensor`);
  return normDim(o.dim ?? 0, x.ndim, op);
}

/**
 * Splits x into `chunks` views along `dim` (default 0), each of size ceil(size / chunks) but the last;
 * fewer when the size does not allow that many.
 * @example chunk(arange(5), 2).map((t) => t.tolist()); // [[0, 1, 2], [3, 4]]
 */
export function chunk(x: Tensor, chunks: number, ...args: DimArgs): Tensor[] {
  const d = splitDim(x, args, 'chunk');
  if (typeof chunks !== 'number' || !Number.isInteger(chunks) || chunks <= 0) {
    throw new RangeError(`chunk: chunks must be a positive integer, got ${fmt(chunks)}`);
  }
  const n = x.shape[d]!;
  if (n === 0) return multiOutput(Array.from({ length: chunks }, () => narrow(x, d, 0, 0)), 'SplitBackward0');
  return split(x, Math.ceil(n / chunks), d);
}

/**
 * Splits x along `dim` (default 0) into views: pieces of `splitSize` (the last may be smaller), or of
 * the sizes listed (which must add up to the dim's size).
 * @example split(arange(5), [1, 4], 0).map((t) => t.shape); // [[1], [4]]
 */
export function split(x: Tensor, splitSizeOrSections: number | readonly number[], ...args: DimArgs): Tensor[] {
  const d = splitDim(x, args, 'split');
  const n = x.shape[d]!;
  if (Array.isArray(splitSizeOrSections)) {
    const sizes = splitSizeOrSections.map((s) => {
      if (typeof s !== 'number' || !Number.isInteger(s) || s < 0) throw new TypeError(`split: sizes must be non-negative integers, got ${fmt(splitSizeOrSections)}`);
      return s;
    });
    if (sizes.reduce((a, b) => a + b, 0) !== n) {
      throw new RangeError(`split: sizes ${shapeStr(sizes)} must sum exactly to ${n}, the size of dim ${d} (shape ${shapeStr(x.shape)})`);
    }
    let start = 0;
    return multiOutput(sizes.map((s) => {
      const v = narrow(x, d, start, s);
      start += s;
      return v;
    }), 'SplitWithSizesBackward0');
  }
  const size = splitSizeOrSections as number;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
    throw new TypeError(`split: splitSize must be a non-negative integer or a list of sizes, got ${fmt(size)}`);
  }
  if (size === 0 && n > 0) throw new RangeError(`split: splitSize can only be 0 if the dim's size is 0, but dim ${d} has size ${n}`);
  if (n === 0) return multiOutput([narrow(x, d, 0, 0)], 'SplitBackward0');
  const out: Tensor[] = [];
  for (let start = 0; start < n; start += size) out.push(narrow(x, d, start, Math.min(size, n - start)));
  return multiOutput(out, 'SplitBackward0');
}

/**
 * Splits x along `dim` (default 0) into views, NumPy's array_split: `sections` pieces as equal as
 * possible (the first size % sections one larger), or cut at the listed `indices` (Python slice rules:
 * negative counts from the end, out of range clamps). An int32 tensor gives sections (0-d) or indices (1-d).
 * @example tensorSplit(arange(7), 3).map((t) => t.shape); // [[3], [2], [2]]
 */
export function tensorSplit(x: Tensor, indicesOrSections: number | readonly number[] | Tensor, ...args: DimArgs): Tensor[] {
  const d = splitDim(x, args, 'tensorSplit');
  const n = x.shape[d]!;
  let ios: number | number[];
  if (indicesOrSections instanceof Tensor) {
    const t = indicesOrSections;
    if (t.dtype !== 'int32') throw new TypeError(`tensorSplit: a tensor of indices or sections must be int32, got ${t.dtype}`);
    if (t.ndim > 1) throw new RangeError(`tensorSplit: a tensor of indices or sections must be 0-d or 1-d, got shape ${shapeStr(t.shape)}`);
    ios = t.ndim === 0 ? t.item() : Array.from(t.toArray());
  } else if (Array.isArray(indicesOrSections)) {
    ios = indicesOrSections.map((i) => checkInt(i, 'tensorSplit', 'indices'));
  } else {
    ios = checkInt(indicesOrSections, 'tensorSplit', 'sections');
  }
  if (typeof ios === 'number') {
    if (ios <= 0) throw new RangeError(`tensorSplit: the number of sections must be positive, got ${ios}`);
    const base = Math.floor(n / ios), extra = n % ios;
    const out: Tensor[] = [];
    let start = 0;
    for (let i = 0; i < ios; i++) {
      const len = base + (i < extra ? 1 : 0);
      out.push(narrow(x, d, start, len));
      start += len;
    }
    return out;
  }
  const clampIdx = (i: number) => (i < 0 ? Math.max(i + n, 0) : Math.min(i, n));
  const out: Tensor[] = [];
  let start = 0;
  for (const i of [...ios, n]) {
    const end = clampIdx(i);
    out.push(narrow(x, d, start, Math.max(0, end - start)));
    start = end;
  }
  return out;
}

/**
 * The slices of x along `dim` (default 0), that dim removed, as a list of views.
 * @example unbind(tensor([[1, 2], [3, 4]]), 1).map((t) => t.tolist()); // [[1, 3], [2, 4]]
 */
export function unbind(x: Tensor, ...args: DimArgs): Tensor[] {
  const d = splitDim(x, args, 'unbind');
  return multiOutput(Array.from({ length: x.shape[d]! }, (_, i) => select(x, d, i)), 'UnbindBackward0');
}

/**
 * Marks views returned together by one function (PyTorch's MULTI_OUTPUT_NODE views): modifying one in place
 * while autograd records, or using one after its base was modified in place, throws as in PyTorch.
 */
function multiOutput(views: Tensor[], node: string): Tensor[] {
  for (const v of views) if (v._base !== null) v._multiOutputOf = node;
  return views;
}

// ---------------------------------------------------------------- copies

function repeatImpl(x: Tensor, reps: readonly number[]): Tensor {
  const lead = reps.length - x.ndim;
  const padded = [...new Array<number>(lead).fill(1), ...x.shape];
  const outShape = padded.map((s, i) => s * reps[i]!);
  const grown = reps.filter((r) => r !== 1).length;
  if (padded.length + grown <= MAX_DIMS) {
    // [.., 1, s, ..] expanded to [.., r, s, ..] (a view), copied, then read as [.., r*s, ..]
    const mid: number[] = [], big: number[] = [];
    padded.forEach((s, i) => {
      if (reps[i] !== 1) {
        mid.push(1);
        big.push(reps[i]!);
      }
      mid.push(s);
      big.push(s);
    });
    return ownReshape(freshCopy(expand(reshape(x, mid), big)), outShape);
  }
  // too many dims for the expanded form: one dim at a time
  let y = reshape(x, padded);
  reps.forEach((r, i) => {
    if (r !== 1) y = r === 0 ? narrow(y, i, 0, 0) : cat(new Array<Tensor>(r).fill(y), i);
  });
  return ownReshape(freshCopy(y), outShape);
}

/**
 * x repeated along each dim `sizes[i]` times (more sizes than dims add leading dims); a copy
 * (PyTorch's Tensor.repeat).
 * @example repeat(tensor([1, 2]), 2, 2).tolist(); // [[1, 2, 1, 2], [1, 2, 1, 2]]
 */
export function repeat(x: Tensor, ...sizes: ShapeArgs): Tensor {
  checkTensor(x, 'repeat');
  const reps = parseShape(sizes, 'repeat');
  if (reps.length < x.ndim) {
    throw new RangeError(`repeat: got ${reps.length} repeat sizes ${shapeStr(reps)} for a tensor of shape ${shapeStr(x.shape)}; need at least ${x.ndim}`);
  }
  return repeatImpl(x, reps);
}

/**
 * x repeated along each dim `dims[i]` times; fewer dims than x has are padded with leading 1s (PyTorch's
 * tile). A copy.
 * @example tile(tensor([1, 2]), 2).tolist(); // [1, 2, 1, 2]
 */
export function tile(x: Tensor, ...dims: ShapeArgs): Tensor {
  checkTensor(x, 'tile');
  const reps = parseShape(dims, 'tile');
  const full = reps.length < x.ndim ? [...new Array<number>(x.ndim - reps.length).fill(1), ...reps] : reps;
  return repeatImpl(x, full);
}

export interface RepeatInterleaveOptions {
  dim?: number | null;
  /** The total length of the result along dim; must equal the sum of the repeats (PyTorch's output_size). */
  outputSize?: number;
}

/**
 * Repeats each element (each slice along `dim`) `repeats` times: a number, or an int32 tensor with one
 * count per slice (or a single one). Without `dim`, x is flattened first. A copy. With only an int32
 * tensor of counts, gives each index repeated that many times (`repeatInterleave(tensor([1, 2]))` is
 * [0, 1, 1]).
 * @example repeatInterleave(tensor([1, 2]), 2).tolist(); // [1, 1, 2, 2]
 */
export function repeatInterleave(
  x: Tensor,
  repeats?: number | Tensor | RepeatInterleaveOptions,
  ...args: [dim?: number | null | RepeatInterleaveOptions, options?: RepeatInterleaveOptions]
): Tensor {
  checkTensor(x, 'repeatInterleave');
  if (repeats === undefined || (typeof repeats === 'object' && !(repeats instanceof Tensor))) {
    // repeat_interleave(repeats, *, output_size): x holds the counts
    const o = posOpts<RepeatInterleaveOptions>('repeatInterleave', repeats === undefined ? args : [repeats, ...args], [], ['outputSize']);
    if (x.dtype !== 'int32' || x.ndim > 1) {
      throw new TypeError(`repeatInterleave: called with only a tensor of counts, it must be a 0-d or 1-d int32 tensor, got ${x.dtype} of shape ${shapeStr(x.shape)}`);
    }
    const n = x.ndim === 0 ? 1 : x.shape[0]!;
    const idx = tensor(Int32Array.from({ length: n }, (_, i) => i));
    return repeatInterleave(idx, x, 0, { outputSize: o.outputSize });
  }
  const o = posOpts<RepeatInterleaveOptions>('repeatInterleave', args, ['dim'], ['outputSize']);
  let src: Tensor;
  let d: number;
  if (o.dim == null) {
    src = reshape(x, [-1]);
    d = 0;
  } else {
    if (x.ndim === 0) throw new RangeError(`repeatInterleave: dim ${o.dim} is out of range for a 0-d tensor`);
    d = normDim(o.dim, x.ndim, 'repeatInterleave');
    src = x;
  }
  const n = src.shape[d]!;
  let counts: number[];
  if (repeats instanceof Tensor) {
    if (repeats.dtype !== 'int32') throw new TypeError(`repeatInterleave: repeats must be a number or an int32 tensor, got a ${repeats.dtype} tensor`);
    if (repeats.ndim > 1) throw new RangeError(`repeatInterleave: a repeats tensor must be 0-d or 1-d, got shape ${shapeStr(repeats.shape)}`);
    const vals = Array.from(repeats.toArray());
    if (vals.length === 1) counts = new Array<number>(n).fill(vals[0]!);
    else if (vals.length === n) counts = vals;
    else throw new RangeError(`repeatInterleave: repeats has ${vals.length} counts but the input has size ${n} along dim ${d}`);
  } else {
    if (typeof repeats !== 'number' || !Number.isInteger(repeats)) throw new TypeError(`repeatInterleave: repeats must be an integer or an int32 tensor, got ${fmt(repeats)}`);
    counts = new Array<number>(n).fill(repeats);
  }
  if (counts.some((c) => c < 0)) throw new RangeError(`repeatInterleave: repeats cannot be negative, got ${counts.find((c) => c < 0)}`);
  const total = counts.reduce((a, b) => a + b, 0);
  if (o.outputSize !== undefined && (typeof o.outputSize !== 'number' || o.outputSize !== total)) {
    throw new RangeError(`repeatInterleave: outputSize ${fmt(o.outputSize)} does not match the ${total} elements the repeats give`);
  }
  const idxValues = new Int32Array(total);
  let k = 0;
  counts.forEach((c, i) => {
    idxValues.fill(i, k, k + c);
    k += c;
  });
  const index = tensor(idxValues);
  const out = indexSelect(src, d, index);
  index._releaseToGraph();
  return out;
}

/** Reversed indices 0..n-1 along one dim, indexSelect'ed. */
function flipDim(x: Tensor, d: number): Tensor {
  const n = x.shape[d]!;
  const index = tensor(Int32Array.from({ length: n }, (_, i) => n - 1 - i));
  const out = indexSelect(x, d, index);
  index._releaseToGraph();
  return out;
}

/**
 * x with the order of elements reversed along each of `dims` (a list, or varargs); a copy.
 * @example flip(tensor([[1, 2], [3, 4]]), [1]).tolist(); // [[2, 1], [4, 3]]
 */
export function flip(x: Tensor, ...dims: ShapeArgs): Tensor {
  checkTensor(x, 'flip');
  const raw = argList(dims).map((d) => checkInt(d, 'flip', 'each dim'));
  const ds = uniqueDims(raw, x.ndim, 'flip');
  let y = x;
  for (const d of ds) if (x.ndim > 0 && x.shape[d]! > 1) y = flipDim(y, d);
  return y === x ? freshCopy(x) : y;
}

/**
 * x flipped left-right (dim 1); needs at least 2 dims. A copy.
 * @example fliplr(tensor([[1, 2], [3, 4]])).tolist(); // [[2, 1], [4, 3]]
 */
export function fliplr(x: Tensor): Tensor {
  needsDims(x, 2, 'fliplr');
  return flip(x, [1]);
}

/**
 * x flipped up-down (dim 0); needs at least 1 dim. A copy.
 * @example flipud(tensor([[1, 2], [3, 4]])).tolist(); // [[3, 4], [1, 2]]
 */
export function flipud(x: Tensor): Tensor {
  needsDims(x, 1, 'flipud');
  return flip(x, [0]);
}

export interface RollOptions {
  dims?: number | readonly number[] | null;
}

function rollDim(x: Tensor, shift: number, d: number): Tensor {
  const n = x.shape[d]!;
  if (n === 0) return x;
  const s = ((shift % n) + n) % n;
  if (s === 0) return x;
  return cat([narrow(x, d, n - s, s), narrow(x, d, 0, n - s)], d);
}

/**
 * Rolls x by `shifts` along `dims` (elements shifted past the end come back at the start); without dims,
 * x is rolled as if flattened. shifts and dims are numbers or lists of one length. A copy.
 * @example roll(tensor([1, 2, 3, 4]), 1).tolist(); // [4, 1, 2, 3]
 */
export function roll(x: Tensor, shifts: number | readonly number[], ...args: [dims?: number | readonly number[] | null | RollOptions, options?: RollOptions]): Tensor {
  checkTensor(x, 'roll');
  const o = posOpts<RollOptions>('roll', args, ['dims']);
  const sh = intList(shifts, 'roll', 'shifts');
  if (sh.length === 0) throw new RangeError('roll: shifts must not be empty');
  const dims = o.dims == null ? [] : intList(o.dims, 'roll', 'dims');
  if (dims.length === 0) {
    if (sh.length !== 1) throw new RangeError(`roll: without dims, shifts must be a single number, got ${shapeStr(sh)}`);
    const r = rollDim(reshape(x, [-1]), sh[0]!, 0);
    return r.isContiguous() && r.storage !== x.storage ? ownReshape(r, x.shape) : freshCopy(x);
  }
  if (dims.length !== sh.length) throw new RangeError(`roll: shifts ${shapeStr(sh)} and dims ${shapeStr(dims)} must have the same length`);
  if (x.ndim === 0) throw new RangeError(`roll: dim ${dims[0]} is out of range for a 0-d tensor`);
  const ds = dims.map((d) => normDim(d, x.ndim, 'roll'));
  let y = x;
  ds.forEach((d, i) => (y = rollDim(y, sh[i]!, d)));
  return y === x ? freshCopy(x) : y;
}

export interface Rot90Options {
  k?: number;
  dims?: readonly number[];
}

/**
 * x rotated by 90 degrees `k` times (default 1) in the plane of `dims` (default [0, 1]), from the first
 * dim towards the second. A copy.
 * @example rot90(tensor([[1, 2], [3, 4]])).tolist(); // [[2, 4], [1, 3]]
 */
export function rot90(x: Tensor, ...args: [k?: number | Rot90Options, dims?: readonly number[] | Rot90Options, options?: Rot90Options]): Tensor {
  checkTensor(x, 'rot90');
  const o = posOpts<Rot90Options>('rot90', args, ['k', 'dims']);
  const k = checkInt(o.k ?? 1, 'rot90', 'k');
  const dims = o.dims ?? [0, 1];
  if (!Array.isArray(dims) || dims.length !== 2) throw new RangeError(`rot90: dims must be a list of 2 dims, got ${fmt(dims)}`);
  if (x.ndim < 2) throw new RangeError(`rot90: expects a tensor with at least 2 dimensions, got shape ${shapeStr(x.shape)}`);
  const d0 = normDim(checkInt(dims[0], 'rot90', 'dims[0]'), x.ndim, 'rot90');
  const d1 = normDim(checkInt(dims[1], 'rot90', 'dims[1]'), x.ndim, 'rot90');
  if (d0 === d1) throw new RangeError(`rot90: the rotation dims must differ, got ${shapeStr(dims)}`);
  const r = ((k % 4) + 4) % 4;
  if (r === 0) return freshCopy(x);
  if (r === 2) return flip(x, [d0, d1]);
  return ownTranspose(flip(x, [r === 1 ? d1 : d0]), d0, d1, 'Rot90Backward0');
}

// ---------------------------------------------------------------- stacking (copies)

function stackList(tensors: readonly Tensor[], op: string): readonly Tensor[] {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new RangeError(`${op}: expects a non-empty list of tensors`);
  return tensors;
}

/**
 * Joins tensors column-wise: along dim 1, or dim 0 for 1-D tensors (0-d ones count as 1-D).
 * @example hstack([tensor([1, 2]), tensor([3])]).tolist(); // [1, 2, 3]
 */
export function hstack(tensors: readonly Tensor[]): Tensor {
  const rep = stackList(tensors, 'hstack').map((t, i) => one1d(t, 'hstack', i));
  return cat(rep, rep[0]!.ndim === 1 ? 0 : 1);
}

/**
 * Joins tensors row-wise (dim 0), 1-D tensors of length n counting as [1, n].
 * @example vstack([tensor([1, 2]), tensor([3, 4])]).shape; // [2, 2]
 */
export function vstack(tensors: readonly Tensor[]): Tensor {
  return cat(stackList(tensors, 'vstack').map((t, i) => one2d(t, 'vstack', i)), 0);
}

/**
 * Joins tensors depth-wise (dim 2) after atleast3d.
 * @example dstack([tensor([1, 2]), tensor([3, 4])]).shape; // [1, 2, 2]
 */
export function dstack(tensors: readonly Tensor[]): Tensor {
  return cat(stackList(tensors, 'dstack').map((t, i) => one3d(t, 'dstack', i)), 2);
}

/**
 * Joins tensors as columns: 0-d and 1-D tensors become columns [n, 1], then hstack.
 * @example columnStack([tensor([1, 2]), tensor([3, 4])]).tolist(); // [[1, 3], [2, 4]]
 */
export function columnStack(tensors: readonly Tensor[]): Tensor {
  const cols = stackList(tensors, 'columnStack').map((t, i) => {
    checkTensor(t, 'columnStack', `element ${i}`);
    return t.ndim <= 1 ? reshape(t, [t.numel(), 1]) : t;
  });
  return hstack(cols);
}
