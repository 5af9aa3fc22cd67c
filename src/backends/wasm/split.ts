/**
 * Which kernels run on several threads, and how each is cut into parts (threads.ts runs the parts).
 * Every split gives each thread a fixed part of the output, so results never depend on scheduling; what
 * they guarantee against one thread:
 *  - GEMM: even row blocks of C; the micro-kernel and its edge kernels (a block's last rows) compute every
 *    element with the same instruction sequence: bit-identical to one thread.
 *  - elementwise kernels (unary, binary with broadcasting, fused backward, axpy, casts, fill, copy, the
 *    optimizer steps): contiguous ranges of the output (of the first dim for strided ones), boundaries at
 *    multiples of 16 elements: bit-identical to one thread.
 *  - sum_f32: several outputs: ranges of outputs, bit-identical. One output row (a full sum, or column sums
 *    of [r, inner]): the threads sum fixed blocks of rows (the blocks the kernel itself sums in float32),
 *    and the calling thread adds the block sums in float64 in order, exactly as the kernel does, so this
 *    is bit-identical to one thread too.
 *  - conv2d forward and input gradient: runs of images, bit-identical. Weight gradient: each thread sums
 *    its run of images into its own partial (the calling thread's into dW), and the partials are added
 *    to dW in thread order: deterministic for a given number of threads, and equal to one thread's result
 *    up to float32 rounding (the order of the sum over images changes).
 * Calls below a size threshold (setSplitThresholds) stay on the calling thread, as do all calls while
 * the workers are starting.
 */
import type { Kernels } from '../kernels.js';
import { heap, PART_META, PART_META_BYTES } from '../memory.js';
import { available, getThreads, runParts, workersSpinning, type SplitKernel } from './threads.js';
import { convOverImages } from '../js/conv-batch.js';

/**
 * Sizes below which a call stays on the calling thread. Elementwise kernels are memory-bound, and on a
 * loaded 2-core machine a sleeping worker often is not scheduled in time: add at 2^18 elements took 4× as
 * long on 2 threads as on 1 there, so they split only from 2^20 elements (4 MiB per operand). Right after
 * a split call the workers are still spinning (workersSpinning) and a part reaches them in about a
 * microsecond, so in a training loop smaller GEMMs and elementwise kernels split too (the *Spinning
 * thresholds). Which thread computes what never changes a result (see above), so this timing-dependent
 * choice keeps results deterministic; conv2d, whose weight gradient does depend on the split, keeps one
 * threshold.
 */
export interface SplitThresholds {
  /** Multiply-adds of a GEMM. */
  gemmMacs: number;
  /** Output elements of an elementwise kernel, or input elements of a sum. */
  elements: number;
  /** Multiply-adds of a conv2d call over a batch (all its images). */
  convMacs: number;
  /** Multiply-adds of a GEMM while the workers spin. */
  gemmMacsSpinning: number;
  /** Elements of an elementwise kernel or a sum while the workers spin. */
  elementsSpinning: number;
}

// Spinning thresholds, measured on the MLP step (2 threads): the 128x256x10-sized GEMMs (~30 µs) and the
// optimizer update of a 784x256 weight (~80 µs) were the largest calls left on one thread.
const thresholds: SplitThresholds = {
  gemmMacs: 2 ** 21, elements: 2 ** 20, convMacs: 2 ** 21, gemmMacsSpinning: 2 ** 18, elementsSpinning: 2 ** 15,
};

/**
 * The threshold in force now for a call of `size`: `cold`, or the smaller `spinning` one right after a
 * split call (the clock is read only for sizes between the two, so tiny calls pay nothing).
 */
function minSize(size: number, cold: number, spinning: number): number {
  return size < cold && size >= spinning && workersSpinning() ? spinning : cold;
}
const minGemmMacs = (macs: number) => minSize(macs, thresholds.gemmMacs, thresholds.gemmMacsSpinning);
const minElements = (n: number) => minSize(n, thresholds.elements, thresholds.elementsSpinning);

/** Changes split thresholds (tests lower them to split small inputs); returns the previous ones. */
export function setSplitThresholds(t: Partial<SplitThresholds>): SplitThresholds {
  const old = { ...thresholds };
  Object.assign(thresholds, t);
  return old;
}

/** Elements per part boundary of elementwise splits (a cache line; a multiple of every SIMD width). */
const ALIGN = 16;

function roundUp(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}

