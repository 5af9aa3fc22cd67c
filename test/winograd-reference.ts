/**
 * What the kernel-level Winograd tests of both variants share (test/winograd.test.ts for F(2x2, 3x3),
 * test/winograd4.test.ts for F(4x4, 3x3)): the two backends, a convolution's geometry, the float64 direct
 * convolution with the error scales the variants are checked against, and runners for the forward and
 * weight-gradient kernels.
 */
import { expect } from 'vitest';
import type { Kernels } from '../src/backends/kernels.js';
import { jsKernels } from '../src/backends/js/index.js';
import { winogradScratch, winogradWeightScratch } from '../src/backends/js/winograd.js';
import { winograd4Scratch, winograd4WeightScratch } from '../src/backends/js/winograd4.js';
import { heap } from '../src/backends/memory.js';
import { defaultWasmUrl, instantiateKernelsSync, readWasmFileSync } from '../src/backends/wasm/loader.js';
import { put, readF } from './helpers.js';

/** The WebAssembly kernels of a module of its own (no threads), and both backends by name. */
export const wasm = instantiateKernelsSync(readWasmFileSync(defaultWasmUrl));
export const backends: [string, Kernels][] = [['wasm', wasm], ['js', jsKernels]];

/** A 3x3 stride-1 convolution: x [n, c, h, wd] padded by (ph, pw) into [n, o, oh, ow]. */
export interface Conv {
  n: number; c: number; h: number; wd: number; o: number; ph: number; pw: number; oh: number; ow: number;
}
export const geo = (n: number, c: number, h: number, wd: number, o: number, ph: number, pw = ph): Conv =>
  ({ n, c, h, wd, o, ph, pw, oh: h + 2 * ph - 2, ow: wd + 2 * pw - 2 });

/** The Winograd variants: outputs per tile side. */
export type Tile = 2 | 4;

/**
 * The float64 direct convolution (filters g [o, c, 3, 3]) and two error scales per output: Σ|x||g| + |b|
 * (a direct sum's), and Winograd F(tile x tile)'s, Σ over channels of (Σ|d| over the output's (tile + 2)²
 * input tile)·(Σ|g|) + |b|: every transformed weight is bounded by Σ|g| and every transformed input by Σ|d|
 * (times the transforms' constants), and the output sums the channel sums of their products, so float32
 * rounding gives errors of a few ulps of that scale (the transforms cancel: a lone product x·g comes out of
 * sums of larger terms).
 */
export function direct64(tile: Tile, x: Float32Array, g: Float32Array, b: Float32Array | null, q: Conv):
  { y: Float64Array; scale: Float64Array; wscale: Float64Array } {
  const { n, c, h, wd, o, ph, pw, oh, ow } = q;
  const y = new Float64Array(n * o * oh * ow), scale = new Float64Array(y.length), wscale = new Float64Array(y.length);
  const at = (i: number, ci: number, iy: number, ix: number) => (iy < 0 || iy >= h || ix < 0 || ix >= wd ? 0 : x[((i * c + ci) * h + iy) * wd + ix]!);
  const side = tile + 2;
  const sg = new Float64Array(o * c);
  for (let k = 0; k < o * c; k++) for (let t = 0; t < 9; t++) sg[k] += Math.abs(g[k * 9 + t]!);
  for (let i = 0; i < n; i++) for (let oc = 0; oc < o; oc++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
    let acc = b ? b[oc]! : 0, s = b ? Math.abs(b[oc]!) : 0;
    for (let ci = 0; ci < c; ci++) for (let ki = 0; ki < 3; ki++) for (let kj = 0; kj < 3; kj++) {
      const iy = oy - ph + ki, ix = ox - pw + kj;
      if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
      const xv = x[((i * c + ci) * h + iy) * wd + ix]!, gv = g[((oc * c + ci) * 3 + ki) * 3 + kj]!;
      acc += xv * gv;
      s += Math.abs(xv * gv);
    }
    let ws = b ? Math.abs(b[oc]!) : 0;
    const ty = oy - (oy % tile) - ph, tx = ox - (ox % tile) - pw;
    for (let ci = 0; ci < c; ci++) {
      let sd = 0;
      for (let k = 0; k < side * side; k++) sd += Math.abs(at(i, ci, ty + Math.floor(k / side), tx + (k % side)));
      ws += sd * sg[oc * c + ci]!;
    }
    const idx = ((i * o + oc) * oh + oy) * ow + ox;
    y[idx] = acc;
    scale[idx] = s;
    wscale[idx] = ws;
  }
  return { y, scale, wscale };
}

/** g [c, o, 3, 3] = w [o, c, 3, 3] transposed and rotated by 180° (the input gradient's filters). */
export function flipTranspose(w: Float32Array, o: number, c: number): Float32Array {
  const g = new Float32Array(w.length);
  for (let oc = 0; oc < o; oc++) for (let ci = 0; ci < c; ci++) for (let t = 0; t < 9; t++) g[(ci * o + oc) * 9 + t] = w[(oc * c + ci) * 9 + 8 - t]!;
  return g;
}

