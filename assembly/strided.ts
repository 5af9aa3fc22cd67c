// N-d strided iteration helper shared by the data-movement and broadcasting binary kernels.
//
// A kernel calls itPrepare(meta, ...) once: it copies the descriptor into a small static state
// block, drops size-1 dims and merges adjacent dims that are contiguous for every operand (so e.g. a
// contiguous 17x129 add becomes a single run of 2193 elements). The kernel then walks "rows": the
// innermost (merged) dim is run by the kernel's own loop, starting at element offset itOff(op) of
// each operand, and itNext() advances the outer dims with an odometer counter.

// Must equal MAX_DIMS in src/tensor/shape.ts, which keeps every tensor within it: a descriptor with more
// dims (after dropping size-1 dims) would overrun the state block below.
export const MAX_DIMS = 16;
export const MAX_OPS = 4;

// State: [nd][shape x MAX_DIMS][strides: MAX_OPS x MAX_DIMS][counters x MAX_DIMS][offsets x MAX_OPS], all i32, at IT. It is not
// static data: every instance of the module on one shared memory (the worker threads') shares its static
// data, and instantiating writes the data segments again. Each instance keeps its own block instead:
// the calling thread's at ITER_STATE (a block src/backends/memory.ts reserves), a worker's where
// set_strided_state puts it (threads.ts gives each worker its own).
const IT_BYTES: usize = 4 * (1 + MAX_DIMS + MAX_OPS * MAX_DIMS + MAX_DIMS + MAX_OPS);
const ITER_STATE: usize = 64 * 1024;
let IT: usize = ITER_STATE;
let IT_SHAPE: usize = IT + 4;
let IT_STRIDES: usize = IT_SHAPE + 4 * MAX_DIMS;
let IT_COUNT: usize = IT_STRIDES + 4 * MAX_OPS * MAX_DIMS;
let IT_OFF: usize = IT_COUNT + 4 * MAX_DIMS;

/** Moves this instance's iterator state to the IT_BYTES (404) bytes at `ptr` (a worker thread's own block of 512). */
export function set_strided_state(ptr: usize): void {
  IT = ptr;
  IT_SHAPE = IT + 4;
  IT_STRIDES = IT_SHAPE + 4 * MAX_DIMS;
  IT_COUNT = IT_STRIDES + 4 * MAX_OPS * MAX_DIMS;
  IT_OFF = IT_COUNT + 4 * MAX_DIMS;
}

@inline function shapeAt(d: i32): i32 { return load<i32>(IT_SHAPE + (<usize>d << 2)); }
@inline function setShape(d: i32, v: i32): void { store<i32>(IT_SHAPE + (<usize>d << 2), v); }
@inline function strideAt(op: i32, d: i32): i32 { return load<i32>(IT_STRIDES + (<usize>(op * MAX_DIMS + d) << 2)); }
@inline function setStride(op: i32, d: i32, v: i32): void { store<i32>(IT_STRIDES + (<usize>(op * MAX_DIMS + d) << 2), v); }

/** Number of (merged) dims after itPrepare. */
@inline export function itNd(): i32 { return load<i32>(IT); }
/** Length of the innermost (merged) dim. */
@inline export function itInner(): i32 { return shapeAt(load<i32>(IT) - 1); }
/** Stride of operand `op` along the innermost dim. */
@inline export function itInnerStride(op: i32): i32 { return strideAt(op, load<i32>(IT) - 1); }
/** Element offset of operand `op` at the start of the current row. */
@inline export function itOff(op: i32): i32 { return load<i32>(IT_OFF + (<usize>op << 2)); }

/**
 * Loads `meta` ([nd, shape, strides of nops operands]) into the iterator; with `contigOut` an extra
 * operand (index nops) with contiguous row-major strides is appended for the output. Returns the total
 * number of elements (0 when some dim is 0).
 */
export function itPrepare(meta: usize, nops: i32, contigOut: bool): i32 {
  const nd = load<i32>(meta);
  let total = 1;
  for (let d = 0; d < nd; d++) total *= load<i32>(meta + 4 + (<usize>d << 2));
  if (total == 0) return 0;
  const all = contigOut ? nops + 1 : nops;
  // copy, dropping size-1 dims; contiguous output strides are computed from the innermost dim out
  let k = 0;
  for (let d = 0; d < nd; d++) {
    const s = load<i32>(meta + 4 + (<usize>d << 2));
    if (s == 1) continue;
    setShape(k, s);
    for (let op = 0; op < nops; op++) {
      setStride(op, k, load<i32>(meta + 4 + (<usize>((1 + op) * nd + d) << 2)));
    }
    k++;
  }
  if (k == 0) {
    setShape(0, 1);
    for (let op = 0; op < all; op++) setStride(op, 0, 0);
    k = 1;
  } else if (contigOut) {
    let s = 1;
    for (let d = k - 1; d >= 0; d--) {
      setStride(nops, d, s);
      s *= shapeAt(d);
    }
  }
  // merge dim d into the previous kept dim m when m steps exactly over d for every operand
  let m = 0;
  for (let d = 1; d < k; d++) {
    const n = shapeAt(d);
    let ok = true;
    for (let op = 0; op < all; op++) {
      if (strideAt(op, m) != strideAt(op, d) * n) { ok = false; break; }
    }
    if (ok) {
      setShape(m, shapeAt(m) * n);
      for (let op = 0; op < all; op++) setStride(op, m, strideAt(op, d));
    } else {
      m++;
      setShape(m, n);
      for (let op = 0; op < all; op++) setStride(op, m, strideAt(op, d));
    }
  }
  store<i32>(IT, m + 1);
  memory.fill(IT_COUNT, 0, 4 * (MAX_DIMS + MAX_OPS));
  return total;
}

/** Advances to the next row (all dims but the innermost), updating the offsets of `all` operands. */
export function itNext(all: i32): void {
  for (let d = load<i32>(IT) - 2; d >= 0; d--) {
    const cp = IT_COUNT + (<usize>d << 2);
    const c = load<i32>(cp) + 1;
    const n = shapeAt(d);
    if (c < n) {
      store<i32>(cp, c);
      for (let op = 0; op < all; op++) {
        const p = IT_OFF + (<usize>op << 2);
        store<i32>(p, load<i32>(p) + strideAt(op, d));
      }
      return;
    }
    store<i32>(cp, 0);
    for (let op = 0; op < all; op++) {
      const p = IT_OFF + (<usize>op << 2);
      store<i32>(p, load<i32>(p) - strideAt(op, d) * (n - 1));
    }
  }
}
