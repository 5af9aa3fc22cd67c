/**
 * conv2d over a run of images, im2col + GEMM per image (as assembly/conv-batch.ts), written once over the
 * im2col/col2im/GEMM kernels it is given: the reference backend runs it with its own kernels, and the
 * thread pool (wasm/split.ts) with the wasm kernels and its threaded GEMM, for batches too small to split
 * by images.
 */
import { GEMM_BIAS, type Kernels } from '../kernels.js';
import { col2im_f32, im2col_f32 } from './conv.js';
import { gemm_bias_f32 } from './gemm.js';

type ConvOverImages = Pick<Kernels, 'conv2d_images_f32' | 'conv2d_backward_input_images_f32' | 'conv2d_backward_weight_images_f32'>;

/** The three conv2d-over-images kernels as loops calling `k`'s im2col, col2im and GEMM. */
export function convOverImages(k: Pick<Kernels, 'im2col_f32' | 'col2im_f32' | 'gemm_bias_f32'>): ConvOverImages {
  return {
    conv2d_images_f32(x, w, bias, out, n, c, h, wd, o, kh, kw, sh, sw, ph, pw, oh, ow, cols, work) {
      const L = oh * ow, ckk = c * kh * kw;
      for (let i = 0; i < n; i++) {
        k.im2col_f32(x + i * c * h * wd * 4, cols, c, h, wd, kh, kw, sh, sw, ph, pw, oh, ow);
        k.gemm_bias_f32(w, cols, out + i * o * L * 4, o, L, ckk, ckk, 1, L, 1, 0, bias, bias !== 0 ? GEMM_BIAS.perRow : GEMM_BIAS.none, 0, work);
      }
    },
    conv2d_backward_input_images_f32(gy, w, dx, n, c, h, wd, o, kh, kw, sh, sw, ph, pw, oh, ow, cols, work) {
      const L = oh * ow, ckk = c * kh * kw;
      for (let i = 0; i < n; i++) {
        k.gemm_bias_f32(w, gy + i * o * L * 4, cols, ckk, L, o, 1, ckk, L, 1, 0, 0, 0, 0, work);
        k.col2im_f32(cols, dx + i * c * h * wd * 4, c, h, wd, kh, kw, sh, sw, ph, pw, oh, ow);
      }
    },
    conv2d_backward_weight_images_f32(gy, x, dw, n, c, h, wd, o, kh, kw, sh, sw, ph, pw, oh, ow, cols, work) {
      const L = oh * ow, ckk = c * kh * kw;
      for (let i = 0; i < n; i++) {
        k.im2col_f32(x + i * c * h * wd * 4, cols, c, h, wd, kh, kw, sh, sw, ph, pw, oh, ow);
        k.gemm_bias_f32(gy + i * o * L * 4, cols, dw, o, ckk, L, L, 1, 1, L, 1, 0, 0, 0, work);
      }
    },
  };
}

export const { conv2d_images_f32, conv2d_backward_input_images_f32, conv2d_backward_weight_images_f32 } =
  convOverImages({ im2col_f32, col2im_f32, gemm_bias_f32 });
