/**
 * How kernels run on several threads: each kernel's entry in the kernel table (kernels.ts) says how it
 * splits, and withThreads wraps it accordingly (threads.ts runs the parts). Every split gives each thread
 * a fixed part of the output, so results never depend on scheduling; what they guarantee against one
 * thread:
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
 *  - recurrent cells (LSTM, GRU, forward and backward): runs of batch rows: bit-identical.
 *  - batch norm (training forward and backward): runs of channels: bit-identical.
 *  - fused attention forward and backward: runs of groups (batch x heads), each thread with its own
 *    scratch: bit-identical.
 *  - Winograd conv2d (F(2x2) and F(4x4)): runs of tile rows, each thread with its own scratch: forward
 *    and input gradient bit-identical; weight gradient: per-thread partials added in thread order, as
 *    conv2d's above.
 * Calls below a size threshold (setSplitThresholds) stay on the calling thread, as do all calls while
 * the workers are starting.
 */
import {
  KERNEL_NAMES, KERNEL_SIGNATURES, type CustomSplit, type KernelName, type Kernels, type KernelSignature,
  type KernelsSplitBy, type Role,
} from '../kernels.js';
import { heap, PART_META, PART_META_BYTES } from '../memory.js';
import { available, getThreads, runParts, workersSpinning } from './threads.js';
import type { WasmConstants } from './exports.js';
import { convOverImages } from '../js/conv-batch.js';
import { winogradScratch, winogradWeightScratch } from '../js/winograd.js';
import { winograd4Scratch, winograd4WeightScratch } from '../js/winograd4.js';

/**
 * Sizes below which a call stays on the calling thread. Elementwise kernels are memory-bound and waking a
 * sleeping worker costs more than a small call (a worker the OS has not scheduled in time makes it
 * slower than one thread), so they split only from 2^20 elements (4 MiB per operand). Right after a split
 * call the workers are still spinning (workersSpinning) and a part reaches them in about a microsecond,
 * so in a training loop smaller GEMMs and elementwise kernels split too (the *Spinning thresholds; how
 * they were chosen: bench/README.md, "Thread split thresholds"). Which thread computes what never changes
 * a result (see above), so this timing-dependent choice keeps results deterministic; conv2d, whose weight
 * gradient does depend on the split, keeps one threshold.
 */
