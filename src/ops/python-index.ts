/**
 * Python indexing, `x[...]` and `x[...] = value`, ported mechanically from PyTorch 1.13's
 * applySlicing (torch/csrc/autograd/python_variable_indexing.cpp, ATen/TensorIndexing.h) and at::index /
 * index_put_.
 *
 * Pieces: integers (negative count from the end; select, removing the dim), `slice(start, stop, step)`
 * (step > 0), `null` (None: a new dim of size 1), one `'...'` (Ellipsis), `true`/`false`, int32 tensors
 * and nested arrays of integers (advanced indexing), bool tensors (masks). A string is parsed as
 * comma-separated Python pieces (`':, -1, ::2'`) and spliced in.
 *
 * Walk (as applySlicing): a running `dim` starts at 0; an integer selects at dim (dim stays), a slice
 * narrows dim with a stride (dim + 1), None unsqueezes at dim (dim + 1), Ellipsis skips the dims no
 * piece names, a 0-d int32 tensor is an integer, a bool scalar unsqueezes and records index [0] or [],
 * a tensor is recorded at dim (dim + 1, even for a k-dim mask: PyTorch's rule). The basic pieces make
 * ONE view of x (shape, strides and offset computed from the pieces, `x._view` with a replay that
 * re-applies them to the base), so in-place ops through it rebase the base's history; its gradient
 * writes g into the viewed region of zeros. When tensors were recorded (advanced indexing), at::index
 * follows on that view: masks become their nonzero coordinates (k index tensors), all index tensors
 * broadcast together to B; when the indexed dims are adjacent, B takes their place in the result,
 * else B comes first. The values are gathered with indexSelect over the indexed dims flattened (a copy,
 * differentiable).
 */
import { record } from '../autograd/node.js';
import { isTracing, traceAttrs } from '../onnx/trace.js';
import { noGrad } from '../autograd/mode.js';
import { broadcastShapes, numelOf, sameShape, shapeStr } from '../tensor/shape.js';
import { Tensor, type TensorOrScalar } from '../tensor/tensor.js';
import { tensor as makeTensor, zeros } from '../tensor/creation.js';
import { copyInto } from './copy.js';
import * as I from './indexing.js';
import * as IM from './indexing-more.js';

/** A Python slice `start:stop:step` (null = omitted). Made by `slice()`. */
export class Slice {
  constructor(
    readonly start: number | null,
    readonly stop: number | null,
    readonly step: number | null,
  ) {}
  toString(): string {
    const s = (v: number | null) => (v === null ? '' : String(v));
    return `${s(this.start)}:${s(this.stop)}${this.step === null ? '' : `:${this.step}`}`;
  }
}

/** Python's Ellipsis (`...`) as an index piece. */
export const ellipsis = '...';

type Nested = number | boolean | readonly Nested[];

/** One piece of an index: what Python accepts between the brackets, in wasmgrad's spelling. */
export type IndexPiece = number | boolean | null | Slice | Tensor | string | readonly Nested[];

function checkBound(v: unknown, what: string): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`slice: ${what} must be an integer or null (None), got ${String(v)}`);
  return v;
}

/**
 * Python's slice(): `slice()` is `:`, `slice(stop)` is `:stop`, `slice(start, stop)` is `start:stop`,
 * `slice(start, stop, step)` is `start:stop:step`; null (None) leaves a part out.
 * @example x.index(slice(), slice(null, null, 2)) // x[:, ::2]
 */
export function slice(...args: (number | null | undefined)[]): Slice {
  if (args.length > 3) throw new TypeError(`slice: expected at most 3 arguments (start, stop, step), got ${args.length}`);
  if (args.length <= 1) return new Slice(null, checkBound(args[0], 'stop'), null);
  return new Slice(checkBound(args[0], 'start'), checkBound(args[1], 'stop'), checkBound(args[2], 'step'));
}

// ---------------------------------------------------------------- parsing

type Piece =
  | { k: 'int'; v: number }
  | { k: 'slice'; s: Slice }
  | { k: 'none' }
  | { k: 'ell' }
  | { k: 'bool'; v: boolean }
  | { k: 'tensor'; t: Tensor; owned: boolean };

