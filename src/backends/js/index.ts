/**
 * The plain-TypeScript reference backend: straightforward loops computing in doubles and rounding to f32
 * on store. It is the "pure TS" baseline and the correctness oracle for the WebAssembly kernels.
 */
import type { Kernels } from '../kernels.js';
import {
  abs_f32, add_f32, cast_f32_i32, cast_i32_f32, clamp_f32, copy_strided, div_f32, eq_f32, exp_f32, fill_f32,
  fill_i32, ge_f32, gt_f32, le_f32, log_f32, lt_f32, maximum_f32, minimum_f32, mul_f32, ne_f32, neg_f32, pow_f32,
  pow_scalar_f32, relu_f32, sigmoid_f32, sqrt_f32, sub_f32, tanh_f32, where_f32,
} from './elementwise.js';
import { find_nan_f32, max_f32, min_f32, sum_f32 } from './reduce.js';
import { axpy_f32, gemm_bias_f32, gemm_f32, gemm_f32_workspace } from './gemm.js';
import { log_softmax_f32, softmax_f32, softmax_xent_backward_f32, softmax_xent_f32 } from './softmax.js';
import { col2im_f32, im2col_f32, maxpool2d_backward_f32, maxpool2d_f32 } from './conv.js';
import {
  conv2d_backward_input_images_f32, conv2d_backward_weight_images_f32, conv2d_images_f32,
} from './conv-batch.js';
import { gather_f32, index_add_f32, index_select_f32, scatter_add_f32 } from './indexing.js';
import { erf_f32 } from './activation.js';
import { avgpool2d_backward_f32, avgpool2d_f32 } from './pool.js';
import { adam_step_f32, rmsprop_step_f32, sgd_step_f32 } from './optim.js';
import {
  log_softmax_backward_f32, pow_backward_f32, relu_backward_f32, sigmoid_backward_f32, softmax_backward_f32,
  tanh_backward_f32,
} from './fused.js';

/** The reference kernel table. */
export const jsKernels: Kernels = {
  copy_strided, fill_f32, fill_i32, cast_i32_f32, cast_f32_i32,
  neg_f32, exp_f32, log_f32, sqrt_f32, abs_f32, relu_f32, sigmoid_f32, tanh_f32, clamp_f32, pow_scalar_f32,
  add_f32, sub_f32, mul_f32, div_f32, pow_f32, maximum_f32, minimum_f32,
  eq_f32, ne_f32, gt_f32, lt_f32, ge_f32, le_f32, where_f32,
  sum_f32, max_f32, min_f32, find_nan_f32,
  gemm_f32, gemm_f32_workspace, gemm_bias_f32, axpy_f32,
  softmax_f32, log_softmax_f32, softmax_xent_f32, softmax_xent_backward_f32,
  im2col_f32, col2im_f32, maxpool2d_f32, maxpool2d_backward_f32,
  conv2d_images_f32, conv2d_backward_input_images_f32, conv2d_backward_weight_images_f32,
  index_select_f32, index_add_f32, gather_f32, scatter_add_f32,
  sgd_step_f32, adam_step_f32, rmsprop_step_f32,
  erf_f32, avgpool2d_f32, avgpool2d_backward_f32,
  relu_backward_f32, pow_backward_f32, softmax_backward_f32, log_softmax_backward_f32, sigmoid_backward_f32,
  tanh_backward_f32,
};