/** Threads (the caller included) a call of `work` units may use, with at most `maxParts` parts. */
function threadsFor(work: number, min: number, maxParts: number): number {
  const t = getThreads();
  if (t <= 1 || work < min || maxParts <= 1) return 1;
  return available(Math.min(t, maxParts));
}

/** Start offsets of ranges splitting [0, n) into at most p parts with boundaries at multiples of `align`. */
function cut(n: number, p: number, align: number): number[] {
  const step = roundUp(Math.ceil(n / p), align);
  const starts: number[] = [];
  for (let s = 0; s < n; s += step) starts.push(s);
  return starts;
}

type Fn = (...a: number[]) => void;

/**
 * A contiguous kernel `(ptr0 .. ptr{nPtrs-1}, n, ...scalars)` split into ranges of n; pointers that are
 * 0 (absent optional buffers of the optimizer steps) stay 0.
 */
function contiguous(base: Kernels, name: SplitKernel, nPtrs: number): Fn {
  const f = base[name] as Fn;
  return (...a: number[]) => {
    const n = a[nPtrs]!;
    const min = getThreads() > 1 ? minElements(n) : Infinity;
    const p = n >= min ? threadsFor(n, min, Math.ceil(n / ALIGN)) : 1;
    if (p <= 1) return f(...a);
    const starts = cut(n, p, ALIGN);
    runParts(name, starts.map((s, i) => {
      const part = a.slice();
      for (let j = 0; j < nPtrs; j++) if (a[j] !== 0) part[j] = a[j]! + s * 4;
      part[nPtrs] = (i + 1 < starts.length ? starts[i + 1]! : n) - s;
      return part;
    }), f);
  };
}

/** Reads the meta descriptor at `meta`: shape and `nStrides` stride arrays. */
function readMeta(meta: number, nStrides: number): { shape: number[]; strides: number[][] } {
  const i32 = heap.i32;
  const at = meta >>> 2;
  const nd = i32[at]!;
  const shape = Array.from(i32.subarray(at + 1, at + 1 + nd));
  const strides: number[][] = [];
  for (let s = 0; s < nStrides; s++) strides.push(Array.from(i32.subarray(at + 1 + nd * (1 + s), at + 1 + nd * (2 + s))));
  return { shape, strides };
}

/** Writes part `part`'s meta (the shape with dim 0 set to `rows`) and returns its address. */
function writePartMeta(part: number, shape: number[], strides: number[][], rows: number): number {
  const i32 = heap.i32;
  const addr = PART_META + part * PART_META_BYTES;
  let q = addr >>> 2;
  i32[q++] = shape.length;
  i32[q++] = rows;
  for (let d = 1; d < shape.length; d++) i32[q++] = shape[d]!;
  for (const s of strides) for (const v of s) i32[q++] = v;
  return addr;
}

/** True when rows of dim 0 of a written operand (strides `s`) never overlap: each part writes its own memory. */
function disjointRows(shape: number[], s: number[]): boolean {
  let extent = 1;
  for (let d = 1; d < shape.length; d++) extent += (shape[d]! - 1) * Math.abs(s[d]!);
  return s[0]! >= extent;
}

/**
 * A strided kernel `(ptr0 .. ptr{nPtrs-1}, meta)` (scalar arguments between pointers and meta are passed
 * through; `scalarAt` lists their positions) split along dim 0 of its shape. `nStrides` stride arrays
 * follow the shape in meta, one per pointer in `strided` order; `outContiguous` names the pointer written
 * contiguously without its own strides (binary kernels), else the last stride array is the written one.
 */
function stridedSplit(base: Kernels, name: SplitKernel, ptrs: number[], metaAt: number, nStrides: number,
  outContiguous: number): Fn {
  const f = base[name] as Fn;
  return (...a: number[]) => {
    if (getThreads() <= 1) return f(...a);
    const meta = a[metaAt]!;
    const nd = heap.i32[meta >>> 2]!;
    const rows = heap.i32[(meta >>> 2) + 1]!;
    let total = 1;
    for (let d = 0; d < nd; d++) total *= heap.i32[(meta >>> 2) + 1 + d]!;
    const min = minElements(total);
    if (total < min || rows < 2) return f(...a);
    const { shape, strides } = readMeta(meta, nStrides);
    if (outContiguous < 0 && !disjointRows(shape, strides[nStrides - 1]!)) return f(...a);
    const inner = total / rows;
    const p = threadsFor(total, min, rows);
    if (p <= 1) return f(...a);
    const starts = cut(rows, p, nd === 1 ? ALIGN : 1);
    runParts(name, starts.map((s, i) => {
      const part = a.slice();
      ptrs.forEach((at, j) => {
        part[at] = a[at]! + (at === outContiguous ? s * inner : s * strides[j]![0]!) * 4;
      });
      part[metaAt] = writePartMeta(i, shape, strides, (i + 1 < starts.length ? starts[i + 1]! : rows) - s);
      return part;
    }), f);
  };
}

