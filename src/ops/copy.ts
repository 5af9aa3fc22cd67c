/** Copies, dtype conversion and the in-place machinery (`fill_`, `copy_`, `add_`, `.data = ...`). */
import { kernels } from '../backends/index.js';
import { writeMeta, writeMeta1 } from '../backends/memory.js';
import { isNoGradViewOfGrad, record } from '../autograd/node.js';
import { isGradEnabled, noGrad } from '../autograd/mode.js';
import { checkDType, checkValue, type DType } from '../tensor/dtype.js';
import { broadcastStrides, broadcastShapes, sameShape, shapeStr } from '../tensor/shape.js';
import { NO_GRAD_VIEW, Tensor, type TensorOrScalar } from '../tensor/tensor.js';
import { fillContiguous, fullLike, onesLike, zerosLike } from '../tensor/creation.js';

export { onesLike, zerosLike };

/** Kernel-level strided copy of src (broadcast to dst's shape) into dst's elements. No autograd. */
export function copyInto(dst: Tensor, src: Tensor): void {
  if (dst.ndim <= 1 && src.ndim === dst.ndim && src.shape[0] === dst.shape[0]) {
    // 0-d or 1-D of one length: no broadcasting, one run
    const n = dst.ndim === 0 ? 1 : dst.shape[0]!;
    if (n === 0) return;
    const sp = src.ptr;
    const dp = dst.ptr;
    kernels().copy_strided(sp, dp, writeMeta1(n, dst.ndim === 0 ? 0 : src.strides[0]!, dst.ndim === 0 ? 0 : dst.strides[0]!));
    return;
  }
  if (dst.numel() === 0) return;
  const sp = src.ptr;
  const dp = dst.ptr;
  const shape = dst.ndim === 0 ? [1] : dst.shape;
  const sStr = dst.ndim === 0 ? [0] : broadcastStrides(src.shape, src.strides, dst.shape);
  const dStr = dst.ndim === 0 ? [0] : dst.strides;
  kernels().copy_strided(sp, dp, writeMeta(shape, sStr, dStr));
}

/** A contiguous copy without autograd, same dtype. */
export function rawContiguous(x: Tensor): Tensor {
  const out = Tensor.empty(x.shape, x.dtype);
  copyInto(out, x);
  return out;
}

/** A contiguous version of x (x itself when it already is). Differentiable. */
export function contiguous(x: Tensor): Tensor {
  x._checkLive();
  if (x.isContiguous()) return x;
  return record(rawContiguous(x), 'CloneBackward0', [x], [], (g) => [g]);
}

/**
 * A copy with its own storage (`memoryFormat: 'contiguous'`: row-major), laid out as x when x's elements fill their memory without gaps or overlaps
 * (a transposed or permuted tensor: PyTorch's preserve_format), else row-major. Differentiable.
 */
export function clone(x: Tensor, options?: { memoryFormat?: 'preserve' | 'contiguous' }): Tensor {
  x._checkLive();
  let format = 'preserve';
  if (options !== undefined) {
    for (const k of Object.keys(options)) {
      if (k !== 'memoryFormat') throw new TypeError(`clone: unknown option '${k}'${k === 'memory_format' ? " (did you mean 'memoryFormat'?)" : ''}; the only option is memoryFormat`);
    }
    format = options.memoryFormat ?? 'preserve';
    if (format !== 'preserve' && format !== 'contiguous') {
      throw new TypeError(`clone: memoryFormat must be 'preserve' or 'contiguous', got ${JSON.stringify(format)}`);
    }
  }
  const strides = format === 'contiguous' || x.isContiguous() ? null : denseStrides(x);
  let out: Tensor;
  if (strides === null) {
    out = rawContiguous(x);
  } else {
    out = Tensor.emptyStrided(x.shape, strides, x.dtype);
    copyInto(out, x);
  }
  return record(out, 'CloneBackward0', [x], [], (g) => [g]);
}

/**
 * x's strides when its elements exactly fill numel consecutive elements in some order of dims (non-overlapping
 * and dense), else null. Size-1 dims are placed like PyTorch's empty_like does: their stride is kept.
 */
