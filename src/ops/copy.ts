/** Copies, dtype conversion and the in-place machinery (`fill_`, `copy_`, `add_`, `.data = ...`). */
import { K } from '../backends/index.js';
import { writeMeta, writeMeta1 } from '../backends/memory.js';
import { record } from '../autograd/node.js';
import { isGradEnabled, noGrad } from '../autograd/mode.js';
import { checkDType, checkValue, type DType } from '../tensor/dtype.js';
import { broadcastStrides, broadcastShapes, sameShape, shapeStr } from '../tensor/shape.js';
import { Tensor, type TensorOrScalar } from '../tensor/tensor.js';
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
    K().copy_strided(sp, dp, writeMeta1(n, dst.ndim === 0 ? 0 : src.strides[0]!, dst.ndim === 0 ? 0 : dst.strides[0]!));
    return;
  }
  if (dst.numel() === 0) return;
  const sp = src.ptr;
  const dp = dst.ptr;
  const shape = dst.ndim === 0 ? [1] : dst.shape;
  const sStr = dst.ndim === 0 ? [0] : broadcastStrides(src.shape, src.strides, dst.shape);
  const dStr = dst.ndim === 0 ? [0] : dst.strides;
  K().copy_strided(sp, dp, writeMeta(shape, sStr, dStr));
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

/** A copy with its own storage. Differentiable. */
export function clone(x: Tensor): Tensor {
  return record(rawContiguous(x), 'CloneBackward0', [x], [], (g) => [g]);
}

/** x converted to `dtype` (x itself when it already has it). float32 -> float32 keeps the graph. */
export function toDType(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  checkDType(dtype, 'to');
  const src = x.isContiguous() ? x : rawContiguous(x);
  const out = Tensor.empty(x.shape, dtype);
  const n = x.numel();
  if (n > 0) {
    if (dtype === 'float32') K().cast_i32_f32(src.ptr, out.ptr, n);
    else if (x.dtype === 'float32') {
      if (dtype === 'bool') {
        const z = fullLike(src, 0, { dtype: 'float32' });
        K().ne_f32(src.ptr, z.ptr, out.ptr, writeMeta([n], [1], [1]));
        z.dispose();
      } else K().cast_f32_i32(src.ptr, out.ptr, n);
    } else if (dtype === 'bool') {
      // int32 -> bool: nonzero test through float (exact for |v| < 2^24; nonzero-ness is kept for all values)
      const f = Tensor.empty(x.shape, 'float32');
      K().cast_i32_f32(src.ptr, f.ptr, n);
      const z = fullLike(f, 0);
      K().ne_f32(f.ptr, z.ptr, out.ptr, writeMeta([n], [1], [1]));
      f.dispose();
      z.dispose();
    } else {
      K().copy_strided(src.ptr, out.ptr, writeMeta([n], [1], [1])); // bool -> int32: same bits
    }
  }
  if (src !== x) src.dispose();
  return out;
}

/** Throws PyTorch's error for in-place changes to leaves that require grad, and for disposed tensors. */
export function checkInplace(self: Tensor, op: string): void {
  void self.ptr; // throws on a disposed tensor
  if (isGradEnabled() && self.requiresGrad && self.isLeaf) {
    throw new Error(
      `${op}: a leaf tensor that requires grad (shape ${shapeStr(self.shape)}) cannot be modified in place; ` +
        'do it inside noGrad(() => ...) or on .data',
    );
  }
}

/** Writes `values` (broadcast to self's shape) into self, bumping the version. */
function writeValues(self: Tensor, values: Tensor, op: string): void {
  broadcastShapes(values.shape, self.shape, op);
  if (!sameShape(broadcastShapes(values.shape, self.shape, op), self.shape)) {
    throw new RangeError(`${op}: a value of shape ${shapeStr(values.shape)} cannot be written into a tensor of shape ${shapeStr(self.shape)}`);
  }
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
  if (self.ndim <= 1) {
    const n = self.ndim === 0 ? 1 : self.shape[0]!;
    if (n > 0) {
      const meta = writeMeta1(n, self.ndim === 0 ? 0 : self.strides[0]!);
      if (self.dtype === 'float32') K().fill_f32(self.ptr, value, meta);
      else K().fill_i32(self.ptr, self.dtype === 'bool' ? (value !== 0 ? 1 : 0) : Math.trunc(value), meta);
    }
  } else if (self.numel() > 0) {
    const meta = writeMeta(self.shape, self.strides);
    if (self.dtype === 'float32') K().fill_f32(self.ptr, value, meta);
    else K().fill_i32(self.ptr, self.dtype === 'bool' ? (value !== 0 ? 1 : 0) : Math.trunc(value), meta);
  }
  self.storage.version++;
  if (isGradEnabled() && self.requiresGrad) {
    // As in PyTorch the tensor keeps requiring grad, but its new values depend on nothing: its new node
    // sends no gradient to the old history.
    const prev = self.detach();
    prev.gradFn = self.gradFn;
    prev._setRequiresGrad(true);
    record(self, 'FillBackward0', [prev], [], () => [null]);
    prev.dispose();
  }
  return self;
}

/** Copies `src` (broadcast) into self. */
export function copy_<T extends Tensor>(self: T, src: TensorOrScalar): T {
  if (typeof src === 'number') return fill_(self, src);
  checkInplace(self, 'copy_');
  if (isGradEnabled() && src.requiresGrad) {
    return inplace(self, (_a, b) => (b as Tensor).add(zerosLike(self)), src, undefined, 'copy_');
  }
  writeValues(self, src, 'copy_');
  return self;
}

/**
 * Runs an out-of-place op and writes its result into self. When autograd is recording, self takes over
 * the result's history (PyTorch rebases the graph the same way).
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
  if (r.dtype === 'float32' && self.dtype !== 'float32') {
    r.dispose();
    throw new TypeError(`${name}: result type float32 cannot be stored in a tensor of dtype ${self.dtype}`);
  }
  if (r.requiresGrad && self._base !== null) {
    throw new Error(`${name}: in-place operations on views of tensors that require grad are not supported; use the out-of-place op`);
  }
  writeValues(self, r, name);
  if (r.requiresGrad) {
    self.gradFn = r.gradFn;
    self._setRequiresGrad(true);
  } else {
    r.dispose();
  }
  return self;
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

export { fillContiguous };