/**
 * sum_f32 split across threads, bit-identical to one thread (see the file comment). SUM_BLOCK rows
 * (SUM_BLOCK_1 when inner = 1) are the blocks assembly/reduce.ts sums in float32 before adding in float64.
 */
const SUM_BLOCK = 256, SUM_BLOCK_1 = 1024;
function sum(base: Kernels): Kernels['sum_f32'] {
  const f = base.sum_f32;
  return function split(x, out, outer, r, inner) {
    const total = outer * r * inner;
    const min = getThreads() > 1 ? minElements(total) : Infinity;
    if (total < min) return f(x, out, outer, r, inner);
    if (outer > 1) {
      const p = threadsFor(total, min, outer);
      if (p <= 1) return f(x, out, outer, r, inner);
      const starts = cut(outer, p, 1);
      runParts('sum_f32', starts.map((s, i) => [x + s * r * inner * 4, out + s * inner * 4,
        (i + 1 < starts.length ? starts[i + 1]! : outer) - s, r, inner]), f);
      return;
    }
    // one output row: block sums as the outputs of a [blocks, block, inner] sum, added here in order
    const block = inner === 1 ? SUM_BLOCK_1 : SUM_BLOCK;
    const blocks = Math.floor(r / block);
    const tail = r - blocks * block;
    if (blocks < 2) return f(x, out, outer, r, inner);
    const count = blocks + (tail > 0 ? 1 : 0);
    const bytes = count * inner * 4;
    const partial = heap.alloc(bytes);
    try {
      split(x, partial, blocks, block, inner);
      if (tail > 0) f(x + blocks * block * inner * 4, partial + blocks * inner * 4, 1, tail, inner);
      const f32 = heap.f32;
      const p0 = partial >>> 2, o0 = out >>> 2;
      for (let i = 0; i < inner; i++) {
        let acc = 0;
        for (let b = 0; b < count; b++) acc += f32[p0 + b * inner + i]!;
        f32[o0 + i] = acc;
      }
    } finally {
      heap.free(partial, bytes);
    }
  };
}

type ConvKernel = 'conv2d_images_f32' | 'conv2d_backward_input_images_f32' | 'conv2d_backward_weight_images_f32';

/**
 * The conv2d-over-images kernels split into runs of images; workers get their own im2col columns and
 * GEMM workspace (allocated here, on the calling thread) and, for the weight gradient, their own
 * zeroed partial dW, added to dW in thread order once all are done.
 */
