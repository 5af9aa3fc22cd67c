/** Reference kernels: conv2d over a run of images, im2col + GEMM per image (as assembly/conv-batch.ts). */
import { col2im_f32, im2col_f32 } from './conv.js';
import { gemm_bias_f32 } from './gemm.js';

export function conv2d_images_f32(x: number, w: number, bias: number, out: number, n: number, c: number, h: number,
  wd: number, o: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, oh: number, ow: number,
  cols: number, work: number): void {
  const L = oh * ow, ckk = c * kh * kw;
  for (let i = 0; i < n; i++) {
    im2col_f32(x + i * c * h * wd * 4, cols, c, h, wd, kh, kw, sh, sw, ph, pw, oh, ow);
    gemm_bias_f32(w, cols, out + i * o * L * 4, o, L, ckk, ckk, 1, L, 1, 0, bias, bias !== 0 ? 2 : 0, 0, work);
  }
}

export function conv2d_backward_input_images_f32(gy: number, w: number, dx: number, n: number, c: number, h: number,
  wd: number, o: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, oh: number, ow: number,
  cols: number, work: number): void {
  const L = oh * ow, ckk = c * kh * kw;
  for (let i = 0; i < n; i++) {
    gemm_bias_f32(w, gy + i * o * L * 4, cols, ckk, L, o, 1, ckk, L, 1, 0, 0, 0, 0, work);
    col2im_f32(cols, dx + i * c * h * wd * 4, c, h, wd, kh, kw, sh, sw, ph, pw, oh, ow);
  }
}

export function conv2d_backward_weight_images_f32(gy: number, x: number, dw: number, n: number, c: number, h: number,
  wd: number, o: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, oh: number, ow: number,
  cols: number, work: number): void {
  const L = oh * ow, ckk = c * kh * kw;
  for (let i = 0; i < n; i++) {
    im2col_f32(x + i * c * h * wd * 4, cols, c, h, wd, kh, kw, sh, sw, ph, pw, oh, ow);
    gemm_bias_f32(gy + i * o * L * 4, cols, dw, o, ckk, L, L, 1, 1, L, 1, 0, 0, 0, work);
  }
}