const INT = /^[+-]?\d+$/;

function parseInt_(tok: string, src: string): number | null {
  if (tok === '' || tok === 'None') return null;
  if (!INT.test(tok)) throw new SyntaxError(`index: cannot parse '${tok}' in ${JSON.stringify(src)} (slice parts must be integers, None or empty)`);
  return Number(tok);
}

/** Comma-separated Python index pieces: integers, slices start:stop:step, None, ..., True, False. */
function parseString(src: string): Piece[] {
  const parts = src.split(',').map((p) => p.trim());
  if (parts.length === 1 && parts[0] === '') return [];
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop(); // x[1,] is x[(1,)]
  return parts.map((tok): Piece => {
    if (tok === 'None' || tok === 'null') return { k: 'none' };
    if (tok === '...' || tok === 'Ellipsis') return { k: 'ell' };
    if (tok === 'True' || tok === 'False') return { k: 'bool', v: tok === 'True' };
    if (INT.test(tok)) return { k: 'int', v: Number(tok) };
    if (tok.includes(':')) {
      const s = tok.split(':').map((p) => p.trim());
      if (s.length <= 3) return { k: 'slice', s: new Slice(parseInt_(s[0]!, src), parseInt_(s[1]!, src), s.length === 3 ? parseInt_(s[2]!, src) : null) };
    }
    throw new SyntaxError(
      `index: cannot parse '${tok}' in ${JSON.stringify(src)}; a string index takes integers, slices start:stop:step, None, ..., True and False ` +
        '(pass tensors and variables as separate arguments, e.g. x.index(":", idx) or slice(null, T))',
    );
  });
}

function fromArray(a: readonly Nested[]): Tensor {
  const flat: Nested[] = [];
  const walk = (v: Nested) => (Array.isArray(v) ? (v as readonly Nested[]).forEach(walk) : flat.push(v));
  walk(a);
  const bools = flat.length > 0 && flat.every((v) => typeof v === 'boolean');
  if (!bools && !flat.every((v) => typeof v === 'number' && Number.isInteger(v))) {
    throw new TypeError('index: an array used as an index must hold only integers (an int32 index) or only booleans (a mask)');
  }
  return makeTensor(a as never, { dtype: bools ? 'bool' : 'int32' });
}

function normalize(pieces: readonly IndexPiece[]): Piece[] {
  const out: Piece[] = [];
  for (const p of pieces) {
    if (p === null) out.push({ k: 'none' });
    else if (typeof p === 'string') out.push(...parseString(p));
    else if (typeof p === 'boolean') out.push({ k: 'bool', v: p });
    else if (typeof p === 'number') {
      if (!Number.isInteger(p)) throw new TypeError(`index: only integers, slices (slice()), null (None), '...' (Ellipsis), booleans and int32 or bool tensors are valid indices (got ${p})`);
      out.push({ k: 'int', v: p });
    } else if (p instanceof Slice) out.push({ k: 'slice', s: p });
    else if (p instanceof Tensor) {
      if (p.dtype !== 'int32' && p.dtype !== 'bool') throw new TypeError(`index: tensors used as indices must be int32 (standing in for long) or bool tensors, got ${p.dtype} of shape ${shapeStr(p.shape)}`);
      if (p.ndim === 0 && p.dtype === 'int32') out.push({ k: 'int', v: p.item() });
      else if (p.ndim === 0) out.push({ k: 'bool', v: p.item() !== 0 });
      else out.push({ k: 'tensor', t: p, owned: false });
    } else if (Array.isArray(p)) {
      const t = fromArray(p as readonly Nested[]);
      out.push({ k: 'tensor', t, owned: true });
    } else {
      throw new TypeError(`index: only integers, slices (slice()), null (None), '...' (Ellipsis), booleans and int32 or bool tensors are valid indices (got ${typeof p})`);
    }
  }
  return out;
}

