/**
 * Creation and random ops of issue 15: logspace, tril/triu, diag/diagEmbed, meshgrid, the `new*` methods,
 * emptyLike and the random `*Like` functions, randperm, multinomial, bernoulli, normal, and the in-place
 * random fills (uniform_, normal_, bernoulli_, exponential_, random_).
 *
 * Random draws come from the library's default generator (seeded by manualSeed) or from a `generator`
 * option (a Generator). The streams differ from PyTorch's; the distributions are PyTorch's. The in-place
 * fills are recorded as PyTorch records them: the new values depend on nothing, so the old history gets a
 * zero gradient (UniformBackward0, NormalBackward0, ...); a leaf that requires grad refuses them unless
 * grad mode is off.
 */
import { heap } from '../backends/memory.js';
import { record } from '../autograd/node.js';
import { noGrad } from '../autograd/mode.js';
import { checkDType, checkValue, type DType } from '../tensor/dtype.js';
import { broadcastShapes, broadcastStrides, normDim, parseShape, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { fillContiguous, tensor, zerosLike, type CreateOptions } from '../tensor/creation.js';
import { defaultGenerator, Generator } from '../tensor/random.js';
import { checkOptions, isPlainObject, positionalOptions } from '../options.js';
import { inplace, rawContiguous, toDType } from './copy.js';

// ---------------------------------------------------------------- shared helpers

const CREATE_KEYS = ['dtype', 'requiresGrad'] as const;
const RANDOM_CREATE_KEYS = ['dtype', 'requiresGrad', 'generator'] as const;

/** Options of the random creation functions: CreateOptions plus the generator to draw from. */
export interface RandomCreateOptions extends CreateOptions {
  generator?: Generator;
}
/** Options of the random ops that take only a generator. */
/** Options of the `new*` methods: the dtype (default self's) and requiresGrad. */
export type NewOptions = CreateOptions;
export interface GeneratorOptions {
  generator?: Generator;
}

function checkTensor(t: unknown, op: string, what = 'input'): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: ${what} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  void t.ptr; // throws on a disposed tensor
}

function generatorOf(opts: { generator?: unknown } | undefined, op: string): Generator {
  const g = opts?.generator;
  if (g === undefined || g === null) return defaultGenerator;
  if (!(g instanceof Generator)) throw new TypeError(`${op}: generator must be a Generator, got ${typeof g === 'object' ? (g as object).constructor?.name ?? 'an object' : typeof g}`);
  return g;
}

/** Sets requiresGrad as the creation functions do (float32 only). */
function finish(t: Tensor, opts: CreateOptions | undefined, op: string): Tensor {
  if (opts?.requiresGrad) {
    if (t.dtype !== 'float32') throw new TypeError(`${op}: only float32 tensors can require gradients, got ${t.dtype}`);
    t.requiresGrad = true;
  }
  return t;
}

function checkRequiresGrad(dtype: DType, opts: CreateOptions | undefined, op: string): void {
  if (opts?.requiresGrad && dtype !== 'float32') throw new TypeError(`${op}: only float32 tensors can require gradients, got ${dtype}`);
}

/** A new contiguous tensor of `shape`/`dtype` whose elements (row-major) are gen(i). */
function generate(shape: readonly number[], dtype: DType, gen: (i: number) => number): Tensor {
  const t = Tensor.empty(shape, dtype);
  const n = t.numel();
  const p = t.ptr >>> 2;
  const arr = dtype === 'float32' ? heap.f32 : heap.i32;
  for (let i = 0; i < n; i++) arr[p + i] = gen(i);
  return t;
}

/** The elements of x (row-major) as float64 numbers. */
function valuesOf(x: Tensor): Float64Array {
  const c = x.isContiguous() ? x : rawContiguous(x);
  const n = c.numel();
  const p = c.ptr >>> 2;
  const out = new Float64Array(n);
  const arr = c.dtype === 'float32' ? heap.f32 : heap.i32;
  for (let i = 0; i < n; i++) out[i] = arr[p + i]!;
  if (c !== x) c.dispose();
  return out;
}