export function denseStrides(x: Tensor): readonly number[] | null {
  const n = x.ndim;
  if (x.numel() <= 1) return null;
  const dims: number[] = [];
  for (let i = 0; i < n; i++) if (x.shape[i] !== 1) dims.push(i);
  dims.sort((a, b) => x.strides[a]! - x.strides[b]!);
  let expected = 1;
  for (const d of dims) {
    if (x.strides[d] !== expected) return null;
    expected *= x.shape[d]!;
  }
  return x.strides;
}

/** x converted to `dtype` (x itself when it already has it). float32 -> float32 keeps the graph. */
export function toDType(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  checkDType(dtype, 'to');
  const src = x.isContiguous() ? x : rawContiguous(x);
  const out = Tensor.empty(x.shape, dtype);
  const n = x.numel();
  if (n > 0) {
    if (dtype === 'float32') kernels().cast_i32_f32(src.ptr, out.ptr, n);
    else if (x.dtype === 'float32') {
      if (dtype === 'bool') {
        const z = fullLike(src, 0, { dtype: 'float32' });
        kernels().ne_f32(src.ptr, z.ptr, out.ptr, writeMeta([n], [1], [1]));
        z.dispose();
      } else kernels().cast_f32_i32(src.ptr, out.ptr, n);
    } else if (dtype === 'bool') {
      // int32 -> bool: nonzero test through float (exact for |v| < 2^24; nonzero-ness is kept for all values)
      const f = Tensor.empty(x.shape, 'float32');
      kernels().cast_i32_f32(src.ptr, f.ptr, n);
      const z = fullLike(f, 0);
      kernels().ne_f32(f.ptr, z.ptr, out.ptr, writeMeta([n], [1], [1]));
      f.dispose();
      z.dispose();
    } else {
      kernels().copy_strided(src.ptr, out.ptr, writeMeta([n], [1], [1])); // bool -> int32: same bits
    }
  }
  if (src !== x) src.dispose();
  return out;
}

/** t as float32: t itself when it already is, else a converted copy (the caller disposes it). */
export function asFloat32(t: Tensor): Tensor {
  return t.dtype === 'float32' ? t : toDType(t, 'float32');
}

/**
 * Throws, before anything is written, for in-place changes PyTorch refuses: a disposed tensor, a tensor
 * whose elements share memory (an expanded view), and, with grad mode on, a leaf that requires grad or a
 * view of one.
 */
export function checkInplace(self: Tensor, op: string): void {
  void self.ptr; // throws on a disposed tensor
  for (let i = 0; i < self.ndim; i++) {
    if (self.strides[i] === 0 && self.shape[i]! > 1) {
      throw new Error(
        `${op}: more than one element of the written-to tensor (shape ${shapeStr(self.shape)}, strides ${shapeStr(self.strides)}) ` +
          'refers to a single memory location; call .clone() before the in-place operation',
      );
    }
  }
  if (!isGradEnabled()) return;
  if (isNoGradViewOfGrad(self)) throw noGradViewError(self, op);
  if (self.requiresGrad && self.isLeaf) {
    throw new Error(
      `${op}: a leaf tensor that requires grad (shape ${shapeStr(self.shape)}) cannot be modified in place; ` +
        'do it inside noGrad(() => ...) or on .data',
    );
  }
  const base = self._base;
  if (base !== null && self._viewFn !== null && base.requiresGrad && base.isLeaf) {
    throw new Error(
      `${op}: a view of a leaf tensor that requires grad (view shape ${shapeStr(self.shape)}, leaf shape ${shapeStr(base.shape)}) ` +
        'cannot be modified in place; do it inside noGrad(() => ...) or on .data',
    );
  }
}

function noGradViewError(self: Tensor, op: string): Error {
  return new Error(
    `${op}: this view (shape ${shapeStr(self.shape)}) was made in no-grad mode and is being modified in place with grad mode on, ` +
      'which autograd cannot follow (PyTorch forbids it too); make the view and the in-place op both inside or both outside noGrad, or clone() the view',
  );
}