function describe(pieces: readonly Piece[]): string {
  return pieces
    .map((p) => (p.k === 'int' ? String(p.v) : p.k === 'slice' ? p.s.toString() : p.k === 'none' ? 'None' : p.k === 'ell' ? '...' : p.k === 'bool' ? (p.v ? 'True' : 'False') : `tensor${shapeStr(p.t.shape)}`))
    .join(', ');
}

// ---------------------------------------------------------------- basic indexing: one strided view

type BasicOp = { k: 'select'; d: number; i: number } | { k: 'slice'; d: number; start: number; len: number; step: number } | { k: 'unsqueeze'; d: number };

function applyOps(shape0: readonly number[], strides0: readonly number[], offset0: number, ops: readonly BasicOp[]) {
  const shape = [...shape0];
  const strides = [...strides0];
  let offset = offset0;
  for (const o of ops) {
    if (o.k === 'select') {
      offset += o.i * strides[o.d]!;
      shape.splice(o.d, 1);
      strides.splice(o.d, 1);
    } else if (o.k === 'slice') {
      offset += o.start * strides[o.d]!;
      shape[o.d] = o.len;
      strides[o.d] = strides[o.d]! * o.step;
    } else {
      const st = o.d < shape.length ? shape[o.d]! * strides[o.d]! : 1;
      shape.splice(o.d, 0, 1);
      strides.splice(o.d, 0, st);
    }
  }
  return { shape, strides, offset };
}

/** x's view through the basic pieces `ops` (differentiable: the gradient fills the viewed region of zeros). */
function basicView(x: Tensor, ops: readonly BasicOp[]): Tensor {
  const m = applyOps(x.shape, x.strides, x.offset, ops);
  const v = x._view(m.shape, m.strides, m.offset, (b) => basicView(b, ops));
  const inShape = x.shape;
  if (isTracing()) traceAttrs(v, { ops });
  if (ops.length === 0) return record(v, 'AliasBackward0', [x], [], (g) => [g]);
  return record(v, 'SliceBackward0', [x], [], (g) => [sliceBackward(g, inShape, ops)]);
}

function sliceBackward(g: Tensor, inShape: readonly number[], ops: readonly BasicOp[]): Tensor {
  const z = noGrad(() => {
    const z = zeros(inShape);
    const part = basicView(z, ops);
    copyInto(part, g);
    part.dispose();
    return z;
  });
  // Differentiable in g (double backward): the adjoint of writing into zeros is the view.
  return record(z, 'SliceBackwardBackward0', [g], [], (gg) => [basicView(gg, ops)]);
}

interface Plan {
  ops: BasicOp[];
  /** The tensors recorded at each dim of the view (null: none), masks as given. */
  adv: (Tensor | null)[];
  /** Index tensors this module made (from arrays, bool scalars): disposed after use. */
  owned: Tensor[];
  desc: string;
}