function conv(base: Kernels, name: ConvKernel, gemm: Kernels['gemm_bias_f32']): Fn {
  const f = base[name] as Fn;
  // a batch too small to split by images: its images one after another here, each image's GEMM split
  const perImage = convOverImages({ im2col_f32: base.im2col_f32, col2im_f32: base.col2im_f32, gemm_bias_f32: gemm })[name] as Fn;
  const isForward = name === 'conv2d_images_f32';
  const isWeight = name === 'conv2d_backward_weight_images_f32';
  return (...a: number[]) => {
    // forward: (x, w, bias, out, n, c, h, wd, o, kh, kw, sh, sw, ph, pw, oh, ow, cols, work); the others
    // have no bias, so the geometry starts one argument earlier
    const g = isForward ? 4 : 3;
    const [n, c, h, wd, o, kh, kw] = a.slice(g, g + 7) as [number, number, number, number, number, number, number];
    const oh = a[g + 11]!, ow = a[g + 12]!;
    const L = oh * ow, ckk = c * kh * kw;
    const p = getThreads() > 1 ? threadsFor(n * o * L * ckk, thresholds.convMacs, n) : 1;
    const [m, gn, gk] = isForward ? [o, L, ckk] : isWeight ? [o, ckk, L] : [ckk, L, o];
    if (p <= 1) {
      // too few images to split (or workers not ready): the GEMM of each image may still be split
      if (getThreads() > 1 && m * gn * gk >= thresholds.gemmMacs) perImage(...a);
      else f(...a);
      return;
    }
    const colsBytes = Math.max(4, ckk * L * 4);
    const workBytes = Math.max(4, base.gemm_f32_workspace(m, gn, gk));
    const dwBytes = isWeight ? o * ckk * 4 : 0;
    const starts = cut(n, p, 1);
    const scratch: [number, number][] = [];
    try {
      for (let i = 0; i + 1 < starts.length; i++) {
        scratch.push([heap.alloc(colsBytes), colsBytes], [heap.alloc(workBytes), workBytes]);
        if (isWeight) {
          const dw = heap.alloc(dwBytes);
          scratch.push([dw, dwBytes]);
          heap.f32.fill(0, dw >>> 2, (dw + dwBytes) >>> 2);
        }
      }
      const per = isWeight ? 3 : 2;
      // per image: input and output steps in bytes for the first pointer and the written one
      const inStep = isForward || isWeight ? c * h * wd * 4 : o * L * 4;
      const outStep = isForward ? o * L * 4 : c * h * wd * 4;
      runParts(name, starts.map((s, i) => {
        const part = a.slice();
        const last = i + 1 === starts.length;
        part[g] = (last ? n : starts[i + 1]!) - s;
        if (isForward) {
          part[0] = a[0]! + s * inStep;
          part[3] = a[3]! + s * outStep;
        } else if (isWeight) {
          part[0] = a[0]! + s * o * L * 4; // gy
          part[1] = a[1]! + s * inStep; // x
          if (!last) part[2] = scratch[i * per + 2]![0];
        } else {
          part[0] = a[0]! + s * inStep; // gy
          part[2] = a[2]! + s * outStep; // dx
        }
        if (!last) {
          part[a.length - 2] = scratch[i * per]![0];
          part[a.length - 1] = scratch[i * per + 1]![0];
        }
        return part;
      }), f);
      if (isWeight) {
        for (let i = 0; i + 1 < starts.length; i++) base.axpy_f32(scratch[i * per + 2]![0], a[2]!, o * ckk, 1);
      }
    } finally {
      for (const [ptr, bytes] of scratch) heap.free(ptr, bytes);
    }
  };
}

/**
 * The kernel table with large calls split across the worker pool, and gemm_f32_workspace enlarged to
 * hold one GEMM workspace per thread. `mr` is the build's micro-kernel height.
 */