function checkInt(v: unknown, op: string, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${op}: ${what} must be an integer, got ${String(v)}`);
  return v;
}

function checkNum(v: unknown, op: string, what: string): number {
  if (typeof v !== 'number') throw new TypeError(`${op}: ${what} must be a number, got ${v === null ? 'null' : typeof v}`);
  return v;
}

/** Splits trailing options off a varargs shape: newZeros(2, 3, { dtype }) or newZeros([2, 3], { dtype }). */
function shapeArgs(args: readonly unknown[], op: string): [number[], Record<string, unknown> | undefined] {
  const last = args[args.length - 1];
  if (args.length > 0 && isPlainObject(last)) return [parseShape(args.slice(0, -1), op), last];
  return [parseShape(args, op), undefined];
}

// ---------------------------------------------------------------- logspace

/**
 * `steps` values base^linspace(start, end, steps), float32 unless `dtype` (int32 truncates, as PyTorch).
 * Positional `base` as in PyTorch: logspace(0, 2, 3, 2).
 * @example logspace(0, 2, 3) // tensor([1., 10., 100.])
 */
export function logspace(start: number, end: number, steps: number, ...rest: (number | (CreateOptions & { base?: number }) | undefined)[]): Tensor {
  const o = positionalOptions<{ base: number } & CreateOptions>('logspace', rest, ['base'], CREATE_KEYS);
  checkNum(start, 'logspace', 'start');
  checkNum(end, 'logspace', 'end');
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`logspace: steps must be a non-negative integer, got ${steps}`);
  const base = checkNum(o.base ?? 10, 'logspace', 'base');
  const dtype = checkDType(o.dtype ?? 'float32', 'logspace');
  checkRequiresGrad(dtype, o, 'logspace');
  const d = steps > 1 ? (end - start) / (steps - 1) : 0;
  // PyTorch's linspace: the first half counts from start, the second half back from end
  const half = Math.floor(steps / 2);
  const exponent = (i: number) => (steps === 1 ? start : i < half ? start + d * i : end - d * (steps - 1 - i));
  const t = generate([steps], dtype, (i) => {
    const v = Math.pow(base, Math.fround(exponent(i)));
    return dtype === 'float32' ? v : dtype === 'bool' ? (v !== 0 ? 1 : 0) : checkValue(v, 'int32', 'logspace');
  });
  return finish(t, o, 'logspace');
}

// ---------------------------------------------------------------- tril / triu

function triangle(x: Tensor, diagonal: number | undefined, lower: boolean, op: string): Tensor {
  checkTensor(x, op);
  const k = diagonal === undefined ? 0 : checkInt(diagonal, op, 'diagonal');
  if (x.ndim < 2) throw new RangeError(`${op}: input tensor must have at least 2 dimensions, got shape ${shapeStr(x.shape)}`);
  const out = rawContiguous(x);
  const R = x.shape[x.ndim - 2]!, C = x.shape[x.ndim - 1]!;
  const batches = R * C === 0 ? 0 : out.numel() / (R * C);
  const p = out.ptr >>> 2;
  const i32 = heap.i32;
  for (let b = 0; b < batches; b++) {
    const base = p + b * R * C;
    for (let r = 0; r < R; r++) {
      for (let c = 0; c < C; c++) {
        const keep = lower ? c - r <= k : c - r >= k;
        if (!keep) i32[base + r * C + c] = 0; // bit pattern 0: 0, 0.0 or false
      }
    }
  }
  return record(out, lower ? 'TrilBackward0' : 'TriuBackward0', [x], [], (g) => [triangle(g, k, lower, op)]);
}

/**
 * The lower triangle of the last two dims (elements with col - row <= diagonal), zeros elsewhere (NaN
 * outside the triangle too). The gradient is masked the same way.
 * @example tril(ones(3, 3)) // ones on and below the diagonal
 */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return triangle(x, diagonal, true, 'tril');
}

/**
 * The upper triangle of the last two dims (elements with col - row >= diagonal), zeros elsewhere.
 * @example triu(ones(3, 3), 1) // ones strictly above the diagonal
 */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return triangle(x, diagonal, false, 'triu');
}

/** In place tril (Tensor.tril_). */
export function tril_<T extends Tensor>(x: T, diagonal = 0): T {
  checkTensor(x, 'tril_');
  if (x.ndim < 2) throw new RangeError(`tril_: input tensor must have at least 2 dimensions, got shape ${shapeStr(x.shape)}`);
  checkInt(diagonal, 'tril_', 'diagonal');
  return inplace(x, (a) => tril(a as Tensor, diagonal), 0, undefined, 'tril_');
}

/** In place triu (Tensor.triu_). */
export function triu_<T extends Tensor>(x: T, diagonal = 0): T {
  checkTensor(x, 'triu_');
  if (x.ndim < 2) throw new RangeError(`triu_: input tensor must have at least 2 dimensions, got shape ${shapeStr(x.shape)}`);
  checkInt(diagonal, 'triu_', 'diagonal');
  return inplace(x, (a) => triu(a as Tensor, diagonal), 0, undefined, 'triu_');
}

// ---------------------------------------------------------------- diag, diagEmbed

/** The number of elements on diagonal k of an R x C matrix. */
function diagLength(R: number, C: number, k: number): number {
  return Math.max(0, k >= 0 ? Math.min(R, C - k) : Math.min(R + k, C));
}

/** Diagonal k of the last two dims of x: shape [...batch, L]. Backward: embedDiag. */
function extractDiag(x: Tensor, k: number): Tensor {
  const nd = x.ndim;
  const R = x.shape[nd - 2]!, C = x.shape[nd - 1]!;
  const L = diagLength(R, C, k);
  const batch = x.shape.slice(0, nd - 2);
  const src = x.isContiguous() ? x : rawContiguous(x);
  const out = Tensor.empty([...batch, L], x.dtype);
  const nb = batch.reduce((a, b) => a * b, 1);
  const sp = src.ptr >>> 2, op = out.ptr >>> 2;
  const i32 = heap.i32;
  const r0 = k >= 0 ? 0 : -k, c0 = k >= 0 ? k : 0;
  for (let b = 0; b < nb && L > 0; b++) {
    for (let i = 0; i < L; i++) i32[op + b * L + i] = i32[sp + b * R * C + (r0 + i) * C + c0 + i]!;
  }
  if (src !== x) src.dispose();
  return record(out, 'DiagBackward0', [x], [], (g) => [embedDiag(g, R, C, k)]);
}

/** v's last dim (length = diagLength(R, C, k)) on diagonal k of new R x C matrices, zeros elsewhere. Backward: extractDiag. */
function embedDiag(v: Tensor, R: number, C: number, k: number): Tensor {
  const nd = v.ndim;
  const L = v.shape[nd - 1]!;
  const batch = v.shape.slice(0, nd - 1);
  const src = v.isContiguous() ? v : rawContiguous(v);
  const out = fillContiguous(Tensor.empty([...batch, R, C], v.dtype), 0);
  const nb = batch.reduce((a, b) => a * b, 1);
  const sp = src.ptr >>> 2, op = out.ptr >>> 2;
  const i32 = heap.i32;
  const r0 = k >= 0 ? 0 : -k, c0 = k >= 0 ? k : 0;
  for (let b = 0; b < nb && L > 0; b++) {
    for (let i = 0; i < L; i++) i32[op + b * R * C + (r0 + i) * C + c0 + i] = i32[sp + b * L + i]!;
  }
  if (src !== v) src.dispose();
  return record(out, 'DiagBackward0', [v], [], (g) => [extractDiag(g, k)]);
}

/**
 * A 1-D tensor of length n gives the (n + |diagonal|)-square matrix with it on that diagonal; a matrix
 * gives its diagonal (a copy; empty when the diagonal is outside). Differentiable.
 * @example diag(tensor([1, 2])) // tensor([[1, 0], [0, 2]])
 */
export function diag(x: Tensor, diagonal = 0): Tensor {
  checkTensor(x, 'diag');
  const k = checkInt(diagonal, 'diag', 'diagonal');
  if (x.ndim === 1) {
    const M = x.shape[0]! + Math.abs(k);
    return embedDiag(x, M, M, k);
  }
  if (x.ndim === 2) return extractDiag(x, k);
  throw new RangeError(`diag: expects a matrix or a vector, got shape ${shapeStr(x.shape)}`);
}

/**
 * Matrices whose diagonal `offset` (in the dims dim1, dim2 of the result, default the last two) holds the
 * last dim of x; the result has one more dim than x. Differentiable.
 * @example diagEmbed(tensor([[1, 2], [3, 4]])) // shape [2, 2, 2]: diag([1, 2]), diag([3, 4])
 */
export function diagEmbed(x: Tensor, offset = 0, dim1 = -2, dim2 = -1): Tensor {
  checkTensor(x, 'diagEmbed');
  const k = checkInt(offset, 'diagEmbed', 'offset');
  if (x.ndim === 0) throw new RangeError('diagEmbed: expects a tensor with at least 1 dimension, got a 0-d tensor');
  const nd = x.ndim + 1;
  const d1 = normDim(dim1, nd, 'diagEmbed'), d2 = normDim(dim2, nd, 'diagEmbed');
  if (d1 === d2) throw new RangeError(`diagEmbed: diagonal dimensions cannot be identical, got dim1=${dim1}, dim2=${dim2}`);
  const M = x.shape[x.ndim - 1]! + Math.abs(k);
  // perm[outDim] = dim of the [...batch, M, M] result it comes from
  const perm: number[] = new Array<number>(nd);
  perm[d1] = nd - 2;
  perm[d2] = nd - 1;
  let b = 0;
  for (let i = 0; i < nd; i++) if (i !== d1 && i !== d2) perm[i] = b++;
  const inv: number[] = new Array<number>(nd);
  perm.forEach((src, i) => (inv[src] = i));
  const out = noGrad(() => {
    const e = embedDiag(x, M, M, k);
    const r = rawContiguous(e.permute(perm));
    e.dispose();
    return r;
  });
  return record(out, 'DiagEmbedBackward0', [x], [], (g) => [extractDiag(g.permute(inv), k)]);
}

// ---------------------------------------------------------------- meshgrid

export interface MeshgridOptions {
  /** 'ij' (matrix indexing, the default) or 'xy' (Cartesian: the first two dims swapped). */
  indexing?: 'ij' | 'xy';
}

/**
 * Grids from 0-d or 1-D tensors of one dtype: output i holds tensor i's values along dim i (with 'xy',
 * the first two tensors' dims are swapped). Outputs are expanded views; gradients flow to the inputs.
 * Tensors as varargs or one array, options last.
 * @example const [X, Y] = meshgrid(tensor([1, 2, 3]), tensor([4, 5]), { indexing: 'xy' }) // both shape [2, 3]
 */
export function meshgrid(...args: (Tensor | readonly Tensor[] | MeshgridOptions)[]): Tensor[] {
  let list = args;
  let opts: MeshgridOptions | undefined;
  if (list.length > 0 && isPlainObject(list[list.length - 1])) {
    opts = checkOptions('meshgrid', list[list.length - 1] as MeshgridOptions, ['indexing']);
    list = list.slice(0, -1);
  }
  const tensors = (list.length === 1 && Array.isArray(list[0]) ? list[0] : list) as readonly unknown[];
  if (tensors.length === 0) throw new RangeError('meshgrid: expects a non-empty list of tensors');
  tensors.forEach((t, i) => checkTensor(t, 'meshgrid', `element ${i}`));
  const ts = tensors as readonly Tensor[];
  const indexing = opts?.indexing ?? 'ij';
  if (indexing !== 'ij' && indexing !== 'xy') throw new TypeError(`meshgrid: indexing must be 'xy' or 'ij', got ${JSON.stringify(indexing)}`);
  ts.forEach((t, i) => {
    if (t.ndim > 1) throw new RangeError(`meshgrid: expects 0-d or 1-D tensors, got shape ${shapeStr(t.shape)} at element ${i}`);
    if (t.dtype !== ts[0]!.dtype) throw new TypeError(`meshgrid: expects all tensors to have the same dtype, got ${ts[0]!.dtype} and ${t.dtype}`);
  });
  const swap = indexing === 'xy' && ts.length >= 2;
  const order = ts.slice();
  if (swap) [order[0], order[1]] = [order[1]!, order[0]!];
  const shape = order.map((t) => t.numel());
  const grids = order.map((t, i) => {
    const s = shape.map((_, j) => (j === i ? shape[i]! : 1));
    return t.reshape(s).expand(shape);
  });
  if (swap) [grids[0], grids[1]] = [grids[1]!, grids[0]!];
  return grids;
}

// ---------------------------------------------------------------- new* (Tensor methods)

function newFilled(self: Tensor, shape: number[], value: number | null, opts: Record<string, unknown> | undefined, op: string): Tensor {
  checkTensor(self, op, 'self');
  const o = checkOptions(op, opts as CreateOptions | undefined, CREATE_KEYS);
  const dtype = checkDType(o.dtype ?? self.dtype, op);
  checkRequiresGrad(dtype, o, op);
  const t = Tensor.empty(shape, dtype);
  if (value !== null) fillContiguous(t, dtype === 'bool' ? (value !== 0 ? 1 : 0) : checkValue(value, dtype, op));
  return finish(t, o, op);
}

/** Zeros of `shape` with self's dtype (unless `dtype`). @example x.newZeros(2, 3) */
export function newZeros(self: Tensor, ...args: (number | readonly number[] | CreateOptions)[]): Tensor {
  const [s, o] = shapeArgs(args, 'newZeros');
  return newFilled(self, s, 0, o, 'newZeros');
}

/** Ones of `shape` with self's dtype (unless `dtype`). @example x.newOnes([2]) */
export function newOnes(self: Tensor, ...args: (number | readonly number[] | CreateOptions)[]): Tensor {
  const [s, o] = shapeArgs(args, 'newOnes');
  return newFilled(self, s, 1, o, 'newOnes');
}

/** Uninitialised tensor of `shape` with self's dtype (unless `dtype`). @example x.newEmpty(4) */
export function newEmpty(self: Tensor, ...args: (number | readonly number[] | CreateOptions)[]): Tensor {
  const [s, o] = shapeArgs(args, 'newEmpty');
  return newFilled(self, s, null, o, 'newEmpty');
}

/** `shape` filled with `value`, self's dtype unless `dtype` (an int32 self truncates the value, as PyTorch). @example x.newFull([2], 7) */
export function newFull(self: Tensor, shape: number | readonly number[], value: number, options?: CreateOptions): Tensor {
  const s = parseShape(typeof shape === 'number' ? [shape] : [shape], 'newFull');
  checkNum(value, 'newFull', 'fill value');
  return newFilled(self, s, value, options as Record<string, unknown> | undefined, 'newFull');
}

/**
 * A new tensor from data (as `tensor(data)`) with self's dtype unless `dtype`: values are converted as
 * PyTorch converts them (fractions truncated for int32). @example x.newTensor([1, 2])
 */
export function newTensor(self: Tensor, data: Parameters<typeof tensor>[0], options?: CreateOptions): Tensor {
  checkTensor(self, 'newTensor', 'self');
  const o = checkOptions('newTensor', options, CREATE_KEYS);
  const dtype = checkDType(o.dtype ?? self.dtype, 'newTensor');
  checkRequiresGrad(dtype, o, 'newTensor');
  const t = tensor(data);
  let r = t;
  if (t.dtype !== dtype) {
    if (t.dtype === 'float32' && dtype === 'int32') valuesOf(t).forEach((v) => checkValue(v, 'int32', 'newTensor'));
    r = toDType(t, dtype);
    t.dispose();
  }
  return finish(r, o, 'newTensor');
}

// ---------------------------------------------------------------- *Like

function likeArgs(t: Tensor, options: CreateOptions | undefined, keys: readonly string[], op: string): [DType, Partial<RandomCreateOptions>] {
  checkTensor(t, op);
  const o = checkOptions(op, options as RandomCreateOptions | undefined, keys);
  const dtype = checkDType(o.dtype ?? t.dtype, op);
  checkRequiresGrad(dtype, o, op);
  return [dtype, o];
}

/** An uninitialised tensor of t's shape and dtype (unless `dtype`). @example emptyLike(x) */
export function emptyLike(t: Tensor, options?: CreateOptions): Tensor {
  const [dtype, o] = likeArgs(t, options, CREATE_KEYS, 'emptyLike');
  return finish(Tensor.empty(t.shape, dtype), o, 'emptyLike');
}

/** Uniform [0, 1) values of t's shape; t (or `dtype`) must be float32. @example randLike(x) */
export function randLike(t: Tensor, options?: RandomCreateOptions): Tensor {
  const [dtype, o] = likeArgs(t, options, RANDOM_CREATE_KEYS, 'randLike');
  if (dtype !== 'float32') throw new TypeError(`randLike: expects a float32 dtype, got ${dtype} (pass { dtype: 'float32' })`);
  const g = generatorOf(o, 'randLike');
  return finish(generate(t.shape, dtype, () => g.nextUniform()), o, 'randLike');
}

/** Standard normal values of t's shape; t (or `dtype`) must be float32. @example randnLike(x) */
export function randnLike(t: Tensor, options?: RandomCreateOptions): Tensor {
  const [dtype, o] = likeArgs(t, options, RANDOM_CREATE_KEYS, 'randnLike');
  if (dtype !== 'float32') throw new TypeError(`randnLike: expects a float32 dtype, got ${dtype} (pass { dtype: 'float32' })`);
  const g = generatorOf(o, 'randnLike');
  return finish(generate(t.shape, dtype, () => g.nextNormal()), o, 'randnLike');
}

/** Draws integers in [lo, hi) into a new tensor (checks the bounds for `dtype`). */
function randomInts(shape: readonly number[], lo: number, hi: number, dtype: DType, g: Generator, op: string): Tensor {
  if (hi <= lo) throw new RangeError(`${op}: expects 'low' to be less than 'high', got low=${lo} >= high=${hi}`);
  if (dtype === 'bool' && (lo < 0 || hi > 2)) throw new RangeError(`${op}: range [${lo}, ${hi}) is out of bounds for bool`);
  if (dtype === 'int32') {
    checkValue(lo, 'int32', op);
    checkValue(hi - 1, 'int32', op);
  }
  return generate(shape, dtype, () => lo + g.nextInt(hi - lo));
}

/**
 * Random integers in [low, high) of t's shape and dtype (unless `dtype`): randintLike(t, high) or
 * randintLike(t, low, high). @example randintLike(x, 10)
 */
export function randintLike(t: Tensor, lowOrHigh: number, high?: number | RandomCreateOptions, options?: RandomCreateOptions): Tensor {
  let opts = options;
  let hi = high;
  if (typeof hi === 'object' && hi !== null) {
    if (opts !== undefined) throw new TypeError('randintLike: an options object must come last');
    opts = hi;
    hi = undefined;
  }
  const [dtype, o] = likeArgs(t, opts, RANDOM_CREATE_KEYS, 'randintLike');
  let lo = checkInt(lowOrHigh, 'randintLike', hi === undefined ? 'high' : 'low');
  let h: number;
  if (hi === undefined || hi === null) {
    h = lo;
    lo = 0;
  } else h = checkInt(hi, 'randintLike', 'high');
  const g = generatorOf(o, 'randintLike');
  return finish(randomInts(t.shape, lo, h, dtype, g, 'randintLike'), o, 'randintLike');
}

// ---------------------------------------------------------------- randperm, multinomial

/** A random permutation of 0..n-1, int32 unless `dtype` (float32). @example randperm(5) // e.g. tensor([3, 0, 4, 1, 2]) */
export function randperm(n: number, options?: RandomCreateOptions): Tensor {
  const o = checkOptions('randperm', options, RANDOM_CREATE_KEYS);
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new RangeError(`randperm: n must be a non-negative integer, got ${String(n)}`);
  const dtype = checkDType(o.dtype ?? 'int32', 'randperm');
  if (dtype === 'bool' && n > 2) throw new TypeError(`randperm: n=${n} is out of bounds for bool`);
  if (dtype === 'float32' && n > 16777217) throw new RangeError(`randperm: n=${n} is too large for float32 (integers beyond 2^24 are not exact)`);
  checkValue(Math.max(0, n - 1), 'int32', 'randperm');
  checkRequiresGrad(dtype, o, 'randperm');
  const g = generatorOf(o, 'randperm');
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = g.nextInt(i + 1);
    const tmp = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = tmp;
  }
  return finish(generate([n], dtype, (i) => perm[i]!), o, 'randperm');
}

export interface MultinomialOptions extends GeneratorOptions {
  replacement?: boolean;
}

/**
 * `numSamples` category indices per row of the non-negative weights `input` (1-D or 2-D, float32; rows need
 * not sum to 1), int32 of shape [numSamples] or [rows, numSamples]. Without replacement (the default) an
 * index appears at most once per row; once the rows' positive weights are used up, zero-weight categories
 * follow in random order, as PyTorch's. multinomial(p, n, true) or { replacement, generator }.
 * @example multinomial(tensor([0.1, 0.9]), 4, true) // e.g. tensor([1, 1, 0, 1])
 */
export function multinomial(input: Tensor, numSamples: number, ...rest: (boolean | MultinomialOptions | undefined)[]): Tensor {
  checkTensor(input, 'multinomial');
  const o = positionalOptions<MultinomialOptions>('multinomial', rest, ['replacement'], ['generator']);
  const replacement = o.replacement ?? false;
  if (typeof replacement !== 'boolean') throw new TypeError(`multinomial: replacement must be a boolean, got ${typeof replacement}`);
  const g = generatorOf(o, 'multinomial');
  if (input.dtype !== 'float32') throw new TypeError(`multinomial: expects a float32 input, got ${input.dtype}`);
  if (input.ndim !== 1 && input.ndim !== 2) throw new RangeError(`multinomial: input must be 1-D or 2-D, got shape ${shapeStr(input.shape)}`);
  const n = checkInt(numSamples, 'multinomial', 'numSamples');
  if (n <= 0) throw new RangeError(`multinomial: cannot sample numSamples=${n} <= 0 samples`);
  const cats = input.shape[input.ndim - 1]!;
  const rows = input.ndim === 2 ? input.shape[0]! : 1;
  if (!replacement && n > cats) {
    throw new RangeError(`multinomial: cannot sample numSamples=${n} > ${cats} categories (input shape ${shapeStr(input.shape)}) without replacement`);
  }
  const p = valuesOf(input);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < cats; c++) {
      const v = p[r * cats + c]!;
      if (!(v >= 0 && v < Infinity)) throw new RangeError(`multinomial: probability tensor contains either inf, nan or element < 0 (row ${r}: ${v})`);
      sum += v;
    }
    if (!(sum > 0)) throw new RangeError(`multinomial: invalid distribution in row ${r}: sum of probabilities <= 0`);
  }
  const out = new Int32Array(rows * n);
  const cdf = new Float64Array(cats);
  for (let r = 0; r < rows; r++) {
    const w = p.subarray(r * cats, (r + 1) * cats);
    if (replacement) {
      let acc = 0;
      for (let c = 0; c < cats; c++) cdf[c] = acc += w[c]!;
      for (let s = 0; s < n; s++) {
        const u = g.nextUniform() * acc;
        // first c with cdf[c] > u (skips zero-weight categories)
        let lo = 0, hi = cats - 1;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (cdf[mid]! > u) hi = mid;
          else lo = mid + 1;
        }
        out[r * n + s] = lo;
      }
    } else {
      // Sequential draws from the remaining weight: the exponential-race key w / E (E ~ Exp(1)) sorted
      // descending gives the same distribution; zero weights get key 0 and a random order among themselves.
      const keys = new Float64Array(cats), ties = new Float64Array(cats);
      const idx = Array.from({ length: cats }, (_, c) => c);
      for (let c = 0; c < cats; c++) {
        let u = g.nextUniform();
        while (u === 0) u = g.nextUniform();
        keys[c] = w[c]! / -Math.log(u);
        ties[c] = g.nextUniform();
      }
      idx.sort((a, b) => keys[b]! - keys[a]! || ties[a]! - ties[b]!);
      for (let s = 0; s < n; s++) out[r * n + s] = idx[s]!;
    }
  }
  return generate(input.ndim === 2 ? [rows, n] : [n], 'int32', (i) => out[i]!);
}

// ---------------------------------------------------------------- bernoulli, normal

export interface BernoulliOptions extends GeneratorOptions {
  p?: number;
}

function checkProb(p: unknown, op: string): number {
  if (typeof p !== 'number') throw new TypeError(`${op}: p must be a number or a Tensor, got ${p === null ? 'null' : typeof p}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${op}: expects p to be in [0, 1], got p=${p}`);
  return p;
}

function checkProbs(values: Float64Array, op: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v >= 0 && v <= 1)) throw new RangeError(`${op}: expects all probabilities to be in [0, 1], got ${v} at index ${i}`);
  }
}

/**
 * 0/1 draws with probability input[i] (each in [0, 1]; NaN throws), or with probability `p` for every
 * element when given (bernoulli(x, 0.3)). float32 like the input. The gradient is zero (PyTorch's
 * BernoulliBackward0); with `p` the result records no history, as PyTorch's.
 * @example bernoulli(tensor([0, 0.5, 1])) // e.g. tensor([0., 1., 1.])
 */
export function bernoulli(input: Tensor, ...rest: (number | BernoulliOptions | undefined)[]): Tensor {
  checkTensor(input, 'bernoulli');
  const o = positionalOptions<BernoulliOptions>('bernoulli', rest, ['p'], ['generator']);
  const g = generatorOf(o, 'bernoulli');
  if (input.dtype !== 'float32') throw new TypeError(`bernoulli: expects a float32 input, got ${input.dtype}`);
  if (o.p !== undefined) {
    const p = checkProb(o.p, 'bernoulli');
    return generate(input.shape, 'float32', () => (g.nextUniform() < p ? 1 : 0));
  }
  const probs = valuesOf(input);
  checkProbs(probs, 'bernoulli');
  const out = generate(input.shape, 'float32', (i) => (g.nextUniform() < probs[i]! ? 1 : 0));
  return record(out, 'BernoulliBackward0', [input], [], (gr) => [zerosLike(gr)]);
}

export interface NormalOptions extends GeneratorOptions {
  /** The shape, with numbers as mean and std (also the third positional argument). */
  size?: number | readonly number[];
  dtype?: DType;
  requiresGrad?: boolean;
}

/**
 * Normal draws: normal(mean, std) with tensors (broadcast) or a tensor and a number, or
 * normal(mean, std, size) with numbers (then `dtype`/`requiresGrad` too). std must be >= 0 (NaN throws);
 * a NaN mean gives NaN. The gradients with respect to mean and std are zero, as PyTorch's NormalBackward.
 * @example normal(tensor([0, 10]), 1) // e.g. tensor([0.3, 9.1])
 */
export function normal(mean: Tensor | number, std: Tensor | number = 1, ...rest: (number | readonly number[] | NormalOptions | undefined)[]): Tensor {
  let opts: NormalOptions | undefined;
  let size: readonly number[] | number | undefined;
  const r = rest.slice();
  if (r.length > 0 && (isPlainObject(r[r.length - 1]) || r[r.length - 1] === undefined)) opts = r.pop() as NormalOptions | undefined;
  if (r.length > 1) throw new TypeError(`normal: takes mean, std, size and an options object, got ${r.length + 2} positional arguments`);
  if (r.length === 1) {
    if (isPlainObject(r[0])) throw new TypeError('normal: an options object must come last');
    size = r[0] as number | readonly number[];
  }
  const numbers = typeof mean === 'number' && typeof std === 'number';
  const o = checkOptions('normal', opts, numbers ? ['generator', 'dtype', 'requiresGrad', 'size'] : ['generator']) as NormalOptions;
  if (o.size !== undefined) {
    if (size !== undefined) throw new TypeError('normal: size is given both as positional argument and as option');
    size = o.size;
  }
  const g = generatorOf(o, 'normal');
  if (typeof mean !== 'number') checkTensor(mean, 'normal', 'mean');
  if (typeof std !== 'number') checkTensor(std, 'normal', 'std');
  if (numbers) {
    if (size === undefined) throw new TypeError('normal: with numbers as mean and std, a size is required: normal(0, 1, [2, 3])');
    const s = parseShape(typeof size === 'number' ? [size] : [size], 'normal');
    if (!(std >= 0)) throw new RangeError(`normal: expects std >= 0, got std=${std}`);
    const dtype = checkDType(o.dtype ?? 'float32', 'normal');
    if (dtype !== 'float32') throw new TypeError(`normal: expects a float32 dtype, got ${dtype}`);
    return finish(generate(s, 'float32', () => mean + std * g.nextNormal()), o, 'normal');
  }
  if (size !== undefined) throw new TypeError('normal: size is only taken with numbers as mean and std (tensors give the shape)');
  for (const [t, what] of [[mean, 'mean'], [std, 'std']] as const) {
    if (typeof t === 'number') checkNum(t, 'normal', what);
    else if (t.dtype !== 'float32') throw new TypeError(`normal: expects a float32 ${what}, got ${t.dtype}`);
  }
  const shapeOf = (t: Tensor | number) => (typeof t === 'number' ? [] : t.shape);
  const shape = typeof mean !== 'number' && typeof std !== 'number' ? broadcastShapes(mean.shape, std.shape, 'normal') : typeof mean === 'number' ? shapeOf(std) : shapeOf(mean);
  const at = (t: Tensor | number): ((i: number) => number) => {
    if (typeof t === 'number') return () => t;
    const vals = valuesOf(t);
    if (t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i])) return (i) => vals[i]!;
    // broadcast: strides of t's row-major values over `shape`
    const cs = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
    const st = broadcastStrides(t.shape, cs, shape);
    const dims = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
    return (i) => {
      let off = 0;
      for (let d = 0; d < shape.length; d++) off += Math.floor(i / dims[d]!) % shape[d]! * st[d]!;
      return vals[off]!;
    };
  };
  const m = at(mean), s = at(std);
  if (typeof std === 'number') {
    if (!(std >= 0)) throw new RangeError(`normal: expects std >= 0, got std=${std}`);
  } else {
    const sv = valuesOf(std);
    for (let i = 0; i < sv.length; i++) if (!(sv[i]! >= 0)) throw new RangeError(`normal: expects all elements of std >= 0, got ${sv[i]} at index ${i}`);
  }
  const out = generate(shape, 'float32', (i) => m(i) + s(i) * g.nextNormal());
  const node = typeof mean === 'number' ? 'NormalBackward2' : typeof std === 'number' ? 'NormalBackward1' : 'NormalBackward3';
  const ins = [typeof mean === 'number' ? null : mean, typeof std === 'number' ? null : std];
  return record(out, node, ins, [], (gr, _s, needs) => ins.map((t, i) => (needs[i] && t !== null ? zerosLike(t) : null)));
}

// ---------------------------------------------------------------- in-place random fills

/**
 * Writes `values(shape, dtype)` into self as PyTorch's in-place random ops do: through the in-place
 * machinery (version bump, views, a leaf that requires grad refuses with grad mode on), recorded as
 * `node` with a zero gradient for self's old history.
 */
function randomFill<T extends Tensor>(self: T, name: string, node: string, values: (shape: readonly number[], dtype: DType) => Tensor): T {
  return inplace(self, (a) => record(values((a as Tensor).shape, (a as Tensor).dtype), node, [a as Tensor], [], (g) => [zerosLike(g)]), 0, undefined, name);
}

function floatOnly(self: Tensor, op: string): void {
  checkTensor(self, op, 'self');
  if (self.dtype !== 'float32') throw new TypeError(`${op}: expects a float32 tensor, got ${self.dtype}`);
}

/**
 * Fills self with uniform values in [from, to) (from <= to, both finite). @example zeros(3).uniform_(-1, 1)
 */
export function uniform_<T extends Tensor>(self: T, ...rest: (number | ({ from?: number; to?: number } & GeneratorOptions) | undefined)[]): T {
  floatOnly(self, 'uniform_');
  const o = positionalOptions<{ from: number; to: number } & GeneratorOptions>('uniform_', rest, ['from', 'to'], ['generator']);
  const from = checkNum(o.from ?? 0, 'uniform_', 'from'), to = checkNum(o.to ?? 1, 'uniform_', 'to');
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw new RangeError(`uniform_: from and to must be finite, got from=${from}, to=${to}`);
  if (from > to) throw new RangeError(`uniform_: expects a [from, to) range, got from=${from} > to=${to}`);
  const g = generatorOf(o, 'uniform_');
  return randomFill(self, 'uniform_', 'UniformBackward0', (shape) =>
    generate(shape, 'float32', () => {
      let v = Math.fround(from + (to - from) * g.nextUniform());
      while (v >= to && to > from) v = Math.fround(from + (to - from) * g.nextUniform()); // rounded up to `to`: draw again
      return v;
    }),
  );
}

/** Fills self with normal values (std >= 0; a NaN mean gives NaN). @example zeros(3).normal_(0, 0.02) */
export function normal_<T extends Tensor>(self: T, ...rest: (number | ({ mean?: number; std?: number } & GeneratorOptions) | undefined)[]): T {
  floatOnly(self, 'normal_');
  const o = positionalOptions<{ mean: number; std: number } & GeneratorOptions>('normal_', rest, ['mean', 'std'], ['generator']);
  const mean = checkNum(o.mean ?? 0, 'normal_', 'mean'), std = checkNum(o.std ?? 1, 'normal_', 'std');
  if (!(std >= 0)) throw new RangeError(`normal_: expects std >= 0, got std=${std}`);
  const g = generatorOf(o, 'normal_');
  return randomFill(self, 'normal_', 'NormalBackward0', (shape) => generate(shape, 'float32', () => mean + std * g.nextNormal()));
}

/**
 * Fills self with 0/1 draws with probability p (a number in [0, 1], default 0.5, or a tensor of
 * probabilities broadcast to self's shape). Any dtype. @example zeros(4).bernoulli_(0.3)
 */
export function bernoulli_<T extends Tensor>(self: T, ...rest: (number | Tensor | ({ p?: number | Tensor } & GeneratorOptions) | undefined)[]): T {
  checkTensor(self, 'bernoulli_', 'self');
  const o = positionalOptions<{ p: number | Tensor } & GeneratorOptions>('bernoulli_', rest, ['p'], ['generator']);
  const g = generatorOf(o, 'bernoulli_');
  const p = o.p ?? 0.5;
  let prob: (i: number) => number;
  if (p instanceof Tensor) {
    checkTensor(p, 'bernoulli_', 'p');
    const b = broadcastShapes(p.shape, self.shape, 'bernoulli_');
    if (b.length !== self.ndim || b.some((d, i) => d !== self.shape[i])) {
      throw new RangeError(`bernoulli_: p of shape ${shapeStr(p.shape)} cannot be broadcast to self's shape ${shapeStr(self.shape)}`);
    }
    const full = noGrad(() => p.detach().to('float32').expand(self.shape).contiguous());
    const vals = valuesOf(full);
    if (full !== p) full.dispose();
    checkProbs(vals, 'bernoulli_');
    prob = (i) => vals[i]!;
  } else {
    const pv = checkProb(p, 'bernoulli_');
    prob = () => pv;
  }
  return randomFill(self, 'bernoulli_', typeof p === 'number' ? 'BernoulliBackward2' : 'BernoulliBackward1', (shape, dtype) =>
    generate(shape, dtype, (i) => (g.nextUniform() < prob(i) ? 1 : 0)),
  );
}

