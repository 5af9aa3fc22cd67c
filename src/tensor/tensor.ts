/**
 * Tensor: a strided view (shape, strides, offset) over a Storage in WebAssembly memory, plus the
 * autograd fields. The math lives in src/ops (one file per family); the methods here only forward to it,
 * so `x.add(y)` and `add(x, y)` are the same function.
 */
import { heap } from '../backends/memory.js';
import type { Node, AccumulateGrad } from '../autograd/node.js';
import { backward as runBackward } from '../autograd/engine.js';
import { isGradEnabled, setGradEnabled } from '../autograd/mode.js';
import { type DType } from './dtype.js';
import { contiguousStrides, isContiguous, MAX_DIMS, numelOf, sameShape, shapeStr, type Shape } from './shape.js';
import { Storage } from './storage.js';
import { formatTensor } from './format.js';
import * as U from '../ops/unary.js';
import * as B from '../ops/binary.js';
import * as R from '../ops/reduce.js';
import * as V from '../ops/view.js';
import * as I from '../ops/indexing.js';
import * as M from '../ops/matmul.js';
import * as S from '../ops/softmax.js';
import * as C from '../ops/copy.js';
import * as A from '../ops/activation.js';
import * as MA from '../ops/math.js';
import * as LA from '../ops/linalg.js';
import * as IM from '../ops/indexing-more.js';
import * as PI from '../ops/python-index.js';
import * as SH from '../ops/shape.js';
import * as RM from '../ops/reduce-more.js';
import * as CR from '../ops/creation-random.js';
import * as BM from '../ops/binary-math.js';

/**
 * Tensors created while a scope is open are pushed here and marked `_temp` (the autograd engine's
 * temporaries, which it frees itself).
 */
export const creationScope: { current: Tensor[] | null } = { current: null };

/** Shared dims/strides arrays of 0-d and 1-D contiguous tensors (never mutated). */
const NO_DIMS: readonly number[] = Object.freeze([]);
const UNIT_STRIDES: readonly number[] = Object.freeze([1]);

/** The methods made from a module of ops whose first argument is the tensor: x.name(...a) is name(x, ...a). */
type MethodsOf<M> = { [K in keyof M]: M[K] extends (x: Tensor, ...a: infer A) => infer R ? (...a: A) => R : never };

/** Makes a view of a tensor with the same view op(s) as a given view was made (see Tensor._view). */
export type ViewFn = (base: Tensor) => Tensor;
/** @internal _viewFn of views made while grad mode was off. */
export const NO_GRAD_VIEW: ViewFn = () => {
  throw new Error('internal: a view made in no-grad mode cannot be replayed');
};

export type Scalar = number;
export type TensorOrScalar = Tensor | number;

export interface BackwardOptions {
  retainGraph?: boolean;
  createGraph?: boolean;
}

export class Tensor {
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  /** Element offset of this view into its storage. */
  readonly offset: number;
  readonly dtype: DType;
  /** @internal */ storage: Storage;
  /** @internal the node that made this tensor (see the gradFn accessor). */
  _gradFn: Node | null = null;
  /** @internal accumulator node of a leaf that requires grad (made on demand). */
  _accum: AccumulateGrad | null = null;
  /**
   * @internal the tensor that owns the memory when this tensor is a view made by a view op (select,
   * narrow, view, transpose, ...): never itself a view. detach() and internal aliases have none.
   */
  _base: Tensor | null = null;
  /**
   * @internal how to make this view again from `_base` with view ops (PyTorch's view replay): used when
   * an in-place op changed the base's history, so this view's history follows (see _syncView). NO_GRAD_VIEW
   * for a view made while grad mode was off, which must not be modified in place with grad mode on.
   */
  _viewFn: ViewFn | null = null;
  /** @internal the storage version at which this view's gradFn was last made from its base's. */
  _viewVersion = 0;
  /**
   * @internal the backward node name of the function that returned this view among several (split, chunk:
   * 'SplitBackward0'; unbind: 'UnbindBackward0'), also for views of it; null otherwise. As in PyTorch, such
   * a view must not be modified in place while autograd records, nor used after its base was.
   */
  _multiOutputOf: string | null = null;
  private _requiresGrad = false;
  private _grad: Tensor | null = null;
  /**
   * @internal whether the current `.grad` tensor may be referenced outside the library: set when user code
   * reads or assigns `.grad`. Until then zeroGrad() can free the gradient's memory at once (_dropGrad).
   */
  _gradShared = false;
  private _disposed = false;
  /** @internal backward engine: number of pending gradient slots holding this tensor. */
  _pend = 0;
  /** @internal backward engine: a temporary the engine made and will dispose. */
  _temp = false;
  /** @internal graph nodes holding this tensor as saved for backward and not yet released. */
  _saves = 0;
  /**
   * @internal an intermediate only graph nodes still hold (see Sequential.forward): disposed when the last
   * of them is released.
   */
  _graphOwned = false;

  /** @internal Use the creation functions (tensor, zeros, ...) instead. */
  constructor(storage: Storage, shape: readonly number[], strides: readonly number[], offset: number, dtype: DType) {
    // Ops check this themselves, naming the op; this guard keeps any other path away from the kernels' limit.
    if (shape.length > MAX_DIMS) throw new RangeError(`tensors have at most ${MAX_DIMS} dimensions, got shape ${shapeStr(shape)}`);
    this.storage = storage;
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
    this.dtype = dtype;
    storage.refs++;
    if (creationScope.current !== null) {
      this._temp = true;
      creationScope.current.push(this);
    }
  }

  /** @internal A fresh contiguous tensor with uninitialised contents. */
  static empty(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    const nd = shape.length;
    if (nd === 0) return new Tensor(new Storage(4), NO_DIMS, NO_DIMS, 0, dtype);
    if (nd === 1) return new Tensor(new Storage(shape[0]! * 4), shape, UNIT_STRIDES, 0, dtype);
    return new Tensor(new Storage(numelOf(shape) * 4), shape, contiguousStrides(shape), 0, dtype);
  }

  /** @internal A fresh tensor with uninitialised contents laid out with `strides` (dense: see denseStrides). */
  static emptyStrided(shape: readonly number[], strides: readonly number[], dtype: DType): Tensor {
    return new Tensor(new Storage(numelOf(shape) * 4), shape, strides, 0, dtype);
  }

  /**
   * @internal A view sharing this tensor's storage (none of a disposed tensor, even if its storage lives on).
   * `replay` makes the same view of another tensor of this tensor's shape with the same view op, so the
   * view can be made again from its base after an in-place op (see _syncView).
   */
  _view(shape: readonly number[], strides: readonly number[], offset: number, replay: ViewFn): Tensor {
    this._checkLive();
    const t = new Tensor(this.storage, shape, strides, offset, this.dtype);
    const parent = this._viewFn;
    t._base = this._base ?? this;
    t._viewVersion = this.storage.version;
    t._multiOutputOf = this._multiOutputOf;
    if (!isGradEnabled() || parent === NO_GRAD_VIEW) {
      // As PyTorch: it reports its base's requiresGrad but has no history, and gradients reaching it are
      // dropped (autograd/node.ts edgeOf); modifying it in place with grad mode on throws (ops/copy.ts).
      t._viewFn = NO_GRAD_VIEW;
      t._requiresGrad = this.requiresGrad;
    } else {
      t._viewFn = parent === null ? replay : (b) => replay(parent(b));
    }
    return t;
  }