/** Throws unless `values` broadcasts to self's shape (what an in-place op may write into self). */
function checkWritable(self: Tensor, values: Tensor, op: string): void {
  if (!sameShape(broadcastShapes(values.shape, self.shape, op), self.shape)) {
    throw new RangeError(`${op}: a value of shape ${shapeStr(values.shape)} cannot be written into a tensor of shape ${shapeStr(self.shape)}`);
  }
}

/** Writes `values` (broadcast to self's shape, checked by checkWritable) into self, bumping the version. */
function writeValues(self: Tensor, values: Tensor): void {
  const src = values.dtype === self.dtype ? values : toDType(values, self.dtype);
  copyInto(self, src);
  if (src !== values) src.dispose();
  self.storage.version++;
}

/** Sets every element to `value`. */
export function fill_<T extends Tensor>(self: T, value: number): T {
  checkInplace(self, 'fill_');
  if (typeof value !== 'number') throw new TypeError(`fill_: value must be a number, got ${typeof value}`);
  checkValue(value, self.dtype, 'fill_');
  // Recorded as PyTorch's fill_: the new values depend on nothing, so the old history gets zeros.
  if (isGradEnabled() && self.requiresGrad) return inplace(self, (a) => filled(a as Tensor, value), 0, undefined, 'fill_');
  if (self.ndim <= 1) {
    const n = self.ndim === 0 ? 1 : self.shape[0]!;
    if (n > 0) {
      const meta = writeMeta1(n, self.ndim === 0 ? 0 : self.strides[0]!);
      if (self.dtype === 'float32') kernels().fill_f32(self.ptr, value, meta);
      else kernels().fill_i32(self.ptr, self.dtype === 'bool' ? (value !== 0 ? 1 : 0) : Math.trunc(value), meta);
    }
  } else if (self.numel() > 0) {
    const meta = writeMeta(self.shape, self.strides);
    if (self.dtype === 'float32') kernels().fill_f32(self.ptr, value, meta);
    else kernels().fill_i32(self.ptr, self.dtype === 'bool' ? (value !== 0 ? 1 : 0) : Math.trunc(value), meta);
  }
  self.storage.version++;
  return self;
}

/** A tensor like `a` filled with `value`; its gradient with respect to `a` is zero (FillBackward0). */
function filled(a: Tensor, value: number): Tensor {
  return record(fullLike(a, value), 'FillBackward0', [a], [], (g) => [zerosLike(g)]);
}

/** Copies `src` (broadcast, converted to self's dtype) into self. */
export function copy_<T extends Tensor>(self: T, src: TensorOrScalar): T {
  if (typeof src === 'number') return fill_(self, src);
  if (!(src instanceof Tensor)) throw new TypeError(`copy_: src must be a Tensor or a number, got ${src === null ? 'null' : typeof src}`);
  checkInplace(self, 'copy_');
  void src.ptr; // throws on a disposed source
  checkWritable(self, src, 'copy_');
  // Recorded as PyTorch's copy_ (CopyBackwards): self's old values get zeros, src gets the gradient.
  if (isGradEnabled() && self.dtype === 'float32' && (self.requiresGrad || src.requiresGrad)) {
    return inplace(self, (a, b) => copied(a as Tensor, b as Tensor), src, undefined, 'copy_');
  }
  writeValues(self, src);
  return self;
}

/** src's values at a's shape and dtype (a's values are not read); gradients: zeros for a, g for src. */
function copied(a: Tensor, src: Tensor): Tensor {
  const out = Tensor.empty(a.shape, a.dtype);
  const s = src.dtype === a.dtype ? src : toDType(src, a.dtype);
  copyInto(out, s);
  if (s !== src) s.dispose();
  return record(out, 'CopyBackwards', [a, src], [], (g, _s, needs) => [needs[0] ? zerosLike(g) : null, needs[1] ? g : null]);
}