/**
 * Runs the F(tile x tile) weight transform and forward kernel on `k` for the tile rows [row0, row0 + rows)
 * (all by default) into `y0` (copied to the output first), blocks of blockRows. w is [o, c, 3, 3] (flip 0)
 * or, with flip 1, [c, o, 3, 3] whose rotated transpose is the filter bank.
 */
export function runKernel(tile: Tile, k: Kernels, x: Float32Array, w: Float32Array, flip: 0 | 1, b: Float32Array | null, q: Conv,
  opts: { blockRows?: number; row0?: number; rows?: number; y0?: Float32Array } = {}): Float32Array {
  const { n, c, h, wd, o, ph, pw, oh, ow } = q;
  const tilesY = Math.ceil(oh / tile);
  const blockRows = opts.blockRows ?? n * tilesY;
  const bytes = (tile === 4 ? winograd4Scratch : winogradScratch)(c, o, ow, blockRows, k.gemm_f32_workspace);
  const px = put(x), pw_ = put(w), pb = b ? put(b) : 0;
  const py = put(opts.y0 ?? new Float32Array(n * o * oh * ow).fill(12345));
  const uBytes = tile === 4 ? k.winograd4_weights_bytes(o, c) : 16 * o * c * 4;
  const u = heap.alloc(uBytes), v = heap.alloc(bytes.v), m = heap.alloc(bytes.m), work = heap.alloc(bytes.work);
  const weights = tile === 4 ? k.winograd4_weights_f32 : k.winograd_weights_f32;
  const conv = tile === 4 ? k.conv2d_winograd4_f32 : k.conv2d_winograd_f32;
  try {
    if (flip) weights(pw_, u, c, o, 1);
    else weights(pw_, u, o, c, 0);
    conv(px, u, pb, py, n, c, h, wd, o, ph, pw, oh, ow, opts.row0 ?? 0, opts.rows ?? n * tilesY, blockRows, v, m, work);
    return readF(py, n * o * oh * ow);
  } finally {
    heap.free(px, x.length * 4);
    heap.free(pw_, w.length * 4);
    if (b) heap.free(pb, b.length * 4);
    heap.free(py, Math.max(4, n * o * oh * ow * 4));
    heap.free(u, uBytes);
    heap.free(v, bytes.v);
    heap.free(m, bytes.m);
    heap.free(work, bytes.work);
  }
}

/**
 * dW [o, c, 3, 3] through the F(tile x tile) weight-gradient kernel (runs of [row0, count, blockRows] tile
 * rows; all at once by default) and its backward weight transform.
 */
export function runWeight(tile: Tile, k: Kernels, gy: Float32Array, x: Float32Array, q: Conv,
  runs: [number, number, number][] | null = null): Float32Array {
  const { n, c, h, wd, o, ph, pw, oh, ow } = q;
  const planes = (tile + 2) ** 2;
  const rows = n * Math.ceil(oh / tile);
  const scratch = tile === 4 ? winograd4WeightScratch : winogradWeightScratch;
  const sum = tile === 4 ? k.conv2d_winograd4_weight_f32 : k.conv2d_winograd_weight_f32;
  const back = tile === 4 ? k.winograd4_weights_backward_f32 : k.winograd_weights_backward_f32;
  const pg = put(gy), px = put(x), du = put(new Float32Array(planes * o * c)), dw = put(new Float32Array(o * c * 9).fill(7));
  try {
    for (const [row0, count, blockRows] of runs ?? [[0, rows, rows]]) {
      const bytes = scratch(c, o, ow, blockRows, k.gemm_f32_workspace);
      const v = heap.alloc(bytes.v), z = heap.alloc(bytes.z), work = heap.alloc(bytes.work);
      sum(pg, px, du, n, c, h, wd, o, ph, pw, oh, ow, row0, count, blockRows, v, z, work);
      heap.free(v, bytes.v);
      heap.free(z, bytes.z);
      heap.free(work, bytes.work);
    }
    back(du, dw, o, c);
    return readF(dw, o * c * 9);
  } finally {
    heap.free(pg, gy.length * 4);
    heap.free(px, x.length * 4);
    heap.free(du, planes * o * c * 4);
    heap.free(dw, o * c * 9 * 4);
  }
}

/** Expects |y - ref| <= tol * (the Winograd error scale) elementwise. */
export function expectNear(y: Float32Array, ref: { y: Float64Array; wscale: Float64Array }, tol: number, what: string): void {
  expect(y.length, what).toBe(ref.y.length);
  for (let i = 0; i < y.length; i++) {
    const err = Math.abs(y[i]! - ref.y[i]!);
    if (!(err <= tol * ref.wscale[i]! + 1e-30)) throw new Error(`${what}: element ${i} is ${y[i]}, float64 ${ref.y[i]} (scale ${ref.wscale[i]})`);
  }
}

/** The bits of a float32 array, to compare with toEqual (NaN payloads included). */
export const bits = (a: Float32Array) => new Int32Array(a.buffer, a.byteOffset, a.length);