/** PyTorch's applySlicing over x's metadata. */
function plan(x: Tensor, raw: readonly IndexPiece[], op: string): Plan {
  const pieces = normalize(raw);
  const desc = describe(pieces);
  const owned = pieces.flatMap((p) => (p.k === 'tensor' && p.owned ? [p.t] : []));
  try {
    let specified = 0;
    let ells = 0;
    for (const p of pieces) {
      if (p.k === 'int' || p.k === 'slice') specified++;
      else if (p.k === 'tensor') specified += p.t.dtype === 'bool' ? p.t.ndim : 1;
      else if (p.k === 'ell') ells++;
    }
    if (ells > 1) throw new RangeError(`${op}: an index can only have a single ellipsis ('...'), got [${desc}]`);
    if (specified > x.ndim) throw new RangeError(`${op}: too many indices for tensor of dimension ${x.ndim} (got ${specified}): [${desc}] on shape ${shapeStr(x.shape)}`);
    const shape = [...x.shape];
    const ops: BasicOp[] = [];
    const adv: (Tensor | null)[] = [];
    const put = (d: number, t: Tensor) => {
      while (adv.length < d) adv.push(null);
      adv[d] = t;
    };
    let dim = 0;
    let realDim = 0; // the dim of x a piece refers to, for messages
    const needDim = () => {
      if (dim >= shape.length) throw new RangeError(`${op}: too many indices for tensor of dimension ${x.ndim}: [${desc}] on shape ${shapeStr(x.shape)}`);
    };
    for (const p of pieces) {
      if (p.k === 'int') {
        needDim();
        const size = shape[dim]!;
        if (p.v < -size || p.v >= size) throw new RangeError(`${op}: index ${p.v} is out of bounds for dimension ${realDim} with size ${size} ([${desc}] on shape ${shapeStr(x.shape)})`);
        ops.push({ k: 'select', d: dim, i: p.v < 0 ? p.v + size : p.v });
        shape.splice(dim, 1);
        realDim++;
      } else if (p.k === 'slice') {
        needDim();
        const step = p.s.step ?? 1;
        if (step === 0) throw new RangeError(`${op}: slice step cannot be zero ([${desc}])`);
        if (step < 0) throw new RangeError(`${op}: step must be greater than zero (PyTorch does not support negative slice steps; use flip()): [${desc}]`);
        const size = shape[dim]!;
        let start = p.s.start ?? 0;
        let stop = p.s.stop ?? size;
        if (start < 0) start += size;
        if (stop < 0) stop += size;
        start = Math.min(Math.max(start, 0), size);
        stop = Math.min(Math.max(stop, start), size);
        const len = Math.ceil((stop - start) / step);
        ops.push({ k: 'slice', d: dim, start, len, step });
        shape[dim] = len;
        dim++;
        realDim++;
      } else if (p.k === 'none') {
        ops.push({ k: 'unsqueeze', d: dim });
        shape.splice(dim, 0, 1);
        dim++;
      } else if (p.k === 'ell') {
        dim += x.ndim - specified;
        realDim += x.ndim - specified;
      } else if (p.k === 'bool') {
        ops.push({ k: 'unsqueeze', d: dim });
        shape.splice(dim, 0, 1);
        const t = makeTensor(p.v ? [0] : [], { dtype: 'int32' });
        owned.push(t);
        put(dim, t);
        dim++;
      } else {
        put(dim, p.t);
        dim++;
        realDim += p.t.dtype === 'bool' ? p.t.ndim : 1;
      }
    }
    return { ops, adv, owned, desc };
  } catch (e) {
    for (const t of owned) t.dispose();
    throw e;
  }
}

// ---------------------------------------------------------------- advanced indexing

interface Advanced {
  /** The view's dims that are indexed, in order (their index tensors in `idx`). */
  dims: number[];
  idx: Tensor[];
  /** Tensors made here (mask coordinates): disposed after use. */
  owned: Tensor[];
  /** The broadcast shape of the index tensors. */
  B: number[];
  /** Flat positions into the indexed dims (row-major over their sizes), one per element of B. */
  L: Int32Array;
  /** The result's shape, and the permutation taking [B..., other dims...] to it. */
  shape: number[];
  perm: number[] | null;
}