  /**
   * @internal A tensor over this tensor's memory that is not a view for autograd (PyTorch's _unsafe_view /
   * alias of an op's own intermediate): an op hands it out as a fresh result, so in-place changes to it
   * concern only its own history.
   */
  _alias(shape: readonly number[], strides: readonly number[]): Tensor {
    this._checkLive();
    return new Tensor(this.storage, shape, strides, this.offset, this.dtype);
  }

  /**
   * @internal Brings a view's history up to date: when its memory was modified in place since its gradFn
   * was made, the base's history may have moved on (CopySlices, or an in-place op on the base), so the view
   * is made again from the base with the same view ops, and takes that view's gradFn (PyTorch does the
   * same lazily, when a view's version differs from the one its grad_fn was made at).
   */
  private _syncView(): void {
    this._viewVersion = this.storage.version;
    const fn = this._viewFn;
    if (fn === null || fn === NO_GRAD_VIEW) return;
    const base = this._liveBase();
    if (base._gradFn === null && !base._requiresGrad) return;
    if (this._multiOutputOf !== null) {
      this._viewVersion = -1; // stays stale: every later use throws too
      throw new Error(
        `Output of ${this._multiOutputOf} (shape ${shapeStr(this.shape)}) is a view and its base or another view of its base has been modified in place. ` +
          'This view is one of several returned by one function (split, chunk, unbind), which PyTorch does not allow to be used after an in-place change of their base; clone() the pieces first',
      );
    }
    const prevMode = setGradEnabled(true);
    const prevScope = creationScope.current;
    creationScope.current = null;
    try {
      const replayed = fn(base);
      this._gradFn = replayed._gradFn;
      this._requiresGrad = replayed._requiresGrad;
      replayed.dispose();
    } finally {
      creationScope.current = prevScope;
      setGradEnabled(prevMode);
    }
  }

  /** @internal whether this view's history may be older than its base's (see _syncView). */
  private _stale(): boolean {
    return this._base !== null && this._viewVersion !== this.storage.version;
  }

  /**
   * @internal A live stand-in for this disposed base, for views that outlive it: same memory, history
   * and gradient accumulator. The views of the base then use it as their base.
   */
  _revive(): Tensor {
    const prevScope = creationScope.current;
    creationScope.current = null; // not an engine temporary, even when made during backward
    const t = new Tensor(this.storage, this.shape, this.strides, this.offset, this.dtype);
    creationScope.current = prevScope;
    t._gradFn = this._gradFn;
    t._requiresGrad = this._requiresGrad;
    t._accum = this._accum;
    this._revived = t;
    return t;
  }
  /** @internal see _revive. */
  _revived: Tensor | null = null;

  /** @internal the base of this view, live (a disposed base is replaced by its stand-in). */
  _liveBase(): Tensor {
    let b = this._base!;
    while (b._disposed) b = b._revived ?? b._revive();
    this._base = b;
    return b;
  }

  // ---- metadata ----
  get ndim(): number {
    return this.shape.length;
  }
  numel(): number {
    return numelOf(this.shape);
  }
  size(dim?: number): number | readonly number[] {
    if (dim === undefined) return this.shape;
    return this.shape[dim < 0 ? dim + this.ndim : dim]!;
  }
  /** @internal byte address of element 0 of this view; throws if the tensor was disposed. */
  get ptr(): number {
    this._checkLive();
    return this.storage.ptr + this.offset * 4;
  }
  /** @internal throws if this tensor was disposed (or its storage freed). */
  _checkLive(): void {
    if (this._disposed || this.storage.ptr < 0) throw new Error(`tensor of shape ${shapeStr(this.shape)} was used after dispose()`);
  }
  isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  // ---- autograd fields ----
  /** The node that made this tensor (null for leaves), PyTorch's grad_fn. */
  get gradFn(): Node | null {
    if (this._stale()) this._syncView();
    return this._gradFn;
  }
  set gradFn(node: Node | null) {
    this._gradFn = node;
    if (this._base !== null) this._viewVersion = this.storage.version;
  }
  get requiresGrad(): boolean {
    if (this._stale()) {
      // (reading it never throws, as in PyTorch: a stale view of several throws when its history is used)
      if (this._multiOutputOf !== null) return this._requiresGrad || this._base!.requiresGrad;
      this._syncView();
    }
    return this._requiresGrad;
  }
  set requiresGrad(v: boolean) {
    if (v && this.dtype !== 'float32') {
      throw new TypeError(`requiresGrad: only float32 tensors can require gradients, got ${this.dtype}`);
    }
    if (!v && this.gradFn !== null) {
      throw new Error('requiresGrad: cannot turn off requiresGrad on a non-leaf tensor; use detach()');
    }
    this._requiresGrad = v;
  }
  /** @internal marks an op result as part of the graph. */
  _setRequiresGrad(v: boolean): void {
    this._requiresGrad = v;
  }
  requiresGrad_(v = true): this {
    this.requiresGrad = v;
    return this;
  }
  get grad(): Tensor | null {
    this._gradShared = true;
    return this._grad;
  }
  set grad(g: Tensor | null) {
    if (g !== null && !(g instanceof Tensor)) throw new TypeError(`grad: assigned gradient must be a Tensor or null, got ${typeof g}`);
    if (g !== null && g.dtype !== this.dtype) {
      throw new TypeError(`grad: assigned gradient has dtype ${g.dtype} but the tensor has dtype ${this.dtype}`);
    }
    if (g !== null && !sameShape(g.shape, this.shape)) {
      throw new RangeError(`grad: assigned gradient has shape ${shapeStr(g.shape)} but the tensor has shape ${shapeStr(this.shape)}`);
    }
    this._grad = g;
    this._gradShared = true;
  }
  /** @internal `.grad` as the library reads it (optimizers, the engine): does not count as handing it out. */
  _peekGrad(): Tensor | null {
    return this._grad;
  }
  /** @internal sets `.grad` to a gradient the library made (the engine's accumulation). */
  _setGrad(g: Tensor): void {
    this._grad = g;
    this._gradShared = false;
  }
  /**
   * @internal `.grad = null` for zeroGrad(): when the gradient never left the library (user code never read
   * `.grad`, nothing else shares its storage, it is not part of a graph), its memory is freed now rather
   * than by a later garbage collection, so a training loop's gradients reuse the same blocks every step.
   */
  _dropGrad(): void {
    const g = this._grad;
    this._grad = null;
    if (g !== null && !this._gradShared && g.gradFn === null && !g.requiresGrad && g.storage.refs === 1) g.dispose();
    this._gradShared = false;
  }
  /** Keeps the gradient of this non-leaf tensor in `.grad` after backward. */
  retainGrad(): this {
    const node = this.gradFn;
    if (node !== null) node.retained = this;
    return this;
  }
  /**
   * Computes gradients of this tensor (a scalar, unless `gradient` is given) with respect to the leaves.
   * The options may also come first: `loss.backward({ retainGraph: true })`.
   */
  backward(gradient?: Tensor | null | BackwardOptions, options: BackwardOptions = {}): void {
    if (gradient != null && !(gradient instanceof Tensor)) {
      if (typeof gradient !== 'object' || Array.isArray(gradient)) {
        throw new TypeError(
          `backward: gradient must be a Tensor (or null for a scalar output), got ${Array.isArray(gradient) ? 'an array' : typeof gradient}`,
        );
      }
      options = gradient;
      gradient = null;
    }
    if (this._disposed) throw new Error(`backward: the output (shape ${shapeStr(this.shape)}) was disposed`);
    runBackward(this, gradient ?? null, options ?? {});
  }
  /** A view of the same storage, cut from the graph. */
  detach(): Tensor {
    this._checkLive();
    return new Tensor(this.storage, this.shape, this.strides, this.offset, this.dtype);
  }
  detach_(): this {
    this._gradFn = null;
    this._base = null;
    this._viewFn = null;
    this._requiresGrad = false;
    return this;
  }
  /** Detached alias sharing storage; assigning copies new values in (shape may change). */
  get data(): Tensor {
    return this.detach();
  }
  set data(v: Tensor) {
    C.setData(this, v);
  }
  /** @internal used by setData when the shape changes. */
  _replaceWith(src: Tensor): void {
    const self = this as { -readonly [K in keyof Tensor]: Tensor[K] };
    this.storage.release();
    src.storage.refs++;
    self.storage = src.storage;
    self.shape = src.shape;
    self.strides = src.strides;
    self.offset = src.offset;
    this._base = null;
    this._viewFn = null;
  }

