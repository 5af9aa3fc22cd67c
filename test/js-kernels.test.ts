/**
 * The plain-TypeScript kernels (jsKernels) called directly on heap buffers, against hand-computed values:
 * strided copy and fill, casts, activations, broadcasting binary ops, comparisons with NaN, where,
 * reductions with ties and NaN, gemm, softmax / cross-entropy, im2col / col2im, max pooling and indexing.
 */
import { describe, expect, it } from 'vitest';
import { writeMeta } from '../src/backends/memory.js';
import { jsKernels as K } from '../src/backends/js/index.js';
import { put, readF, readI } from './helpers.js';

const f = (v: number): number => Math.fround(v);

describe('jsKernels', () => {
  it('copy_strided transposes a 2x3 matrix', () => {
    const src = put(new Float32Array([1, 2, 3, 4, 5, 6]));
    const dst = put(new Float32Array(6));
    // Iterate the 3x2 result: src element (i, j) of the transpose is src[j*3 + i].
    K.copy_strided(src, dst, writeMeta([3, 2], [1, 3], [2, 1]));
    expect(Array.from(readF(dst, 6))).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('fill_f32 fills a strided column', () => {
    const dst = put(new Float32Array(6));
    K.fill_f32(dst, 7.5, writeMeta([2, 1], [3, 1]));
    expect(Array.from(readF(dst, 6))).toEqual([7.5, 0, 0, 7.5, 0, 0]);
  });

  it('cast_f32_i32 truncates, maps NaN to 0 and saturates', () => {
    const src = put(new Float32Array([1.9, -1.9, NaN, 3e9, -3e9, Infinity, -Infinity, 2147483648]));
    const dst = put(new Int32Array(8).fill(9));
    K.cast_f32_i32(src, dst, 8);
    expect(Array.from(readI(dst, 8))).toEqual([1, -1, 0, 2147483647, -2147483648, 2147483647, -2147483648, 2147483647]);
  });

  it('sigmoid is stable at the extremes; relu keeps NaN', () => {
    const x = put(new Float32Array([0, 1000, -1000, -Infinity, Infinity, 2]));
    const out = put(new Float32Array(6));
    K.sigmoid_f32(x, out, 6);
    expect(Array.from(readF(out, 6))).toEqual([0.5, 1, 0, 0, 1, f(1 / (1 + Math.exp(-2)))]);
    const y = put(new Float32Array([-1, 0, 2, NaN]));
    K.relu_f32(y, y, 4);
    const r = Array.from(readF(y, 4));
    expect(r.slice(0, 3)).toEqual([0, 0, 2]);
    expect(r[3]).toBeNaN();
  });

  it('add_f32 broadcasts a row over a 2x3 matrix; pow follows IEEE', () => {
    const a = put(new Float32Array([1, 2, 3, 4, 5, 6]));
    const b = put(new Float32Array([10, 20, 30]));
    const out = put(new Float32Array(6));
    K.add_f32(a, b, out, writeMeta([2, 3], [3, 1], [0, 1]));
    expect(Array.from(readF(out, 6))).toEqual([11, 22, 33, 14, 25, 36]);
    const pa = put(new Float32Array([2, 1, -1, 9]));
    const pb = put(new Float32Array([10, NaN, Infinity, 0.5]));
    K.pow_f32(pa, pb, out, writeMeta([4], [1], [1]));
    expect(Array.from(readF(out, 4))).toEqual([1024, 1, 1, 3]);
  });

  it('comparisons are false with NaN except ne', () => {
    const a = put(new Float32Array([1, NaN, 3]));
    const b = put(new Float32Array([1, NaN, 2]));
    const out = put(new Int32Array([9, 9, 9]));
    const meta = (): number => writeMeta([3], [1], [1]);
    K.eq_f32(a, b, out, meta());
    expect(Array.from(readI(out, 3))).toEqual([1, 0, 0]);
    K.ne_f32(a, b, out, meta());
    expect(Array.from(readI(out, 3))).toEqual([0, 1, 1]);
    K.gt_f32(a, b, out, meta());
    expect(Array.from(readI(out, 3))).toEqual([0, 0, 1]);
    K.le_f32(a, b, out, meta());
    expect(Array.from(readI(out, 3))).toEqual([1, 0, 0]);
  });

  it('where_f32 selects with a broadcast condition', () => {
    const cond = put(new Int32Array([1, 0]));
    const a = put(new Float32Array([1, 2, 3, 4]));
    const b = put(new Float32Array([-1]));
    const out = put(new Float32Array(4));
    K.where_f32(cond, a, b, out, writeMeta([2, 2], [0, 1], [2, 1], [0, 0]));
    expect(Array.from(readF(out, 4))).toEqual([1, -1, 3, -1]);
  });

  it('sum/max/min over the middle axis, NaN wins, ties give the first index', () => {
    // x shape [outer=1, r=3, inner=2]
    const x = put(new Float32Array([1, 5, 4, NaN, 4, 2]));
    const out = put(new Float32Array(2));
    const idx = put(new Int32Array([9, 9]));
    K.sum_f32(x, out, 1, 3, 2);
    expect(Array.from(readF(out, 1))).toEqual([9]);
    K.max_f32(x, out, idx, 1, 3, 2);
    expect(Array.from(readF(out, 2))[0]).toBe(4);
    expect(Array.from(readF(out, 2))[1]).toBeNaN();
    expect(Array.from(readI(idx, 2))).toEqual([1, 1]);
    K.min_f32(x, out, idx, 1, 3, 2);
    expect(Array.from(readF(out, 2))[0]).toBe(1);
    expect(Array.from(readI(idx, 2))).toEqual([0, 1]);
  });

  it('gemm_f32 with a transposed operand and beta = 1; k = 0', () => {
    const a = put(new Float32Array([1, 2, 3, 4, 5, 6])); // A 2x3 row-major
    const bt = put(new Float32Array([7, 9, 11, 8, 10, 12])); // B^T stored 2x3, so B (3x2) = [[7,8],[9,10],[11,12]]
    const c = put(new Float32Array([1, 1, 1, 1]));
    K.gemm_f32(a, bt, c, 2, 2, 3, 3, 1, 1, 3, 1, 0);
    expect(Array.from(readF(c, 4))).toEqual([59, 65, 140, 155]);
    K.gemm_f32(a, bt, c, 2, 2, 3, 3, 1, 1, 3, 0, 0);
    expect(Array.from(readF(c, 4))).toEqual([58, 64, 139, 154]);
    K.gemm_f32(a, bt, c, 2, 2, 0, 3, 1, 1, 3, 1, 0);
    expect(Array.from(readF(c, 4))).toEqual([58, 64, 139, 154]);
    K.gemm_f32(a, bt, c, 2, 2, 0, 3, 1, 1, 3, 0, 0);
    expect(Array.from(readF(c, 4))).toEqual([0, 0, 0, 0]);
    expect(K.gemm_f32_workspace(2, 2, 3)).toBe(0);
  });

  it('softmax, log_softmax and cross-entropy', () => {
    const x = put(new Float32Array([1, 2, 3, -Infinity, -Infinity, -Infinity]));
    const out = put(new Float32Array(6));
    K.softmax_f32(x, out, 2, 3);
    const s = Math.exp(1) + Math.exp(2) + Math.exp(3);
    const p = Array.from(readF(out, 6));
    expect(p.slice(0, 3)).toEqual([f(Math.exp(1) / s), f(Math.exp(2) / s), f(Math.exp(3) / s)]);
    expect(p.slice(3).every(Number.isNaN)).toBe(true);
    K.log_softmax_f32(x, out, 1, 3);
    expect(Array.from(readF(out, 3))).toEqual([1, 2, 3].map((v) => f(v - Math.log(s))));
    const target = put(new Int32Array([0]));
    const prob = put(new Float32Array(3));
    const loss = put(new Float32Array(1));
    K.softmax_xent_f32(x, target, prob, loss, 1, 3);
    expect(Array.from(readF(loss, 1))[0]).toBe(f(Math.log(s) - 1));
    const dx = put(new Float32Array(3));
    K.softmax_xent_backward_f32(prob, target, dx, 1, 3, 0.5);
    expect(Array.from(readF(dx, 3))).toEqual([0, 1, 2].map((c) => f((Array.from(readF(prob, 3))[c] - (c === 0 ? 1 : 0)) * 0.5)));
  });

  it('im2col / col2im on a padded 2x2 image with a 2x2 kernel', () => {
    const x = put(new Float32Array([1, 2, 3, 4]));
    // kh = kw = 2, stride 1, pad 1 -> oh = ow = 3; 4 rows of 9
    const cols = put(new Float32Array(36));
    K.im2col_f32(x, cols, 1, 2, 2, 2, 2, 1, 1, 1, 1, 3, 3);
    expect(Array.from(readF(cols, 36))).toEqual([
      0, 0, 0, 0, 1, 2, 0, 3, 4, // ki=0,kj=0
      0, 0, 0, 1, 2, 0, 3, 4, 0, // ki=0,kj=1
      0, 1, 2, 0, 3, 4, 0, 0, 0, // ki=1,kj=0
      1, 2, 0, 3, 4, 0, 0, 0, 0, // ki=1,kj=1
    ]);
    const dx = put(new Float32Array(4));
    K.col2im_f32(cols, dx, 1, 2, 2, 2, 2, 1, 1, 1, 1, 3, 3);
    expect(Array.from(readF(dx, 4))).toEqual([4, 8, 12, 16]); // each pixel appears in 4 windows
  });

  it('maxpool2d forward/backward', () => {
    const x = put(new Float32Array([1, 3, 2, 4, 6, 5, 7, 8, 9])); // 3x3
    const out = put(new Float32Array(4));
    const idx = put(new Int32Array([0, 0, 0, 0]));
    // k=2, s=2, pad=1 -> oh = ow = 2
    K.maxpool2d_f32(x, out, idx, 1, 3, 3, 2, 2, 2, 2, 1, 1, 2, 2);
    expect(Array.from(readF(out, 4))).toEqual([1, 3, 7, 9]);
    expect(Array.from(readI(idx, 4))).toEqual([0, 1, 6, 8]);
    const dy = put(new Float32Array([1, 2, 3, 4]));
    const dx = put(new Float32Array(9));
    K.maxpool2d_backward_f32(dy, idx, dx, 1, 3, 3, 2, 2);
    expect(Array.from(readF(dx, 9))).toEqual([1, 2, 0, 0, 0, 0, 3, 0, 4]);
  });

  it('index_select / index_add / gather / scatter_add', () => {
    const x = put(new Float32Array([1, 2, 3, 4, 5, 6])); // [outer=1, dimSize=3, inner=2]
    const idx = put(new Int32Array([2, 0, 2]));
    const out = put(new Float32Array(6));
    K.index_select_f32(x, idx, out, 1, 3, 3, 2);
    expect(Array.from(readF(out, 6))).toEqual([5, 6, 1, 2, 5, 6]);
    const dx = put(new Float32Array(6));
    K.index_add_f32(out, idx, dx, 1, 3, 3, 2);
    expect(Array.from(readF(dx, 6))).toEqual([1, 2, 0, 0, 10, 12]);
    const gidx = put(new Int32Array([1, 0, 2, 2])); // idx shape [1, 2, 2]
    const g = put(new Float32Array(4));
    K.gather_f32(x, gidx, g, 1, 3, 2, 2);
    expect(Array.from(readF(g, 4))).toEqual([3, 2, 5, 6]);
    const sx = put(new Float32Array(6));
    K.scatter_add_f32(g, gidx, sx, 1, 3, 2, 2);
    expect(Array.from(readF(sx, 6))).toEqual([0, 2, 3, 0, 5, 6]);
  });
});