/** at::index's bookkeeping on the view v: masks to coordinates, broadcasting, bounds, placement. */
function advanced(v: Tensor, adv: readonly (Tensor | null)[], op: string, desc: string): Advanced {
  const E: (Tensor | null)[] = [];
  const owned: Tensor[] = [];
  try {
    for (const t of adv) {
      if (t === null || t.dtype !== 'bool') {
        E.push(t);
        continue;
      }
      for (let j = 0; j < t.ndim; j++) {
        const src = E.length + j;
        if (src >= v.ndim) throw new RangeError(`${op}: too many indices for tensor of dimension ${v.ndim} (a mask of shape ${shapeStr(t.shape)} at dim ${E.length}): [${desc}]`);
        if (t.shape[j] !== v.shape[src]) {
          throw new RangeError(`${op}: the shape of the mask ${shapeStr(t.shape)} at index ${j} does not match the shape of the indexed tensor ${shapeStr(v.shape)} at index ${src} ([${desc}])`);
        }
      }
      const cols = IM.nonzero(t, { asTuple: true });
      owned.push(...cols);
      E.push(...cols);
    }
    if (E.length > v.ndim) throw new RangeError(`${op}: too many indices for tensor of dimension ${v.ndim} (got ${E.length}): [${desc}]`);
    const dims: number[] = [];
    const idx: Tensor[] = [];
    E.forEach((t, d) => {
      if (t !== null) {
        dims.push(d);
        idx.push(t);
      }
    });
    let B: number[] = [];
    for (const t of idx) {
      try {
        B = broadcastShapes(B, t.shape, op);
      } catch {
        throw new RangeError(`${op}: shape mismatch: indexing tensors could not be broadcast together with shapes ${idx.map((u) => shapeStr(u.shape)).join(', ')} ([${desc}])`);
      }
    }
    const nb = numelOf(B);
    const L = new Int32Array(nb);
    const c = new Array<number>(B.length).fill(0);
    const sizes = dims.map((d) => v.shape[d]!);
    const vals = idx.map((t) => t.toArray());
    for (let b = 0; b < nb; b++) {
      let q = b;
      for (let j = B.length - 1; j >= 0; j--) {
        c[j] = q % B[j]!;
        q = Math.floor(q / B[j]!);
      }
      let flat = 0;
      for (let k = 0; k < idx.length; k++) {
        const st = idx[k]!.shape;
        const off = B.length - st.length;
        let p = 0;
        for (let j = 0; j < st.length; j++) p = p * st[j]! + (st[j] === 1 ? 0 : c[off + j]!);
        let iv = vals[k]![p]!;
        const size = sizes[k]!;
        if (iv < -size || iv >= size) throw new RangeError(`${op}: index ${iv} is out of bounds for dimension ${dims[k]} with size ${size} ([${desc}] on shape ${shapeStr(v.shape)})`);
        if (iv < 0) iv += size;
        flat = flat * size + iv;
      }
      L[b] = flat;
    }
    const others = v.shape.map((_, d) => d).filter((d) => !dims.includes(d));
    const adjacent = dims[dims.length - 1]! - dims[0]! === dims.length - 1;
    const front = [...B, ...others.map((d) => v.shape[d]!)];
    const p0 = adjacent ? dims[0]! : 0;
    let perm: number[] | null = null;
    if (p0 > 0) {
      // [B..., others...] -> [others before p0, B..., others after]
      const nB = B.length;
      perm = [...others.slice(0, p0).map((_, i) => nB + i), ...B.map((_, i) => i), ...others.slice(p0).map((_, i) => nB + p0 + i)];
    }
    const shape = perm === null ? front : perm.map((i) => front[i]!);
    return { dims, idx, owned, B, L, shape, perm };
  } catch (e) {
    for (const t of owned) t.dispose();
    throw e;
  }
}

/** v with its dims `dims` moved to the front, in order (v itself when they already are). */
function indexedFirst(v: Tensor, dims: readonly number[]): Tensor {
  const order = [...dims, ...v.shape.map((_, d) => d).filter((d) => !dims.includes(d))];
  return order.every((d, i) => d === i) ? v : v.permute(order);
}

function gatherAdvanced(v: Tensor, a: Advanced): Tensor {
  const vp = indexedFirst(v, a.dims);
  const rest = vp.shape.slice(a.dims.length);
  const flat = vp.reshape([numelOf(vp.shape.slice(0, a.dims.length)), ...rest]);
  const L = makeTensor(a.L, { dtype: 'int32' });
  const picked = I.indexSelect(flat, 0, L); // L is saved for backward
  const out = picked.reshape([...a.B, ...rest]);
  return a.perm === null ? out : out.permute(a.perm);
}

// ---------------------------------------------------------------- the entry points

/**
 * x[pieces...] as in Python: integers, slice(), null (None), '...' (Ellipsis), booleans, int32 tensors
 * or nested integer arrays (advanced indexing), bool tensors (masks); a string is parsed as
 * comma-separated Python pieces. Only basic pieces (integers, slices, None, Ellipsis): a view of x (an
 * in-place op through it changes x). With index tensors or masks: a copy, as PyTorch's.
 * @example x.index(':, -1, :') // x[:, -1, :]; x.index(slice(), slice(null, T)) // x[:, :T]
 */