/**
 * Runs an out-of-place op and writes its result into self. When autograd records the result, self takes
 * over its history; when self is a view, its base's history becomes a CopySlices node (the base's old
 * history outside the view, the op's inside), and every view of the base follows it (Tensor._syncView).
 */
export function inplace<T extends Tensor>(
  self: T,
  op: (a: TensorOrScalar, b: TensorOrScalar, alpha?: number) => Tensor,
  other: TensorOrScalar,
  alpha: number | undefined,
  name: string,
): T {
  checkInplace(self, name);
  let r = alpha === undefined ? op(self, other) : op(self, other, alpha);
  if (r.gradFn?.saved?.some((t) => t.storage === self.storage)) {
    // The op saved self for backward (clamp_, mul_ by a tensor that requires grad): writing into self would
    // invalidate it, so compute from a copy of the old values instead (PyTorch's original_self).
    r.dispose();
    const old = clone(self);
    r = alpha === undefined ? op(old, other) : op(old, other, alpha);
  }
  try {
    if (r.dtype === 'float32' && self.dtype !== 'float32') {
      throw new TypeError(`${name}: result type float32 cannot be stored in a tensor of dtype ${self.dtype}`);
    }
    checkWritable(self, r, name);
    if (r.requiresGrad && self._viewFn === NO_GRAD_VIEW) throw noGradViewError(self, name);
    if (r.requiresGrad && self._multiOutputOf !== null) {
      throw new Error(
        `${name}: output of ${self._multiOutputOf} (shape ${shapeStr(self.shape)}) is a view and is being modified in place. ` +
          'It is one of several views returned by one function (split, chunk, unbind), which PyTorch does not allow to be modified in place; use the out-of-place op, or clone() the piece',
      );
    }
  } catch (e) {
    r.dispose();
    throw e;
  }
  writeValues(self, r);
  if (r.requiresGrad) rebaseHistory(self, r);
  if (r !== self) r._releaseToGraph();
  return self;
}

/** self's values were just set to r's: self (or, for a view, its base) takes r's history. */
function rebaseHistory(self: Tensor, r: Tensor): void {
  const viewFn = self._viewFn;
  if (viewFn === null) {
    const prev = self._gradFn;
    self.gradFn = r.gradFn;
    if (prev !== null && prev.retained === self) {
      prev.retained = null;
      self.gradFn!.retained = self;
    }
    self._setRequiresGrad(true);
    return;
  }
  const base = self._liveBase();
  // The base before the write, as an input: its old history, none if it required no grad.
  const old = base.detach();
  old._gradFn = base._gradFn;
  old._accum = base._accum;
  old._setRequiresGrad(base.requiresGrad);
  const shape = base.shape;
  record(base, 'CopySlices', [old, r], [], (g, _s, needs) => [needs[0] ? g.mul(outsideMask(shape, viewFn)) : null, needs[1] ? viewFn(g) : null]);
  old.dispose();
}

/** Ones of `shape` with zeros where `viewFn` sees them: what an in-place op on that view left of the old values. */
function outsideMask(shape: readonly number[], viewFn: (b: Tensor) => Tensor): Tensor {
  return noGrad(() => {
    const m = fillContiguous(Tensor.empty(shape), 1);
    const part = viewFn(m);
    fill_(part, 0);
    part.dispose();
    return m;
  });
}

/** `t.data = v`: replaces the values (in place when the shape matches, so optimizers keep their reference). */
export function setData(self: Tensor, v: Tensor): void {
  if (!(v instanceof Tensor)) throw new TypeError(`data: expected a Tensor, got ${typeof v}`);
  if (v.dtype === self.dtype && sameShape(self.shape, v.shape)) {
    copyInto(self, v); // records nothing, so no grad-mode switch is needed
    return;
  }
  noGrad(() => {
    if (sameShape(self.shape, v.shape) && v.dtype === self.dtype) {
      copyInto(self, v);
    } else {
      const tmp = v.dtype === self.dtype ? rawContiguous(v) : toDType(v, self.dtype);
      self._replaceWith(tmp);
      if (tmp !== v) tmp.dispose();
    }
  });
}
