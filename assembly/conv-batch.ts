// conv2d over a run of n images of a batch (NCHW, weight [o, c, kh, kw]): im2col + GEMM per image. One
// call covers the whole batch on one thread; worker threads each run one call over their own images, with
// their own cols and GEMM workspace (split.ts).
import { im2col_f32, col2im_f32 } from "./conv";
import { gemm_bias_f32 } from "./gemm";

/**
 * out[i] = w · im2col(x[i]) (+ bias[o] per output channel when bias != 0) for each of the n images.
 * cols holds c*kh*kw * oh*ow floats, work gemm_f32_workspace(o, oh*ow, c*kh*kw) bytes.
 */
export function conv2d_images_f32(x: usize, w: usize, bias: usize, out: usize, n: i32, c: i32, h: i32, wd: i32,
  o: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32, cols: usize, work: usize): void {
  const L = oh * ow, ckk = c * kh * kw;
  const xStep = <usize>(c * h * wd) << 2, outStep = <usize>(o * L) << 2;
  for (let i = 0; i < n; i++) {
    im2col_f32(x + <usize>i * xStep, cols, c, h, wd, kh, kw, sh, sw, ph, pw, oh, ow);
    gemm_bias_f32(w, cols, out + <usize>i * outStep, o, L, ckk, ckk, 1, L, 1, 0, bias, bias != 0 ? 2 : 0, 0, work);
  }
}

/** dx[i] += col2im(wᵀ · gy[i]) for each of the n images (cols and work as in conv2d_images_f32, work for (c*kh*kw, oh*ow, o)). */
export function conv2d_backward_input_images_f32(gy: usize, w: usize, dx: usize, n: i32, c: i32, h: i32, wd: i32,
  o: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32, cols: usize, work: usize): void {
  const L = oh * ow, ckk = c * kh * kw;
  const dxStep = <usize>(c * h * wd) << 2, gyStep = <usize>(o * L) << 2;
  for (let i = 0; i < n; i++) {
    gemm_bias_f32(w, gy + <usize>i * gyStep, cols, ckk, L, o, 1, ckk, L, 1, 0, 0, 0, 0, work);
    col2im_f32(cols, dx + <usize>i * dxStep, c, h, wd, kh, kw, sh, sw, ph, pw, oh, ow);
  }
}

/** dw += gy[i] · im2col(x[i])ᵀ over the n images, in order (work for (o, c*kh*kw, oh*ow)). */
export function conv2d_backward_weight_images_f32(gy: usize, x: usize, dw: usize, n: i32, c: i32, h: i32, wd: i32,
  o: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32, cols: usize, work: usize): void {
  const L = oh * ow, ckk = c * kh * kw;
  const xStep = <usize>(c * h * wd) << 2, gyStep = <usize>(o * L) << 2;
  for (let i = 0; i < n; i++) {
    im2col_f32(x + <usize>i * xStep, cols, c, h, wd, kh, kw, sh, sw, ph, pw, oh, ow);
    gemm_bias_f32(gy + <usize>i * gyStep, cols, dw, o, ckk, L, L, 1, 1, L, 1, 0, 0, 0, work);
  }
}