/** Fills self with exponential draws of rate lambd >= 0 (density lambd * exp(-lambd x)). @example zeros(3).exponential_(2) */
export function exponential_<T extends Tensor>(self: T, ...rest: (number | ({ lambd?: number } & GeneratorOptions) | undefined)[]): T {
  floatOnly(self, 'exponential_');
  const o = positionalOptions<{ lambd: number } & GeneratorOptions>('exponential_', rest, ['lambd'], ['generator']);
  const lambd = checkNum(o.lambd ?? 1, 'exponential_', 'lambd');
  if (!(lambd >= 0)) throw new RangeError(`exponential_: expects lambd >= 0, got lambd=${lambd}`);
  const g = generatorOf(o, 'exponential_');
  return randomFill(self, 'exponential_', 'ExponentialBackward0', (shape) =>
    generate(shape, 'float32', () => {
      if (lambd === 0) return Infinity;
      let u = g.nextUniform();
      while (u === 0) u = g.nextUniform();
      return -Math.log(u) / lambd; // u in (0, 1): a positive draw
    }),
  );
}

/**
 * Fills self with integers uniform in [from, to): random_() gives [0, 2^24] for float32, [0, 2^31 - 1]
 * for int32, {0, 1} for bool; random_(to) gives [0, to); random_(from, to). @example zeros(3).random_(0, 10)
 */