export function withThreads(base: Kernels, mr: number): Kernels {
  const baseWs = base.gemm_f32_workspace;
  const baseGemm = base.gemm_bias_f32;

  /**
   * Rows per block when m rows are split over `threads` threads: even blocks, not multiples of mr (128 rows
   * on 2 threads were 66 + 62, so the caller waited for 4 rows): the last panel of a block goes through an
   * edge kernel that computes each element with the same instructions as the full kernel.
   */
  function blockRows(m: number, threads: number): number {
    return Math.ceil(m / threads);
  }

  /** Threads a product of these sizes runs on with `threads` configured and splits from `minMacs` on. */
  function parts(m: number, n: number, k: number, threads: number, minMacs: number): number {
    if (threads <= 1 || m * n * k < minMacs || m <= mr) return 1;
    return Math.ceil(m / blockRows(m, threads));
  }

  /** Bytes of one thread's workspace slot (64-byte multiple; the largest over the blocks). */
  function slotBytes(m: number, n: number, k: number, p: number): number {
    const rows = blockRows(m, p);
    const last = m - rows * (p - 1);
    return roundUp(Math.max(baseWs(rows, n, k), baseWs(last, n, k)), 64);
  }

  function workspace(m: number, n: number, k: number): number {
    const single = baseWs(m, n, k);
    // room for the split whichever threshold is in force when the product runs
    const p = parts(m, n, k, getThreads(), Math.min(thresholds.gemmMacs, thresholds.gemmMacsSpinning));
    return p <= 1 ? single : Math.max(single, p * slotBytes(m, n, k, p));
  }

  function gemmBias(a: number, b: number, c: number, m: number, n: number, k: number, sa0: number, sa1: number,
    sb0: number, sb1: number, beta: number, bias: number, biasMode: number, relu: number, work: number): void {
    const p = parts(m, n, k, getThreads(), minGemmMacs(m * n * k));
    // the workspace was sized for p parts: with fewer workers ready, run on the calling thread
    if (p <= 1 || available(p) < p) {
      baseGemm(a, b, c, m, n, k, sa0, sa1, sb0, sb1, beta, bias, biasMode, relu, work);
      return;
    }
    const rows = blockRows(m, p);
    const slot = slotBytes(m, n, k, p);
    // workers take blocks 0 .. p-2 (workspace slots 1 ..), the caller the last (smallest) one in slot 0
    const blocks: number[][] = [];
    for (let w = 0; w < p; w++) {
      const r0 = w * rows;
      blocks.push([a + r0 * sa0 * 4, b, c + r0 * n * 4, w + 1 < p ? rows : m - r0, n, k, sa0, sa1, sb0, sb1, beta,
        biasMode === 2 ? bias + r0 * 4 : bias, biasMode, relu, w + 1 < p ? work + (w + 1) * slot : work]);
    }
    runParts('gemm_bias_f32', blocks, baseGemm as Fn);
  }

  const binary = (name: SplitKernel) => stridedSplit(base, name, [0, 1, 2], 3, 2, 2);
  return {
    ...base,
    gemm_f32_workspace: workspace,
    gemm_bias_f32: gemmBias,
    gemm_f32: (a, b, c, m, n, k, sa0, sa1, sb0, sb1, beta, work) =>
      gemmBias(a, b, c, m, n, k, sa0, sa1, sb0, sb1, beta, 0, 0, 0, work),
    add_f32: binary('add_f32'), sub_f32: binary('sub_f32'), mul_f32: binary('mul_f32'), div_f32: binary('div_f32'),
    pow_f32: binary('pow_f32'), maximum_f32: binary('maximum_f32'), minimum_f32: binary('minimum_f32'),
    eq_f32: binary('eq_f32'), ne_f32: binary('ne_f32'), gt_f32: binary('gt_f32'), lt_f32: binary('lt_f32'),
    ge_f32: binary('ge_f32'), le_f32: binary('le_f32'),
    where_f32: stridedSplit(base, 'where_f32', [0, 1, 2, 3], 4, 3, 3),
    copy_strided: stridedSplit(base, 'copy_strided', [0, 1], 2, 2, -1),
    fill_f32: stridedSplit(base, 'fill_f32', [0], 2, 1, -1),
    fill_i32: stridedSplit(base, 'fill_i32', [0], 2, 1, -1),
    neg_f32: contiguous(base, 'neg_f32', 2), exp_f32: contiguous(base, 'exp_f32', 2),
    log_f32: contiguous(base, 'log_f32', 2), sqrt_f32: contiguous(base, 'sqrt_f32', 2),
    abs_f32: contiguous(base, 'abs_f32', 2), relu_f32: contiguous(base, 'relu_f32', 2),
    sigmoid_f32: contiguous(base, 'sigmoid_f32', 2), tanh_f32: contiguous(base, 'tanh_f32', 2),
    clamp_f32: contiguous(base, 'clamp_f32', 2), pow_scalar_f32: contiguous(base, 'pow_scalar_f32', 2),
    erf_f32: contiguous(base, 'erf_f32', 2),
    cast_i32_f32: contiguous(base, 'cast_i32_f32', 2), cast_f32_i32: contiguous(base, 'cast_f32_i32', 2),
    axpy_f32: contiguous(base, 'axpy_f32', 2),
    relu_backward_f32: contiguous(base, 'relu_backward_f32', 3),
    pow_backward_f32: contiguous(base, 'pow_backward_f32', 3),
    sigmoid_backward_f32: contiguous(base, 'sigmoid_backward_f32', 3),
    tanh_backward_f32: contiguous(base, 'tanh_backward_f32', 3),
    sgd_step_f32: contiguous(base, 'sgd_step_f32', 3),
    adam_step_f32: contiguous(base, 'adam_step_f32', 5),
    rmsprop_step_f32: contiguous(base, 'rmsprop_step_f32', 5),
    sum_f32: sum(base),
    conv2d_images_f32: conv(base, 'conv2d_images_f32', gemmBias),
    conv2d_backward_input_images_f32: conv(base, 'conv2d_backward_input_images_f32', gemmBias),
    conv2d_backward_weight_images_f32: conv(base, 'conv2d_backward_weight_images_f32', gemmBias),
  } as Kernels;
}