interface SplitThresholds {
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

/** Roles of the pointers a `range` split moves to each part's first element. */
const RANGE_POINTERS = new Set<Role>(['in', 'out', 'inout', 'in?', 'out?', 'inout?']);

/**
 * A contiguous kernel (split `range`) cut into ranges of its `size` argument: each part's pointers are
 * moved to the range's first element; pointers that are 0 (absent optional buffers) stay 0.
 */
function rangeSplit(base: Kernels, sig: KernelSignature): Fn {
  const name = sig.name;
  const f = base[name] as Fn;
  const ptrs = sig.operands.filter((o) => RANGE_POINTERS.has(o.role)).map((o) => o.index);
  const sizeAt = sig.operands.find((o) => o.role === 'size')!.index;
  return (...a: number[]) => {
    const n = a[sizeAt]!;
    const min = getThreads() > 1 ? minElements(n) : Infinity;
    const p = n >= min ? threadsFor(n, min, Math.ceil(n / ALIGN)) : 1;
    if (p <= 1) return f(...a);
    const starts = cut(n, p, ALIGN);
    runParts(name, starts.map((s, i) => {
      const part = a.slice();
      for (const j of ptrs) if (a[j] !== 0) part[j] = a[j]! + s * 4;
      part[sizeAt] = (i + 1 < starts.length ? starts[i + 1]! : n) - s;
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
 * A strided kernel (split `rows`) cut along dim 0 of its meta shape. Its `strided-in`/`strided-out`
 * pointers own meta's stride arrays in argument order and move by their dim-0 stride; a pointer written
 * contiguously over the shape (`out`, binary kernels) moves by whole rows. A kernel writing through
 * strides splits only when the written rows never overlap.
 */
function rowsSplit(base: Kernels, sig: KernelSignature): Fn {
  const name = sig.name;
  const f = base[name] as Fn;
  const metaAt = sig.operands.find((o) => o.role === 'meta')!.index;
  const strided = sig.operands.filter((o) => o.role === 'strided-in' || o.role === 'strided-out');
  const nStrides = strided.length;
  const stridedAt = strided.map((o) => o.index);
  const writtenStrides = strided.findIndex((o) => o.role === 'strided-out');
  const contiguousAt = sig.operands.filter((o) => o.role === 'in' || o.role === 'out' || o.role === 'inout').map((o) => o.index);
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
    if (writtenStrides >= 0 && !disjointRows(shape, strides[writtenStrides]!)) return f(...a);
    const inner = total / rows;
    const p = threadsFor(total, min, rows);
    if (p <= 1) return f(...a);
    const starts = cut(rows, p, nd === 1 ? ALIGN : 1);
    runParts(name, starts.map((s, i) => {
      const part = a.slice();
      stridedAt.forEach((at, j) => {
        part[at] = a[at]! + s * strides[j]![0]! * 4;
      });
      for (const at of contiguousAt) part[at] = a[at]! + s * inner * 4;
      part[metaAt] = writePartMeta(i, shape, strides, (i + 1 < starts.length ? starts[i + 1]! : rows) - s);
      return part;
    }), f);
  };
}

/**
 * sum_f32 split across threads, bit-identical to one thread (see the file comment). The module's
 * SUM_BLOCK_ROWS rows (SUM_BLOCK_ROWS_CONTIGUOUS when inner = 1) are the blocks it sums in float32 before
 * adding in float64.
 */
function sumSplit(base: Kernels, name: 'sum_f32', constants: WasmConstants): Kernels['sum_f32'] {
  const f = base[name];
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
    const block = inner === 1 ? constants.SUM_BLOCK_ROWS_CONTIGUOUS : constants.SUM_BLOCK_ROWS;
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
type GemmKernel = 'gemm_f32' | 'gemm_bias_f32' | 'gemm_f32_workspace' | 'gemm_packed_b_f32';

/**
 * The conv2d-over-images kernels split into runs of images; workers get their own im2col columns and
 * GEMM workspace (allocated here, on the calling thread) and, for the weight gradient, their own
 * zeroed partial dW, added to dW in thread order once all are done.
 */
function convSplit(base: Kernels, name: ConvKernel, gemm: Kernels['gemm_bias_f32']): Fn {
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
        // one allocation per push: if one fails, the blocks taken before it are already listed for the free below
        scratch.push([heap.alloc(colsBytes), colsBytes]);
        scratch.push([heap.alloc(workBytes), workBytes]);
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
 * GEMM split into even blocks of rows of C, and gemm_f32_workspace enlarged to hold one GEMM workspace per
 * thread. `mr` is the module's micro-kernel height (GEMM_MR).
 */
function gemmSplit(base: Kernels, mr: number): Pick<Kernels, GemmKernel> {
  const baseWs = base.gemm_f32_workspace;
  const baseGemm = base.gemm_bias_f32;
  const basePacked = base.gemm_packed_b_f32;

  /**
   * Rows per block when m rows are split over `threads` threads: even blocks, not multiples of mr (those
   * can be uneven: 128 rows on 2 threads would be 66 + 62): the last panel of a block goes through an edge
   * kernel that computes each element with the same instructions as the full kernel.
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

  /**
   * The arguments of each thread's block of rows of C when m rows are split over p threads: `args(r0, rows,
   * work)` for the block starting at row r0. Workers take blocks 0 .. p-2 (workspace slots 1 ..), the caller
   * the last (smallest) one in slot 0.
   */
  function rowBlocks(m: number, n: number, k: number, p: number, args: (r0: number, rows: number, work: number) => number[],
    work: number): number[][] {
    const rows = blockRows(m, p);
    const slot = slotBytes(m, n, k, p);
    const blocks: number[][] = [];
    for (let w = 0; w < p; w++) {
      const r0 = w * rows;
      blocks.push(args(r0, w + 1 < p ? rows : m - r0, w + 1 < p ? work + (w + 1) * slot : work));
    }
    return blocks;
  }

  function gemmBias(a: number, b: number, c: number, m: number, n: number, k: number, sa0: number, sa1: number,
    sb0: number, sb1: number, beta: number, bias: number, biasMode: number, relu: number, work: number): void {
    const p = parts(m, n, k, getThreads(), minGemmMacs(m * n * k));
    // the workspace was sized for p parts: with fewer workers ready, run on the calling thread
    if (p <= 1 || available(p) < p) {
      baseGemm(a, b, c, m, n, k, sa0, sa1, sb0, sb1, beta, bias, biasMode, relu, work);
      return;
    }
    const blocks = rowBlocks(m, n, k, p, (r0, rows, ws) => [a + r0 * sa0 * 4, b, c + r0 * n * 4, rows, n, k, sa0, sa1, sb0, sb1,
      beta, biasMode === 2 ? bias + r0 * 4 : bias, biasMode, relu, ws], work);
    runParts('gemm_bias_f32', blocks, baseGemm as Fn);
  }

  /** gemm_packed_b_f32 split as gemmBias: every block reads the one packed B (all of its columns). */
  function gemmPackedB(a: number, packed: number, c: number, m: number, n: number, k: number, sa0: number, sa1: number,
    beta: number, bias: number, biasMode: number, relu: number, work: number): void {
    const p = parts(m, n, k, getThreads(), minGemmMacs(m * n * k));
    if (p <= 1 || available(p) < p) {
      basePacked(a, packed, c, m, n, k, sa0, sa1, beta, bias, biasMode, relu, work);
      return;
    }
    const blocks = rowBlocks(m, n, k, p, (r0, rows, ws) => [a + r0 * sa0 * 4, packed, c + r0 * n * 4, rows, n, k, sa0, sa1, beta,
      biasMode === 2 ? bias + r0 * 4 : bias, biasMode, relu, ws], work);
    runParts('gemm_packed_b_f32', blocks, basePacked as Fn);
  }

  return {
    gemm_f32_workspace: workspace,
    gemm_bias_f32: gemmBias,
    gemm_packed_b_f32: gemmPackedB,
    gemm_f32: (a, b, c, m, n, k, sa0, sa1, sb0, sb1, beta, work) =>
      gemmBias(a, b, c, m, n, k, sa0, sa1, sb0, sb1, beta, 0, 0, 0, work),
  };
}

/** The Winograd kernels with tile-row splits: F(2x2, 3x3) and F(4x4, 3x3), forward and weight gradient. */
type WinogradKernel = 'conv2d_winograd_f32' | 'conv2d_winograd_weight_f32' | 'conv2d_winograd4_f32' | 'conv2d_winograd4_weight_f32';

/**
 * The Winograd kernels split into runs of their tile rows, each thread with its own v, m/z and GEMM
 * workspace (allocated here, on the calling thread). conv2d_winograd_f32: each thread writes the outputs of
 * its own tiles, which do not depend on the block they are computed in: bit-identical to one thread.
 * conv2d_winograd_weight_f32: each thread sums its tiles into its own zeroed partial du (the calling
 * thread's into du), and the partials are added to du in thread order, as the conv2d weight gradient does.
 */
function winogradSplit(base: Kernels, name: WinogradKernel): Fn {
  const f = base[name] as Fn;
  const isWeight = name === 'conv2d_winograd_weight_f32' || name === 'conv2d_winograd4_weight_f32';
  // F(4x4): 36 planes, tile rows of 4 output rows
  const f4 = name === 'conv2d_winograd4_f32' || name === 'conv2d_winograd4_weight_f32';
  const planes = f4 ? 36 : 16, tileRows = f4 ? 4 : 2;
  // the weight kernel has no bias: (gy, x, du, n, c, ...) against (x, u, bias, y, n, c, ...)
  const g = isWeight ? 3 : 4;
  return (...a: number[]) => {
    const c = a[g + 1]!, o = a[g + 4]!, ow = a[g + 8]!, row0 = a[g + 9]!, rows = a[g + 10]!, blockRows = a[g + 11]!;
    // multiply-adds of the direct convolution these tile rows stand for
    const macs = rows * tileRows * ow * o * c * 9;
    const p = getThreads() > 1 ? threadsFor(macs, thresholds.convMacs, rows) : 1;
    if (p <= 1) return f(...a);
    const sizes = isWeight ? (f4 ? winograd4WeightScratch : winogradWeightScratch)(c, o, ow, blockRows, base.gemm_f32_workspace)
      : (f4 ? winograd4Scratch : winogradScratch)(c, o, ow, blockRows, base.gemm_f32_workspace);
    const bytes = [sizes.v, 'z' in sizes ? sizes.z : sizes.m, sizes.work];
    const duBytes = planes * o * c * 4;
    const per = isWeight ? 4 : 3;
    const starts = cut(rows, p, 1);
    const scratch: [number, number][] = [];
    try {
      for (let i = 0; i + 1 < starts.length; i++) {
        // one allocation per push: if one fails, the blocks taken before it are already listed for the free below
        for (const b of bytes) scratch.push([heap.alloc(b), b]);
        if (isWeight) {
          const du = heap.alloc(duBytes);
          scratch.push([du, duBytes]);
          heap.f32.fill(0, du >>> 2, (du + duBytes) >>> 2);
        }
      }
      runParts(name, starts.map((s, i) => {
        const part = a.slice();
        part[g + 9] = row0 + s;
        part[g + 10] = (i + 1 < starts.length ? starts[i + 1]! : rows) - s;
        if (i + 1 < starts.length) {
          for (let j = 0; j < 3; j++) part[g + 12 + j] = scratch[per * i + j]![0];
          if (isWeight) part[2] = scratch[per * i + 3]![0];
        }
        return part;
      }), f);
      if (isWeight) {
        for (let i = 0; i + 1 < starts.length; i++) base.axpy_f32(scratch[per * i + 3]![0], a[2]!, planes * o * c, 1);
      }
    } finally {
      for (const [ptr, b] of scratch) heap.free(ptr, b);
    }
  };
}

type CellKernel = 'lstm_cell_f32' | 'lstm_cell_backward_f32' | 'gru_cell_f32' | 'gru_cell_backward_f32';

/** Floats per batch row of each pointer argument of a recurrent cell kernel, in multiples of `hidden`. */
const CELL_ROW_WIDTHS: Record<CellKernel, readonly number[]> = {
  lstm_cell_f32: [4, 4, 1, 1, 1, 4, 1], // gi, gh, c, h, cOut, act, tc
  lstm_cell_backward_f32: [1, 1, 4, 1, 1, 4, 1], // dh, dc, act, tc, c, dgates, dcPrev
  gru_cell_f32: [3, 3, 1, 1, 3], // gi, gh, h, hOut, act
  gru_cell_backward_f32: [1, 3, 3, 1, 3, 3, 1], // dh, act, gh, h, dgi, dgh, dhPrev
};
/**
 * Work of one element of a cell in elementwise-kernel elements, for the elementwise thresholds: the forward
 * cells compute several exp and divisions per element, the backward ones a few multiply-adds.
 */
const CELL_ELEMENT_COST: Record<CellKernel, number> = {
  lstm_cell_f32: 16, lstm_cell_backward_f32: 1, gru_cell_f32: 16, gru_cell_backward_f32: 1,
};

/**
 * The recurrent cell kernels (pointers, then batch and hidden) split into runs of batch rows: each row is
 * computed on its own, so any split is bit-identical to one thread. Each part's pointers move by its first
 * row (0, an absent optional input, stays 0).
 */
function cellSplit(base: Kernels, name: CellKernel): Fn {
  const f = base[name] as Fn;
  const widths = CELL_ROW_WIDTHS[name];
  const batchAt = widths.length;
  return (...a: number[]) => {
    const batch = a[batchAt]!, hidden = a[batchAt + 1]!;
    const work = batch * hidden * CELL_ELEMENT_COST[name];
    const min = getThreads() > 1 ? minElements(work) : Infinity;
    const p = work >= min ? threadsFor(work, min, batch) : 1;
    if (p <= 1) return f(...a);
    const starts = cut(batch, p, 1);
    runParts(name, starts.map((s, i) => {
      const part = a.slice();
      widths.forEach((w, j) => {
        if (a[j] !== 0) part[j] = a[j]! + s * w * hidden * 4;
      });
      part[batchAt] = (i + 1 < starts.length ? starts[i + 1]! : batch) - s;
      return part;
    }), f);
  };
}

type AttentionKernel = 'attention_forward_f32' | 'attention_backward_f32';

/**
 * The fused attention kernels split into runs of groups (batch x heads): every group is computed on its
 * own by the same instructions, so any split is bit-identical to one thread. Each part's pointers move
 * by its first group (maskOff by one i32 per group; the mask itself is addressed through maskOff), and
 * the workers get their own scratch (allocated here, on the calling thread).
 */
function attentionSplit(base: Kernels, name: AttentionKernel): Fn {
  const f = base[name] as Fn;
  const backward = name === 'attention_backward_f32';
  const workAt = backward ? 13 : 7; // `work`; groups, L, S, E, Ev, scale, causal, maskRs, maskCs, tile follow
  return (...a: number[]) => {
    const groups = a[workAt + 1]!, L = a[workAt + 2]!, S = a[workAt + 3]!, E = a[workAt + 4]!, Ev = a[workAt + 5]!;
    const macs = groups * L * S * (E + Ev) * (backward ? 2 : 1);
    const min = getThreads() > 1 ? minGemmMacs(macs) : Infinity;
    const p = macs >= min ? threadsFor(macs, min, groups) : 1;
    if (p <= 1) return f(...a);
    // elements per group of each pointer before `work`, in argument order (0: not moved)
    const steps = backward
      ? [L * E, S * E, E * S, S * Ev, Ev * S, 0, 1, L * Ev, L, L * Ev, L * E, S * E, S * Ev]
      : [L * E, E * S, S * Ev, 0, 1, L * Ev, L];
    const workBytes = (8 * a[workAt + 10]! + 8) * 4;
    const starts = cut(groups, p, 1);
    const scratch: number[] = [];
    try {
      for (let i = 0; i + 1 < starts.length; i++) scratch.push(heap.alloc(workBytes));
      runParts(name, starts.map((s, i) => {
        const part = a.slice();
        steps.forEach((step, j) => {
          if (a[j] !== 0) part[j] = a[j]! + s * step * 4;
        });
        part[workAt] = i + 1 < starts.length ? scratch[i]! : a[workAt]!;
        part[workAt + 1] = (i + 1 < starts.length ? starts[i + 1]! : groups) - s;
        return part;
      }), f);
    } finally {
      for (const w of scratch) heap.free(w, workBytes);
    }
  };
}

type ChannelKernel = 'batchnorm_forward_f32' | 'batchnorm_backward_f32';

/**
 * The batch-norm kernels split into runs of channels (their c0, c1 arguments, at multiples of 4 so each
 * part keeps whole SIMD groups): every channel's statistics and outputs are computed on their own by the
 * same instructions, so any split is bit-identical to one thread.
 */
function channelSplit(base: Kernels, name: ChannelKernel): Fn {
  const f = base[name] as Fn;
  const c0At = name === 'batchnorm_forward_f32' ? 10 : 11; // after N, C, S
  return (...a: number[]) => {
    const N = a[c0At - 3]!, C = a[c0At - 2]!, S = a[c0At - 1]!, c0 = a[c0At]!, c1 = a[c0At + 1]!;
    const work = N * (c1 - c0) * S * 2;
    const min = getThreads() > 1 ? minElements(work) : Infinity;
    const p = work >= min ? threadsFor(work, min, Math.ceil((c1 - c0) / 4)) : 1;
    if (p <= 1 || C <= 0) return f(...a);
    const starts = cut(c1 - c0, p, 4);
    runParts(name, starts.map((s, i) => {
      const part = a.slice();
      part[c0At] = c0 + s;
      part[c0At + 1] = i + 1 < starts.length ? c0 + starts[i + 1]! : c1;
      return part;
    }), f);
  };
}

/** The custom splitters the kernel table names, each taking exactly the kernels whose entry names it. */
type CustomSplitters = { [S in CustomSplit]: (name: KernelsSplitBy<S>) => Fn };

/**
 * The kernel table with large calls split across the worker pool, as each kernel's table entry says;
 * `constants` are the module's (exports.ts).
 */
export function withThreads(base: Kernels, constants: WasmConstants): Kernels {
  const gemm = gemmSplit(base, constants.GEMM_MR);
  const custom: CustomSplitters = {
    gemm: (name: GemmKernel) => gemm[name] as Fn,
    sum: (name: 'sum_f32') => sumSplit(base, name, constants) as Fn,
    conv: (name: ConvKernel) => convSplit(base, name, gemm.gemm_bias_f32),
    attention: (name: AttentionKernel) => attentionSplit(base, name),
    cell: (name: CellKernel) => cellSplit(base, name),
    channels: (name: ChannelKernel) => channelSplit(base, name),
    winograd: (name: WinogradKernel) => winogradSplit(base, name),
  };
  const out: Record<string, unknown> = { ...base };
  for (const name of KERNEL_NAMES) {
    const sig = KERNEL_SIGNATURES[name];
    if (sig.split === 'range') out[name] = rangeSplit(base, sig);
    else if (sig.split === 'rows') out[name] = rowsSplit(base, sig);
    else if (sig.split !== 'none') out[name] = (custom[sig.split] as (name: KernelName) => Fn)(name);
  }
  return out as Kernels;
}