  /**
   * @internal for an intermediate nothing outside the library references: free its memory once no graph
   * node needs it any more (now, if none saved it).
   */
  _releaseToGraph(): void {
    if (this._saves === 0) this.dispose();
    else this._graphOwned = true;
  }

  /** Releases the memory now (views keep it alive until they are released too). Using it later throws. */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    this._grad = null;
    this.storage.release();
  }
  get isDisposed(): boolean {
    return this._disposed;
  }

  // ---- reading values ----
  /** The single value of a one-element tensor. */
  item(): number {
    if (this.numel() !== 1) {
      throw new RangeError(`item: only one-element tensors can be converted to a number, got shape ${shapeStr(this.shape)}`);
    }
    const p = this.ptr >>> 2;
    return this.dtype === 'float32' ? heap.f32[p]! : heap.i32[p]!;
  }
  /** A contiguous copy of the values: Float32Array for float32, Int32Array otherwise. */
  toArray(): Float32Array | Int32Array {
    // a plain copy for reading: no autograd node (reading values uses no history)
    const c = this.isContiguous() ? this : C.rawContiguous(this);
    const p = c.ptr >>> 2;
    const n = c.numel();
    const out = this.dtype === 'float32' ? heap.f32.slice(p, p + n) : heap.i32.slice(p, p + n);
    if (c !== this) c.dispose();
    return out;
  }
  /** Nested arrays of numbers (booleans for bool), like PyTorch's tolist(). */
  tolist(): unknown {
    const flat = this.toArray();
    const conv = this.dtype === 'bool' ? (v: number) => v !== 0 : (v: number) => v;
    const build = (dim: number, base: number): unknown => {
      if (dim === this.ndim) return conv(flat[base]!);
      const out: unknown[] = [];
      const inner = numelOf(this.shape.slice(dim + 1));
      for (let i = 0; i < this.shape[dim]!; i++) out.push(build(dim + 1, base + i * inner));
      return out;
    };
    return build(0, 0);
  }
  toString(): string {
    return formatTensor(this);
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return formatTensor(this);
  }

  // ---- dtype ----
  to(dtype: DType): Tensor {
    return C.toDType(this, dtype);
  }
  float(): Tensor {
    return C.toDType(this, 'float32');
  }
  int(): Tensor {
    return C.toDType(this, 'int32');
  }
  bool(): Tensor {
    return C.toDType(this, 'bool');
  }

  // ---- copies ----
  clone(options?: { memoryFormat?: 'preserve' | 'contiguous' }): Tensor {
    return C.clone(this, options);
  }
  contiguous(): Tensor {
    return C.contiguous(this);
  }

  // ---- elementwise ----
  add(other: TensorOrScalar, alpha?: number): Tensor {
    return B.add(this, other, alpha);
  }
  sub(other: TensorOrScalar, alpha?: number): Tensor {
    return B.sub(this, other, alpha);
  }
  mul(other: TensorOrScalar): Tensor {
    return B.mul(this, other);
  }
  div(other: TensorOrScalar, options?: B.DivOptions): Tensor {
    return B.div(this, other, options);
  }
  floorDivide(other: TensorOrScalar): Tensor {
    return B.floorDivide(this, other);
  }
  remainder(other: TensorOrScalar): Tensor {
    return B.remainder(this, other);
  }
  fmod(other: TensorOrScalar): Tensor {
    return B.fmod(this, other);
  }
  pow(exponent: TensorOrScalar): Tensor {
    return B.pow(this, exponent);
  }
  maximum(other: TensorOrScalar): Tensor {
    return B.maximum(this, other);
  }
  minimum(other: TensorOrScalar): Tensor {
    return B.minimum(this, other);
  }
  eq(other: TensorOrScalar): Tensor {
    return B.eq(this, other);
  }
  ne(other: TensorOrScalar): Tensor {
    return B.ne(this, other);
  }
  gt(other: TensorOrScalar): Tensor {
    return B.gt(this, other);
  }
  lt(other: TensorOrScalar): Tensor {
    return B.lt(this, other);
  }
  ge(other: TensorOrScalar): Tensor {
    return B.ge(this, other);
  }
  le(other: TensorOrScalar): Tensor {
    return B.le(this, other);
  }
  erf(): Tensor {
    return A.erf(this);
  }
  where(condition: Tensor, other: TensorOrScalar): Tensor {
    return B.where(condition, this, other);
  }

  // ---- in place ----
  zero_(): this {
    return C.fill_(this, 0);
  }
  fill_(value: number): this {
    return C.fill_(this, value);
  }
  copy_(src: TensorOrScalar): this {
    return C.copy_(this, src);
  }
  add_(other: TensorOrScalar, alpha?: number): this {
    return C.inplace(this, B.add, other, alpha, 'add_');
  }
  sub_(other: TensorOrScalar, alpha?: number): this {
    return C.inplace(this, B.sub, other, alpha, 'sub_');
  }
  mul_(other: TensorOrScalar): this {
    return C.inplace(this, B.mul, other, undefined, 'mul_');
  }
  div_(other: TensorOrScalar, options?: B.DivOptions): this {
    return C.inplace(this, (a, b) => B.div(a, b, options), other, undefined, 'div_');
  }
  floorDivide_(other: TensorOrScalar): this {
    return C.inplace(this, B.floorDivide, other, undefined, 'floorDivide_');
  }
  remainder_(other: TensorOrScalar): this {
    return C.inplace(this, B.remainder, other, undefined, 'remainder_');
  }
  fmod_(other: TensorOrScalar): this {
    return C.inplace(this, B.fmod, other, undefined, 'fmod_');
  }
  floor_(): this {
    return C.inplace(this, (a) => U.floor(a as Tensor), 0, undefined, 'floor_');
  }
  ceil_(): this {
    return C.inplace(this, (a) => U.ceil(a as Tensor), 0, undefined, 'ceil_');
  }
  trunc_(): this {
    return C.inplace(this, (a) => U.trunc(a as Tensor), 0, undefined, 'trunc_');
  }
  round_(decimals?: number | { decimals?: number }): this {
    return C.inplace(this, (a) => U.round(a as Tensor, decimals), 0, undefined, 'round_');
  }
  clamp_(min?: U.Bound | { min?: U.Bound; max?: U.Bound }, max?: U.Bound): this {
    return C.inplace(this, (a) => U.clamp(a as Tensor, min, max), 0, undefined, 'clamp_');
  }

  // ---- reductions ----
  sum(dim?: number | readonly number[] | null | R.ReduceOptions, keepdim?: boolean | R.ReduceOptions, options?: R.ReduceOptions): Tensor {
    return R.sum(this, dim, keepdim, options);
  }
  mean(dim?: number | readonly number[] | null | R.ReduceOptions, keepdim?: boolean | R.ReduceOptions, options?: R.ReduceOptions): Tensor {
    return R.mean(this, dim, keepdim, options);
  }
  max(): Tensor;
  max(other: Tensor): Tensor;
  max(dim: number, keepdim?: boolean | { keepdim?: boolean }): R.ValuesIndices;
  max(dimOrOther?: number | Tensor, keepdim?: boolean | { keepdim?: boolean }): Tensor | R.ValuesIndices {
    return R.max(this, dimOrOther as number, keepdim);
  }
  min(): Tensor;
  min(other: Tensor): Tensor;
  min(dim: number, keepdim?: boolean | { keepdim?: boolean }): R.ValuesIndices;
  min(dimOrOther?: number | Tensor, keepdim?: boolean | { keepdim?: boolean }): Tensor | R.ValuesIndices {
    return R.min(this, dimOrOther as number, keepdim);
  }
  amax(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return R.amax(this, dim, keepdim);
  }
  amin(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return R.amin(this, dim, keepdim);
  }
  argmax(dim?: number | null, keepdim = false): Tensor {
    return R.argmax(this, dim, keepdim);
  }
  argmin(dim?: number | null, keepdim = false): Tensor {
    return R.argmin(this, dim, keepdim);
  }

  // ---- shape and views ----
  reshape(...shape: number[] | [readonly number[]]): Tensor {
    return V.reshape(this, ...shape);
  }
  view(...shape: number[] | [readonly number[]]): Tensor {
    return V.view(this, ...shape);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return V.flatten(this, startDim, endDim);
  }
  squeeze(dim?: number | null): Tensor {
    return V.squeeze(this, dim);
  }
  unsqueeze(dim: number): Tensor {
    return V.unsqueeze(this, dim);
  }
  expand(...shape: number[] | [readonly number[]]): Tensor {
    return V.expand(this, ...shape);
  }
  expandAs(other: Tensor): Tensor {
    return V.expandAs(this, other);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return V.transpose(this, dim0, dim1);
  }
  permute(...dims: number[] | [readonly number[]]): Tensor {
    return V.permute(this, ...dims);
  }
  t(): Tensor {
    return V.t(this);
  }
  get T(): Tensor {
    return V.permute(this, this.shape.map((_, i) => this.ndim - 1 - i));
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return V.narrow(this, dim, start, length);
  }
  select(dim: number, index: number): Tensor {
    return V.select(this, dim, index);
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return I.indexSelect(this, dim, index);
  }
  gather(dim: number, index: Tensor): Tensor {
    return I.gather(this, dim, index);
  }

  // ---- linear algebra, softmax ----
  matmul(other: Tensor): Tensor {
    return M.matmul(this, other);
  }
  mm(other: Tensor): Tensor {
    return M.mm(this, other);
  }
  bmm(other: Tensor): Tensor {
    return M.bmm(this, other);
  }
  softmax(dim: number, dtype?: DType | { dtype?: DType }): Tensor {
    return S.softmax(this, dim, dtype);
  }
  logSoftmax(dim: number, dtype?: DType | { dtype?: DType }): Tensor {
    return S.logSoftmax(this, dim, dtype);
  }

  // ---- math (src/ops/math.ts) ----
  log1p(): Tensor {
    return MA.log1p(this);
  }
  log1p_(): this {
    return C.inplace(this, (a) => MA.log1p(a as Tensor), 0, undefined, 'log1p_');
  }
  expm1(): Tensor {
    return MA.expm1(this);
  }
  expm1_(): this {
    return C.inplace(this, (a) => MA.expm1(a as Tensor), 0, undefined, 'expm1_');
  }
  log2(): Tensor {
    return MA.log2(this);
  }
  log2_(): this {
    return C.inplace(this, (a) => MA.log2(a as Tensor), 0, undefined, 'log2_');
  }
  log10(): Tensor {
    return MA.log10(this);
  }
  log10_(): this {
    return C.inplace(this, (a) => MA.log10(a as Tensor), 0, undefined, 'log10_');
  }
  exp2(): Tensor {
    return MA.exp2(this);
  }
  exp2_(): this {
    return C.inplace(this, (a) => MA.exp2(a as Tensor), 0, undefined, 'exp2_');
  }
  sin(): Tensor {
    return MA.sin(this);
  }
  sin_(): this {
    return C.inplace(this, (a) => MA.sin(a as Tensor), 0, undefined, 'sin_');
  }
  cos(): Tensor {
    return MA.cos(this);
  }
  cos_(): this {
    return C.inplace(this, (a) => MA.cos(a as Tensor), 0, undefined, 'cos_');
  }
  tan(): Tensor {
    return MA.tan(this);
  }
  tan_(): this {
    return C.inplace(this, (a) => MA.tan(a as Tensor), 0, undefined, 'tan_');
  }
  asin(): Tensor {
    return MA.asin(this);
  }
  asin_(): this {
    return C.inplace(this, (a) => MA.asin(a as Tensor), 0, undefined, 'asin_');
  }
  acos(): Tensor {
    return MA.acos(this);
  }
  acos_(): this {
    return C.inplace(this, (a) => MA.acos(a as Tensor), 0, undefined, 'acos_');
  }
  atan(): Tensor {
    return MA.atan(this);
  }
  atan_(): this {
    return C.inplace(this, (a) => MA.atan(a as Tensor), 0, undefined, 'atan_');
  }
  sinh(): Tensor {
    return MA.sinh(this);
  }
  sinh_(): this {
    return C.inplace(this, (a) => MA.sinh(a as Tensor), 0, undefined, 'sinh_');
  }
  cosh(): Tensor {
    return MA.cosh(this);
  }
  cosh_(): this {
    return C.inplace(this, (a) => MA.cosh(a as Tensor), 0, undefined, 'cosh_');
  }
  asinh(): Tensor {
    return MA.asinh(this);
  }
  asinh_(): this {
    return C.inplace(this, (a) => MA.asinh(a as Tensor), 0, undefined, 'asinh_');
  }
  acosh(): Tensor {
    return MA.acosh(this);
  }
  acosh_(): this {
    return C.inplace(this, (a) => MA.acosh(a as Tensor), 0, undefined, 'acosh_');
  }
  atanh(): Tensor {
    return MA.atanh(this);
  }
  atanh_(): this {
    return C.inplace(this, (a) => MA.atanh(a as Tensor), 0, undefined, 'atanh_');
  }
  erfc(): Tensor {
    return MA.erfc(this);
  }
  erfc_(): this {
    return C.inplace(this, (a) => MA.erfc(a as Tensor), 0, undefined, 'erfc_');
  }
  erfinv(): Tensor {
    return MA.erfinv(this);
  }
  erfinv_(): this {
    return C.inplace(this, (a) => MA.erfinv(a as Tensor), 0, undefined, 'erfinv_');
  }
  sign(): Tensor {
    return MA.sign(this);
  }
  sign_(): this {
    return C.inplace(this, (a) => MA.sign(a as Tensor), 0, undefined, 'sign_');
  }
  sgn(): Tensor {
    return MA.sgn(this);
  }
  sgn_(): this {
    return C.inplace(this, (a) => MA.sgn(a as Tensor), 0, undefined, 'sgn_');
  }
  reciprocal(): Tensor {
    return MA.reciprocal(this);
  }
  reciprocal_(): this {
    return C.inplace(this, (a) => MA.reciprocal(a as Tensor), 0, undefined, 'reciprocal_');
  }
  rsqrt(): Tensor {
    return MA.rsqrt(this);
  }
  rsqrt_(): this {
    return C.inplace(this, (a) => MA.rsqrt(a as Tensor), 0, undefined, 'rsqrt_');
  }
  square(): Tensor {
    return MA.square(this);
  }
  square_(): this {
    return C.inplace(this, (a) => MA.square(a as Tensor), 0, undefined, 'square_');
  }
  lgamma(): Tensor {
    return MA.lgamma(this);
  }
  lgamma_(): this {
    return C.inplace(this, (a) => MA.lgamma(a as Tensor), 0, undefined, 'lgamma_');
  }
  digamma(): Tensor {
    return MA.digamma(this);
  }
  digamma_(): this {
    return C.inplace(this, (a) => MA.digamma(a as Tensor), 0, undefined, 'digamma_');
  }
  signbit(): Tensor {
    return MA.signbit(this);
  }
  logit(...args: (number | null | undefined | MA.LogitOptions)[]): Tensor {
    return MA.logit(this, ...args);
  }
  logit_(...args: (number | null | undefined | MA.LogitOptions)[]): this {
    return C.inplace(this, (a) => MA.logit(a as Tensor, ...args), 0, undefined, 'logit_');
  }
  nanToNum(...args: (number | null | undefined | MA.NanToNumOptions)[]): Tensor {
    return MA.nanToNum(this, ...args);
  }
  nanToNum_(...args: (number | null | undefined | MA.NanToNumOptions)[]): this {
    return C.inplace(this, (a) => MA.nanToNum(a as Tensor, ...args), 0, undefined, 'nanToNum_');
  }

  // ---- binary-math (src/ops/binary-math.ts) ----
  lerp(end: Tensor, weight: TensorOrScalar): Tensor {
    return BM.lerp(this, end, weight);
  }
  lerp_(end: Tensor, weight: TensorOrScalar): this {
    return C.inplace(this, (a) => BM.lerp(a as Tensor, end, weight), 0, undefined, 'lerp_');
  }
  addcmul(tensor1: Tensor, tensor2: Tensor, options?: BM.AddcOptions): Tensor {
    return BM.addcmul(this, tensor1, tensor2, options);
  }
  addcmul_(tensor1: Tensor, tensor2: Tensor, options?: BM.AddcOptions): this {
    return C.inplace(this, (a) => BM.addcmul(a as Tensor, tensor1, tensor2, options), 0, undefined, 'addcmul_');
  }
  addcdiv(tensor1: Tensor, tensor2: Tensor, options?: BM.AddcOptions): Tensor {
    return BM.addcdiv(this, tensor1, tensor2, options);
  }
  addcdiv_(tensor1: Tensor, tensor2: Tensor, options?: BM.AddcOptions): this {
    return C.inplace(this, (a) => BM.addcdiv(a as Tensor, tensor1, tensor2, options), 0, undefined, 'addcdiv_');
  }
  atan2(other: Tensor): Tensor {
    return BM.atan2(this, other);
  }
  atan2_(other: Tensor): this {
    return C.inplace(this, (a) => BM.atan2(a as Tensor, other), 0, undefined, 'atan2_');
  }
  hypot(other: Tensor): Tensor {
    return BM.hypot(this, other);
  }
  hypot_(other: Tensor): this {
    return C.inplace(this, (a) => BM.hypot(a as Tensor, other), 0, undefined, 'hypot_');
  }
  copysign(other: TensorOrScalar): Tensor {
    return BM.copysign(this, other);
  }
  copysign_(other: TensorOrScalar): this {
    return C.inplace(this, (a) => BM.copysign(a as Tensor, other), 0, undefined, 'copysign_');
  }
  xlogy(other: TensorOrScalar): Tensor {
    return BM.xlogy(this, other);
  }
  xlogy_(other: TensorOrScalar): this {
    return C.inplace(this, (a) => BM.xlogy(a as Tensor, other), 0, undefined, 'xlogy_');
  }
  logicalAnd(other: Tensor): Tensor {
    return BM.logicalAnd(this, other);
  }
  logicalAnd_(other: Tensor): this {
    return C.inplace(this, (a) => BM.logicalAnd(a as Tensor, other), 0, undefined, 'logicalAnd_');
  }
  logicalOr(other: Tensor): Tensor {
    return BM.logicalOr(this, other);
  }
  logicalOr_(other: Tensor): this {
    return C.inplace(this, (a) => BM.logicalOr(a as Tensor, other), 0, undefined, 'logicalOr_');
  }
  logicalXor(other: Tensor): Tensor {
    return BM.logicalXor(this, other);
  }
  logicalXor_(other: Tensor): this {
    return C.inplace(this, (a) => BM.logicalXor(a as Tensor, other), 0, undefined, 'logicalXor_');
  }
  logicalNot(): Tensor {
    return BM.logicalNot(this);
  }
  logicalNot_(): this {
    return C.inplace(this, (a) => BM.logicalNot(a as Tensor), 0, undefined, 'logicalNot_');
  }
  bitwiseAnd(other: TensorOrScalar): Tensor {
    return BM.bitwiseAnd(this, other);
  }
  bitwiseAnd_(other: TensorOrScalar): this {
    BM.checkBitwiseInplace(this, other, 'bitwiseAnd_');
    return C.inplace(this, (a) => BM.bitwiseAnd(a, other), 0, undefined, 'bitwiseAnd_');
  }
  bitwiseOr(other: TensorOrScalar): Tensor {
    return BM.bitwiseOr(this, other);
  }
  bitwiseOr_(other: TensorOrScalar): this {
    BM.checkBitwiseInplace(this, other, 'bitwiseOr_');
    return C.inplace(this, (a) => BM.bitwiseOr(a, other), 0, undefined, 'bitwiseOr_');
  }
  bitwiseXor(other: TensorOrScalar): Tensor {
    return BM.bitwiseXor(this, other);
  }
  bitwiseXor_(other: TensorOrScalar): this {
    BM.checkBitwiseInplace(this, other, 'bitwiseXor_');
    return C.inplace(this, (a) => BM.bitwiseXor(a, other), 0, undefined, 'bitwiseXor_');
  }
  bitwiseNot(): Tensor {
    return BM.bitwiseNot(this);
  }
  bitwiseNot_(): this {
    return C.inplace(this, (a) => BM.bitwiseNot(a as Tensor), 0, undefined, 'bitwiseNot_');
  }
  isnan(): Tensor {
    return BM.isnan(this);
  }
  isinf(): Tensor {
    return BM.isinf(this);
  }
  isposinf(): Tensor {
    return BM.isposinf(this);
  }
  isneginf(): Tensor {
    return BM.isneginf(this);
  }
  isfinite(): Tensor {
    return BM.isfinite(this);
  }
  isclose(other: Tensor, ...args: BM.IscloseArgs): Tensor {
    return BM.isclose(this, other, ...args);
  }
  allclose(other: Tensor, ...args: BM.IscloseArgs): boolean {
    return BM.allclose(this, other, ...args);
  }
  equal(other: Tensor): boolean {
    return BM.equal(this, other);
  }

  // ---- reduce-more (src/ops/reduce-more.ts) ----
  prod(...args: Parameters<typeof RM.prod> extends [unknown, ...infer T] ? T : never): Tensor {
    return RM.prod(this, ...args);
  }
  std(...args: Parameters<typeof RM.std> extends [unknown, ...infer T] ? T : never): Tensor {
    return RM.std(this, ...args);
  }
  var(...args: Parameters<typeof RM.var_> extends [unknown, ...infer T] ? T : never): Tensor {
    return RM.var_(this, ...args);
  }
  logsumexp(dim: number | readonly number[], ...args: Parameters<typeof RM.logsumexp> extends [unknown, unknown, ...infer T] ? T : never): Tensor {
    return RM.logsumexp(this, dim, ...args);
  }
  norm(...args: Parameters<typeof RM.norm> extends [unknown, ...infer T] ? T : never): Tensor {
    return RM.norm(this, ...args);
  }
  cumsum(dim: number, options?: { dtype?: DType }): Tensor {
    return RM.cumsum(this, dim, options);
  }
  cumsum_(dim: number, options?: { dtype?: DType }): this {
    return RM.cumsum_(this, dim, options);
  }
  cumprod(dim: number, options?: { dtype?: DType }): Tensor {
    return RM.cumprod(this, dim, options);
  }
  cumprod_(dim: number, options?: { dtype?: DType }): this {
    return RM.cumprod_(this, dim, options);
  }
  cummax(dim: number): R.ValuesIndices {
    return RM.cummax(this, dim);
  }
  cummin(dim: number): R.ValuesIndices {
    return RM.cummin(this, dim);
  }
  logcumsumexp(dim: number): Tensor {
    return RM.logcumsumexp(this, dim);
  }
  all(...args: Parameters<typeof RM.all> extends [unknown, ...infer T] ? T : never): Tensor {
    return RM.all(this, ...args);
  }
  any(...args: Parameters<typeof RM.any> extends [unknown, ...infer T] ? T : never): Tensor {
    return RM.any(this, ...args);
  }
  median(): Tensor;
  median(dim: number, keepdim?: boolean | { keepdim?: boolean }): R.ValuesIndices;
  median(...args: unknown[]): Tensor | R.ValuesIndices {
    return (RM.median as (x: Tensor, ...a: unknown[]) => Tensor | R.ValuesIndices)(this, ...args);
  }
  nanmedian(): Tensor;
  nanmedian(dim: number, keepdim?: boolean | { keepdim?: boolean }): R.ValuesIndices;
  nanmedian(...args: unknown[]): Tensor | R.ValuesIndices {
    return (RM.nanmedian as (x: Tensor, ...a: unknown[]) => Tensor | R.ValuesIndices)(this, ...args);
  }
  mode(...args: Parameters<typeof RM.mode> extends [unknown, ...infer T] ? T : never): R.ValuesIndices {
    return RM.mode(this, ...args);
  }
  kthvalue(k: number, ...args: Parameters<typeof RM.kthvalue> extends [unknown, unknown, ...infer T] ? T : never): R.ValuesIndices {
    return RM.kthvalue(this, k, ...args);
  }
  sort(...args: Parameters<typeof RM.sort> extends [unknown, ...infer T] ? T : never): R.ValuesIndices {
    return RM.sort(this, ...args);
  }
  argsort(...args: Parameters<typeof RM.argsort> extends [unknown, ...infer T] ? T : never): Tensor {
    return RM.argsort(this, ...args);
  }
  topk(k: number, ...args: Parameters<typeof RM.topk> extends [unknown, unknown, ...infer T] ? T : never): R.ValuesIndices {
    return RM.topk(this, k, ...args);
  }
  unique(...args: Parameters<typeof RM.unique> extends [unknown, ...infer T] ? T : never): Tensor | Tensor[] {
    return RM.unique(this, ...args);
  }
  uniqueConsecutive(...args: Parameters<typeof RM.uniqueConsecutive> extends [unknown, ...infer T] ? T : never): Tensor | Tensor[] {
    return RM.uniqueConsecutive(this, ...args);
  }
  diff(...args: Parameters<typeof RM.diff> extends [unknown, ...infer T] ? T : never): Tensor {
    return RM.diff(this, ...args);
  }
  nansum(...args: Parameters<typeof RM.nansum> extends [unknown, ...infer T] ? T : never): Tensor {
    return RM.nansum(this, ...args);
  }
  nanmean(...args: Parameters<typeof RM.nanmean> extends [unknown, ...infer T] ? T : never): Tensor {
    return RM.nanmean(this, ...args);
  }
  countNonzero(dim?: number | readonly number[] | null): Tensor {
    return RM.countNonzero(this, dim);
  }
  aminmax(options?: { dim?: number; keepdim?: boolean }): RM.MinMax {
    return RM.aminmax(this, options);
  }

  // ---- shape (src/ops/shape.ts) ----
  movedim(source: number | readonly number[], destination: number | readonly number[]): Tensor {
    return SH.movedim(this, source, destination);
  }
  moveaxis(source: number | readonly number[], destination: number | readonly number[]): Tensor {
    return SH.moveaxis(this, source, destination);
  }
  unflatten(dim: number, sizes: readonly number[]): Tensor {
    return SH.unflatten(this, dim, sizes);
  }
  broadcastTo(...shape: number[] | [readonly number[]]): Tensor {
    return SH.broadcastTo(this, ...shape);
  }
  viewAs(other: Tensor): Tensor {
    return SH.viewAs(this, other);
  }
  reshapeAs(other: Tensor): Tensor {
    return SH.reshapeAs(this, other);
  }
  swapaxes(axis0: number, axis1: number): Tensor {
    return SH.swapaxes(this, axis0, axis1);
  }
  swapdims(dim0: number, dim1: number): Tensor {
    return SH.swapdims(this, dim0, dim1);
  }
  diagonal(...args: [offset?: number | SH.DiagonalOptions, dim1?: number | SH.DiagonalOptions, dim2?: number | SH.DiagonalOptions, options?: SH.DiagonalOptions]): Tensor {
    return SH.diagonal(this, ...args);
  }
  chunk(chunks: number, dim?: number | SH.DimOptions, options?: SH.DimOptions): Tensor[] {
    return SH.chunk(this, chunks, dim, options);
  }
  split(splitSizeOrSections: number | readonly number[], dim?: number | SH.DimOptions, options?: SH.DimOptions): Tensor[] {
    return SH.split(this, splitSizeOrSections, dim, options);
  }
  tensorSplit(indicesOrSections: number | readonly number[] | Tensor, dim?: number | SH.DimOptions, options?: SH.DimOptions): Tensor[] {
    return SH.tensorSplit(this, indicesOrSections, dim, options);
  }
  unbind(dim?: number | SH.DimOptions, options?: SH.DimOptions): Tensor[] {
    return SH.unbind(this, dim, options);
  }
  repeat(...sizes: number[] | [readonly number[]]): Tensor {
    return SH.repeat(this, ...sizes);
  }
  tile(...dims: number[] | [readonly number[]]): Tensor {
    return SH.tile(this, ...dims);
  }
  repeatInterleave(
    repeats?: number | Tensor | SH.RepeatInterleaveOptions,
    dim?: number | null | SH.RepeatInterleaveOptions,
    options?: SH.RepeatInterleaveOptions,
  ): Tensor {
    return SH.repeatInterleave(this, repeats, dim, options);
  }
  flip(...dims: number[] | [readonly number[]]): Tensor {
    return SH.flip(this, ...dims);
  }
  fliplr(): Tensor {
    return SH.fliplr(this);
  }
  flipud(): Tensor {
    return SH.flipud(this);
  }
  roll(shifts: number | readonly number[], dims?: number | readonly number[] | null | SH.RollOptions, options?: SH.RollOptions): Tensor {
    return SH.roll(this, shifts, dims, options);
  }
  rot90(k?: number | SH.Rot90Options, dims?: readonly number[] | SH.Rot90Options, options?: SH.Rot90Options): Tensor {
    return SH.rot90(this, k, dims, options);
  }

  // ---- creation-random (src/ops/creation-random.ts) ----
  tril(diagonal = 0): Tensor {
    return CR.tril(this, diagonal);
  }
  triu(diagonal = 0): Tensor {
    return CR.triu(this, diagonal);
  }
  tril_(diagonal = 0): this {
    return CR.tril_(this, diagonal);
  }
  triu_(diagonal = 0): this {
    return CR.triu_(this, diagonal);
  }
  diag(diagonal = 0): Tensor {
    return CR.diag(this, diagonal);
  }
  diagEmbed(offset = 0, dim1 = -2, dim2 = -1): Tensor {
    return CR.diagEmbed(this, offset, dim1, dim2);
  }
  newZeros(...args: (number | readonly number[] | CR.NewOptions)[]): Tensor {
    return CR.newZeros(this, ...args);
  }
  newOnes(...args: (number | readonly number[] | CR.NewOptions)[]): Tensor {
    return CR.newOnes(this, ...args);
  }
  newEmpty(...args: (number | readonly number[] | CR.NewOptions)[]): Tensor {
    return CR.newEmpty(this, ...args);
  }
  newFull(size: number | readonly number[], fillValue: number, options?: CR.NewOptions): Tensor {
    return CR.newFull(this, size, fillValue, options);
  }
  newTensor(data: Parameters<typeof CR.newTensor>[1], options?: CR.NewOptions): Tensor {
    return CR.newTensor(this, data, options);
  }
  multinomial(numSamples: number, ...rest: (boolean | CR.MultinomialOptions | undefined)[]): Tensor {
    return CR.multinomial(this, numSamples, ...rest);
  }
  bernoulli(...rest: (number | CR.BernoulliOptions | undefined)[]): Tensor {
    return CR.bernoulli(this, ...rest);
  }
  uniform_(...rest: Parameters<typeof CR.uniform_>[1][]): this {
    return CR.uniform_(this, ...rest);
  }
  normal_(...rest: Parameters<typeof CR.normal_>[1][]): this {
    return CR.normal_(this, ...rest);
  }
  bernoulli_(...rest: Parameters<typeof CR.bernoulli_>[1][]): this {
    return CR.bernoulli_(this, ...rest);
  }
  exponential_(...rest: Parameters<typeof CR.exponential_>[1][]): this {
    return CR.exponential_(this, ...rest);
  }
  random_(...rest: Parameters<typeof CR.random_>[1][]): this {
    return CR.random_(this, ...rest);
  }

  // ---- indexing-more (src/ops/indexing-more.ts) ----
  /** x[pieces...] as in Python (see src/ops/python-index.ts): a view for basic pieces, a copy with index tensors or masks. */
  index(...pieces: PI.IndexPiece[]): Tensor {
    return PI.index(this, ...pieces);
  }
  /** x[pieces] = value, in place (see src/ops/python-index.ts). */
  indexSet_(pieces: PI.IndexPiece | readonly PI.IndexPiece[], value: TensorOrScalar): this {
    return PI.indexSet_(this, pieces, value);
  }
  maskedFill(mask: Tensor, value: TensorOrScalar): Tensor {
    return IM.maskedFill(this, mask, value);
  }
  maskedFill_(mask: Tensor, value: TensorOrScalar): this {
    return IM.maskedFill_(this, mask, value);
  }
  maskedSelect(mask: Tensor): Tensor {
    return IM.maskedSelect(this, mask);
  }
  maskedScatter(mask: Tensor, source: Tensor): Tensor {
    return IM.maskedScatter(this, mask, source);
  }
  maskedScatter_(mask: Tensor, source: Tensor): this {
    return IM.maskedScatter_(this, mask, source);
  }
  scatter(dim: number, index: Tensor, src: TensorOrScalar, options?: IM.ScatterOptions): Tensor {
    return IM.scatter(this, dim, index, src, options);
  }
  scatter_(dim: number, index: Tensor, src: TensorOrScalar, options?: IM.ScatterOptions): this {
    return IM.scatter_(this, dim, index, src, options);
  }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return IM.scatterAdd(this, dim, index, src);
  }
  scatterAdd_(dim: number, index: Tensor, src: Tensor): this {
    return IM.scatterAdd_(this, dim, index, src);
  }
  scatterReduce(dim: number, index: Tensor, src: Tensor, reduce: IM.ScatterReduction, options?: IM.ScatterReduceOptions): Tensor {
    return IM.scatterReduce(this, dim, index, src, reduce, options);
  }
  scatterReduce_(dim: number, index: Tensor, src: Tensor, reduce: IM.ScatterReduction, options?: IM.ScatterReduceOptions): this {
    return IM.scatterReduce_(this, dim, index, src, reduce, options);
  }
  indexAdd(dim: number, index: Tensor, source: Tensor, options?: IM.IndexAddOptions): Tensor {
    return IM.indexAdd(this, dim, index, source, options);
  }
  indexAdd_(dim: number, index: Tensor, source: Tensor, options?: IM.IndexAddOptions): this {
    return IM.indexAdd_(this, dim, index, source, options);
  }
  indexCopy(dim: number, index: Tensor, source: Tensor): Tensor {
    return IM.indexCopy(this, dim, index, source);
  }
  indexCopy_(dim: number, index: Tensor, source: Tensor): this {
    return IM.indexCopy_(this, dim, index, source);
  }
  indexFill(dim: number, index: Tensor, value: TensorOrScalar): Tensor {
    return IM.indexFill(this, dim, index, value);
  }
  indexFill_(dim: number, index: Tensor, value: TensorOrScalar): this {
    return IM.indexFill_(this, dim, index, value);
  }
  indexPut(indices: readonly (Tensor | null)[], values: TensorOrScalar, accumulate?: boolean | IM.IndexPutOptions, options?: IM.IndexPutOptions): Tensor {
    return IM.indexPut(this, indices, values, accumulate, options);
  }
  indexPut_(indices: readonly (Tensor | null)[], values: TensorOrScalar, accumulate?: boolean | IM.IndexPutOptions, options?: IM.IndexPutOptions): this {
    return IM.indexPut_(this, indices, values, accumulate, options);
  }
  nonzero(options: IM.NonzeroOptions & { asTuple: true }): Tensor[];
  nonzero(options?: IM.NonzeroOptions & { asTuple?: false }): Tensor;
  nonzero(options?: IM.NonzeroOptions): Tensor | Tensor[] {
    return IM.nonzero(this, options);
  }
  argwhere(): Tensor {
    return IM.argwhere(this);
  }
  take(index: Tensor): Tensor {
    return IM.take(this, index);
  }
  takeAlongDim(indices: Tensor, dim?: number | null): Tensor {
    return IM.takeAlongDim(this, indices, dim);
  }
  bincount(...args: (Tensor | number | null | IM.BincountOptions | undefined)[]): Tensor {
    return IM.bincount(this, ...args);
  }

  // ---- linalg (src/ops/linalg.ts) ----
  dot(other: Tensor): Tensor {
    return LA.dot(this, other);
  }
  vdot(other: Tensor): Tensor {
    return LA.vdot(this, other);
  }
  mv(vec: Tensor): Tensor {
    return LA.mv(this, vec);
  }
  outer(other: Tensor): Tensor {
    return LA.outer(this, other);
  }
  inner(other: Tensor): Tensor {
    return LA.inner(this, other);
  }
  addmm(mat1: Tensor, mat2: Tensor, options?: LA.AddmmOptions): Tensor {
    return LA.addmm(this, mat1, mat2, options);
  }
  addmm_(mat1: Tensor, mat2: Tensor, options?: LA.AddmmOptions): this {
    return C.inplace(this, (a) => LA.addmm(a as Tensor, mat1, mat2, options), 0, undefined, 'addmm_');
  }
  addmv(mat: Tensor, vec: Tensor, options?: LA.AddmmOptions): Tensor {
    return LA.addmv(this, mat, vec, options);
  }
  addmv_(mat: Tensor, vec: Tensor, options?: LA.AddmmOptions): this {
    return C.inplace(this, (a) => LA.addmv(a as Tensor, mat, vec, options), 0, undefined, 'addmv_');
  }
  baddbmm(batch1: Tensor, batch2: Tensor, options?: LA.AddmmOptions): Tensor {
    return LA.baddbmm(this, batch1, batch2, options);
  }
  baddbmm_(batch1: Tensor, batch2: Tensor, options?: LA.AddmmOptions): this {
    return C.inplace(this, (a) => LA.baddbmm(a as Tensor, batch1, batch2, options), 0, undefined, 'baddbmm_');
  }
  addbmm(batch1: Tensor, batch2: Tensor, options?: LA.AddmmOptions): Tensor {
    return LA.addbmm(this, batch1, batch2, options);
  }
  addbmm_(batch1: Tensor, batch2: Tensor, options?: LA.AddmmOptions): this {
    return C.inplace(this, (a) => LA.addbmm(a as Tensor, batch1, batch2, options), 0, undefined, 'addbmm_');
  }
  trace(): Tensor {
    return LA.trace(this);
  }
  kron(other: Tensor): Tensor {
    return LA.kron(this, other);
  }
  cross(other: Tensor, dim?: number | null): Tensor {
    return LA.cross(this, other, dim);
  }
  det(): Tensor {
    return LA.det(this);
  }
  inverse(): Tensor {
    return LA.inv(this);
  }
  slogdet(): LA.SignLogAbsDet {
    return LA.slogdet(this);
  }
}


export type { Shape };

// Every op of src/ops/unary.ts is also a method, from its one definition there (an op added to that module
// is a method without another line here).
export interface Tensor extends MethodsOf<typeof U> {}
for (const [name, fn] of Object.entries(U)) {
  if (typeof fn !== 'function' || name in Tensor.prototype) continue;
  const op = fn as (x: Tensor, ...a: unknown[]) => unknown;
  Object.defineProperty(Tensor.prototype, name, {
    value: function (this: Tensor, ...a: unknown[]) {
      return op(this, ...a);
    },
    writable: true,
    configurable: true,
  });
}