export function random_<T extends Tensor>(self: T, ...rest: (number | null | ({ from?: number; to?: number | null } & GeneratorOptions) | undefined)[]): T {
  checkTensor(self, 'random_', 'self');
  const o = positionalOptions<{ from: number; to: number | null } & GeneratorOptions>('random_', rest, ['from', 'to'], ['generator']);
  const g = generatorOf(o, 'random_');
  const max = self.dtype === 'float32' ? 16777216 + 1 : self.dtype === 'int32' ? 2147483647 : 2;
  let lo: number, hi: number;
  if (o.from === undefined && o.to === undefined) {
    lo = 0;
    hi = max;
  } else if (o.to === undefined) {
    lo = 0;
    hi = checkInt(o.from, 'random_', 'to');
  } else {
    lo = checkInt(o.from ?? 0, 'random_', 'from');
    hi = o.to === null ? max : checkInt(o.to, 'random_', 'to');
  }
  if (lo >= hi) throw new RangeError(`random_: expects 'from' to be less than 'to', got from=${lo} >= to=${hi}`);
  noGrad(() => randomInts([0], lo, hi, self.dtype, g, 'random_')).dispose(); // checks the bounds before anything is written
  return randomFill(self, 'random_', 'RandomBackward0', (shape, dtype) => randomInts(shape, lo, hi, dtype, g, 'random_'));
}
