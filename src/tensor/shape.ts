/** Shape and stride arithmetic shared by every op. All functions are pure and allocation-light. */

export type Shape = readonly number[];

/**
 * Most dims a tensor may have: the strided kernels iterate over a fixed-size state block of this many
 * dims (MAX_DIMS in assembly/strided.ts, which must match). Sizes must also fit the kernels' int32
 * descriptors, hence MAX_SIZE.
 */
export const MAX_DIMS = 16;
const MAX_SIZE = 0x7fffffff;

/** Throws unless a result of `ndim` dims fits MAX_DIMS (`what` describes the shape for the message). */
/** Throws unless ndim <= MAX_DIMS; `what` describes the argument (a function: formatted only on error). */
export function checkNdim(ndim: number, op: string, what: () => string): void {
  if (ndim > MAX_DIMS) throw new RangeError(`${op}: tensors have at most ${MAX_DIMS} dimensions, got ${ndim} (${what()})`);
}

export function shapeStr(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function numelOf(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Reads a shape given either as varargs or as one array (`zeros(2, 3)` or `zeros([2, 3])`), validating
 * that every size is a non-negative integer. `allowInfer` permits one -1 (reshape/view).
 */
export function parseShape(args: readonly unknown[], op: string, allowInfer = false): number[] {
  const raw = args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  const shape = new Array<number>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || (v < 0 && !(allowInfer && v === -1))) {
      throw new TypeError(`${op}: shape must be a list of non-negative integers, got ${fmtArg(raw)}`);
    }
    if (v > MAX_SIZE) throw new RangeError(`${op}: size ${v} in shape ${fmtArg(raw)} is beyond the largest size, 2^31 - 1`);
    shape[i] = v;
  }
  checkNdim(shape.length, op, () => `shape ${fmtArg(raw)}`);
  return shape;
}

function fmtArg(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Broadcasts two shapes NumPy-style or throws a clear error naming the op. */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const nd = Math.max(a.length, b.length);
  const out = new Array<number>(nd);
  for (let i = 0; i < nd; i++) {
    const da = i - (nd - a.length) >= 0 ? a[i - (nd - a.length)]! : 1;
    const db = i - (nd - b.length) >= 0 ? b[i - (nd - b.length)]! : 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(`${op}: shapes ${shapeStr(a)} and ${shapeStr(b)} cannot be broadcast together`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read a tensor of (shape, strides) as if broadcast to `target` (0 on broadcast dims). */
export function broadcastStrides(shape: Shape, strides: Shape, target: Shape): number[] {
  const nd = target.length;
  const off = nd - shape.length;
  const out = new Array<number>(nd);
  for (let i = 0; i < nd; i++) {
    out[i] = i < off || shape[i - off] === 1 ? 0 : strides[i - off]!;
  }
  return out;
}

/** Normalises a possibly negative dim against `ndim` dims, or throws. */
export function normDim(dim: number, ndim: number, op: string): number {
  if (typeof dim !== 'number') throw new TypeError(`${op}: dim must be an integer, got ${dim === null ? 'null' : typeof dim}`);
  const n = Math.max(ndim, 1);
  if (!Number.isInteger(dim) || dim < -n || dim >= n) {
    throw new RangeError(`${op}: dim ${dim} is out of range for a tensor with ${ndim} dimension${ndim === 1 ? '' : 's'}`);
  }
  return dim < 0 ? dim + n : dim;
}

export function isContiguous(shape: Shape, strides: Shape): boolean {
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== s) return false;
    s *= shape[i]!;
  }
  return true;
}