export function index(x: Tensor, ...pieces: IndexPiece[]): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`index: self must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  x._checkLive();
  const p = plan(x, pieces, 'index');
  try {
    if (p.adv.length === 0) return basicView(x, p.ops);
    const v = p.ops.length === 0 ? x : basicView(x, p.ops);
    const a = advanced(v, p.adv, 'index', p.desc);
    try {
      return gatherAdvanced(v, a);
    } finally {
      for (const t of a.owned) t.dispose();
    }
  } finally {
    for (const t of p.owned) t.dispose();
  }
}

/** PyTorch's slicePrefix1sSize: a value's leading size-1 dims are dropped before broadcasting. */
function stripLeadingOnes(value: Tensor): Tensor {
  let k = 0;
  while (k < value.ndim && value.shape[k] === 1) k++;
  return k === 0 ? value : value.reshape(value.shape.slice(k));
}

function checkValueShape(value: Tensor, shape: readonly number[], op: string, desc: string): void {
  let ok = true;
  try {
    ok = sameShape(broadcastShapes(value.shape, shape, op), shape);
  } catch {
    ok = false;
  }
  if (!ok) throw new RangeError(`${op}: shape mismatch: value tensor of shape ${shapeStr(value.shape)} cannot be broadcast to indexing result of shape ${shapeStr(shape)} ([${desc}])`);
}

/**
 * x[pieces] = value, in place (returns x): `pieces` is one piece or an array of pieces (a string is
 * parsed as in index(); to index with an integer list, wrap it: [[0, 2]]); value a number or a tensor
 * broadcast to x.index(...pieces)'s shape (its leading size-1 dims dropped first, as PyTorch). Basic
 * pieces: view.copy_(value) (converted to x's dtype); with index tensors or masks: indexPut_ (value
 * of x's dtype, duplicates: one of the writes wins). Autograd and version counting as PyTorch's.
 * @example x.indexSet_(':, 0', 1) // x[:, 0] = 1; x.indexSet_([mask], 0) // x[mask] = 0
 */
export function indexSet_<T extends Tensor>(x: T, pieces: IndexPiece | readonly IndexPiece[], value: TensorOrScalar): T {
  const op = 'indexSet_';
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: self must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  x._checkLive();
  if (typeof value !== 'number' && !(value instanceof Tensor)) throw new TypeError(`${op}: value must be a number or a Tensor, got ${value === null ? 'null' : typeof value}`);
  const list = Array.isArray(pieces) ? (pieces as readonly IndexPiece[]) : [pieces as IndexPiece];
  const p = plan(x, list, op);
  const temps: Tensor[] = [];
  try {
    const val = typeof value === 'number' ? value : stripLeadingOnes(value);
    if (val !== value) temps.push(val as Tensor);
    if (p.adv.length === 0) {
      const v = basicView(x, p.ops);
      temps.push(v);
      if (typeof val !== 'number') checkValueShape(val, v.shape, op, p.desc);
      v.copy_(val);
      return x;
    }
    const v = p.ops.length === 0 ? x : basicView(x, p.ops);
    if (v !== x) temps.push(v);
    const a = advanced(v, p.adv, op, p.desc);
    try {
      let vals: TensorOrScalar = val;
      if (typeof val !== 'number') {
        if (val.dtype !== x.dtype) throw new TypeError(`${op}: Index put requires the source and destination dtypes match, got ${x.dtype} for the destination and ${val.dtype} for the source ([${p.desc}])`);
        checkValueShape(val, a.shape, op, p.desc);
        let w = sameShape(val.shape, a.shape) ? val : val.expand(a.shape);
        if (w !== val) temps.push(w);
        if (a.perm !== null) {
          const inv = new Array<number>(a.perm.length);
          a.perm.forEach((d, i) => (inv[d] = i));
          w = w.permute(inv);
          temps.push(w);
        }
        vals = w;
      }
      const vp = indexedFirst(v, a.dims);
      if (vp !== v) temps.push(vp);
      IM.indexPut_(vp, a.idx, vals);
    } finally {
      for (const t of a.owned) t.dispose();
    }
    return x;
  } finally {
    for (const t of temps) t.dispose();
    for (const t of p.owned) t.dispose();
  }
}
