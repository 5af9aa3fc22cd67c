/**
 * The kernel table: every name here is implemented twice, with the same semantics,
 *  - by the AssemblyScript module (`assembly/`, exported under exactly these names), and
 *  - by the plain-TypeScript reference backend (`src/backends/js/`).
 *
 * Conventions shared by all kernels:
 *  - Every pointer is a byte offset into the one WebAssembly memory (`src/backends/memory.ts`).
 *    f32 and i32 elements are 4 bytes; blocks are 16-byte aligned but views into them need not be
 *    (a kernel may only assume 4-byte alignment of any pointer).
 *  - Kernels never allocate and never throw: the TypeScript op layer has validated shapes, dtypes and
 *    indices before calling, and allocated every output (and any `work` buffer).
 *  - Sizes are element counts, strides are in elements (they may be 0 for broadcast dims).
 *  - `meta` points to an i32 descriptor in scratch memory: `[ndim, shape[0..ndim), strides...]`, with one
 *    stride array (ndim entries each) per strided operand in the order the kernel lists. 1 <= ndim <= 8.
 *    Outputs described by `meta` without their own strides are contiguous row-major of `shape`.
 *  - "Contiguous" kernels read `n` consecutive elements from each pointer; `out` may equal an input
 *    (in-place use) but must not partially overlap it.
 *  - NaN and ±Infinity propagate as IEEE-754 says; nothing is clamped silently.
 */
export interface Kernels {
  // ---- fused optimizer steps (src/optim), contiguous, all buffers updated in place ----
  /**
   * One SGD step over n elements of parameter p, gradient g and momentum buffer buf (buf unused, may be
   * 0, when momentum = 0). Flags are 0/1. Per element:
   *   d = maximize ? -g : g;  if weightDecay != 0: d = d + weightDecay * p
   *   if momentum != 0:
   *     buf = firstStep ? d : momentum * buf + (1 - dampening) * d
   *     d = nesterov ? d + momentum * buf : buf
   *   p = p - lr * d
   */
  sgd_step_f32(p: number, g: number, buf: number, n: number, lr: number, momentum: number, dampening: number,
    weightDecay: number, nesterov: number, firstStep: number, maximize: number): void;
  /**
   * One Adam (decoupled = 0) or AdamW (decoupled = 1) step over n elements; m, v are the first and second
   * moments, vmax the running max of v (used, and may be 0 otherwise, only when amsgrad = 1). The caller
   * passes the bias corrections for step t (counted from 1): stepSize = lr / (1 - beta1^t) and
   * bc2Sqrt = sqrt(1 - beta2^t). Per element:
   *   d = maximize ? -g : g
   *   if weightDecay != 0: decoupled ? p = p * (1 - lr * weightDecay) : d = d + weightDecay * p
   *   m = beta1 * m + (1 - beta1) * d;   v = beta2 * v + (1 - beta2) * d * d
   *   s = amsgrad ? (vmax = max(vmax, v)) : v
   *   p = p - stepSize * m / (sqrt(s) / bc2Sqrt + eps)
   */
  adam_step_f32(p: number, g: number, m: number, v: number, vmax: number, n: number, lr: number, beta1: number,
    beta2: number, eps: number, weightDecay: number, stepSize: number, bc2Sqrt: number, decoupled: number,
    amsgrad: number, maximize: number): void;
  /**
   * One RMSprop step over n elements; sq is the running mean of squares, gavg the running mean of the
   * gradient (only when centered = 1), buf the momentum buffer (only when momentum > 0); unused state
   * pointers may be 0. Per element:
   *   d = maximize ? -g : g;  if weightDecay != 0: d = d + weightDecay * p
   *   sq = alpha * sq + (1 - alpha) * d * d
   *   if centered: gavg = alpha * gavg + (1 - alpha) * d;  avg = sqrt(sq - gavg * gavg) + eps
   *   else avg = sqrt(sq) + eps
   *   if momentum > 0: buf = momentum * buf + d / avg;  p = p - lr * buf
   *   else p = p - lr * d / avg
   */
  rmsprop_step_f32(p: number, g: number, sq: number, gavg: number, buf: number, n: number, lr: number,
    alpha: number, eps: number, weightDecay: number, momentum: number, centered: number, maximize: number): void;

  // ---- data movement (4-byte elements: f32 or i32 alike) ----
  /** dst[i over shape] = src[i over shape]; meta: [nd, shape, srcStrides, dstStrides]. */
  copy_strided(src: number, dst: number, meta: number): void;
  /** dst[i over shape] = value; meta: [nd, shape, dstStrides]. */
  fill_f32(dst: number, value: number, meta: number): void;
  /** Same as fill_f32 for i32 elements. */
  fill_i32(dst: number, value: number, meta: number): void;
  /** dst[i] = f32(src[i]) for i32 src, contiguous. */
  cast_i32_f32(src: number, dst: number, n: number): void;
  /** dst[i] = i32 truncation toward zero of src[i] (NaN -> 0, saturating at the i32 range), contiguous. */
  cast_f32_i32(src: number, dst: number, n: number): void;

  // ---- unary f32, contiguous ----
  neg_f32(x: number, out: number, n: number): void;
  exp_f32(x: number, out: number, n: number): void;
  log_f32(x: number, out: number, n: number): void;
  sqrt_f32(x: number, out: number, n: number): void;
  abs_f32(x: number, out: number, n: number): void;
  /** max(x, 0); NaN stays NaN. */
  relu_f32(x: number, out: number, n: number): void;
  /** 1 / (1 + exp(-x)), stable for large |x| (no NaN from Inf/Inf). */
  sigmoid_f32(x: number, out: number, n: number): void;
  tanh_f32(x: number, out: number, n: number): void;
  /** min(max(x, lo), hi); lo = -Infinity / hi = +Infinity mean no bound; NaN stays NaN. */
  clamp_f32(x: number, out: number, n: number, lo: number, hi: number): void;
  /** x ** p (IEEE pow, as Math.pow rounded to f32); p = 2 and p = 0.5 may take exact fast paths. */
  pow_scalar_f32(x: number, out: number, n: number, p: number): void;

  // ---- binary f32 with broadcasting; meta: [nd, outShape, aStrides, bStrides]; out contiguous ----
  add_f32(a: number, b: number, out: number, meta: number): void;
  sub_f32(a: number, b: number, out: number, meta: number): void;
  mul_f32(a: number, b: number, out: number, meta: number): void;
  div_f32(a: number, b: number, out: number, meta: number): void;
  /** a ** b (IEEE pow). */
  pow_f32(a: number, b: number, out: number, meta: number): void;
  /** max(a, b), NaN if either is NaN. */
  maximum_f32(a: number, b: number, out: number, meta: number): void;
  /** min(a, b), NaN if either is NaN. */
  minimum_f32(a: number, b: number, out: number, meta: number): void;
  /** Comparisons write i32 1 or 0 to out (comparisons with NaN are false, except ne which is true). */
  eq_f32(a: number, b: number, out: number, meta: number): void;
  ne_f32(a: number, b: number, out: number, meta: number): void;
  gt_f32(a: number, b: number, out: number, meta: number): void;
  lt_f32(a: number, b: number, out: number, meta: number): void;
  ge_f32(a: number, b: number, out: number, meta: number): void;
  le_f32(a: number, b: number, out: number, meta: number): void;
  /** out = cond != 0 ? a : b with cond i32; meta: [nd, outShape, condStrides, aStrides, bStrides]. */
  where_f32(cond: number, a: number, b: number, out: number, meta: number): void;

  // ---- reductions over the middle axis of a contiguous [outer, r, inner] array ----
  /**
   * out[o*inner + i] = sum over j < r of x[(o*r + j)*inner + i]. r >= 1. Accurate to float32 rounding of
   * the result even for long reductions (the wasm kernel sums blocks in f32 and the blocks in f64).
   */
  sum_f32(x: number, out: number, outer: number, r: number, inner: number): void;
  /**
   * out[o*inner + i] = max over j of x[(o*r + j)*inner + i]; when idx != 0 also idx[o*inner + i] = the
   * j of the first maximum. NaN wins (first NaN's index). r >= 1.
   */
  max_f32(x: number, out: number, idx: number, outer: number, r: number, inner: number): void;
  /** As max_f32 with the minimum. */
  min_f32(x: number, out: number, idx: number, outer: number, r: number, inner: number): void;
  /**
   * Index of the first NaN among the n contiguous floats at x, or -1 when there is none (±Infinity is not
   * NaN). n >= 0. Anomaly detection (src/autograd/anomaly.ts) runs it over op outputs and gradients.
   */
  find_nan_f32(x: number, n: number): number;

  // ---- linear algebra ----
  /**
   * C = A·B (+ C when beta = 1), C contiguous m×n; A[i][p] at a + 4*(i*sa0 + p*sa1), B[p][j] at
   * b + 4*(p*sb0 + j*sb1) (any strides: transposed operands need no copy). beta is 0 or 1; with 0,
   * C is not read. k may be 0 (then C = 0 or unchanged). `work` holds gemm_f32_workspace(m, n, k) bytes.
   */
  gemm_f32(a: number, b: number, c: number, m: number, n: number, k: number,
    sa0: number, sa1: number, sb0: number, sb1: number, beta: number, work: number): void;
  /** Bytes of scratch gemm_f32 and gemm_bias_f32 need for these sizes (0 if none). */
  gemm_f32_workspace(m: number, n: number, k: number): number;
  /**
   * gemm_f32 with a fused epilogue: C = A·B (+ C when beta = 1) (+ bias), then max(C, 0) when relu = 1
   * (NaN stays NaN). biasMode 0: no bias (bias unused, may be 0); 1: bias[j] (n floats, per column, as in
   * linear layers); 2: bias[i] (m floats, per row, as in conv2d's [outC, L] output). k = 0 gives
   * C = (beta ? C : 0) + bias, then the ReLU. `work` holds gemm_f32_workspace(m, n, k) bytes.
   */
  gemm_bias_f32(a: number, b: number, c: number, m: number, n: number, k: number,
    sa0: number, sa1: number, sb0: number, sb1: number, beta: number, bias: number, biasMode: number, relu: number,
    work: number): void;
  /** y[i] += alpha * x[i], contiguous (gradient accumulation). */
  axpy_f32(x: number, y: number, n: number, alpha: number): void;

  // ---- softmax family, along the last axis of a contiguous rows×cols array ----
  /** Stable softmax per row (subtracts the row max); a row of all -Infinity gives NaN like PyTorch. */
  softmax_f32(x: number, out: number, rows: number, cols: number): void;
  /** Stable log-softmax per row: x - max - log(sum(exp(x - max))). */
  log_softmax_f32(x: number, out: number, rows: number, cols: number): void;
  /**
   * Fused softmax + cross-entropy: prob[r] = softmax(x[r]), loss[r] = -log_softmax(x[r])[target[r]].
   * target is i32 with values in [0, cols) (validated by the caller).
   */
  softmax_xent_f32(x: number, target: number, prob: number, loss: number, rows: number, cols: number): void;
  /** dx[r][c] = (prob[r][c] - (c == target[r] ? 1 : 0)) * scale. */
  softmax_xent_backward_f32(prob: number, target: number, dx: number, rows: number, cols: number, scale: number): void;

  // ---- convolution and pooling, one image (c×h×w) or planes×h×w at a time ----
  /**
   * cols[(ci*kh*kw + ki*kw + kj)*(oh*ow) + oy*ow + ox] = x[ci*h*w + iy*w + ix] where
   * iy = oy*sh - ph + ki, ix = ox*sw - pw + kj, and 0 where (iy, ix) falls outside the image.
   */
  im2col_f32(x: number, cols: number, c: number, h: number, w: number, kh: number, kw: number,
    sh: number, sw: number, ph: number, pw: number, oh: number, ow: number): void;
  /** The adjoint of im2col_f32: dx[ci*h*w + iy*w + ix] += cols[...] for every in-range position. */
  col2im_f32(cols: number, dx: number, c: number, h: number, w: number, kh: number, kw: number,
    sh: number, sw: number, ph: number, pw: number, oh: number, ow: number): void;
  /**
   * Max pooling of `planes` planes of h×w: out[p*oh*ow + oy*ow + ox] = max over the window (padding
   * counts as -Infinity) and idx[same] = iy*w + ix of the first maximum, or of the last NaN in the window
   * (NaN wins; PyTorch's kernel replaces on `v > best || isnan(v)`, so the gradient goes to the last NaN).
   */
  maxpool2d_f32(x: number, out: number, idx: number, planes: number, h: number, w: number, kh: number, kw: number,
    sh: number, sw: number, ph: number, pw: number, oh: number, ow: number): void;
  /** dx[p*h*w + idx[p*oh*ow + o]] += dy[p*oh*ow + o]. */
  maxpool2d_backward_f32(dy: number, idx: number, dx: number, planes: number, h: number, w: number,
    oh: number, ow: number): void;

  // ---- conv2d over a run of n images (NCHW; weight [o, c, kh, kw]; L = oh*ow, CKK = c*kh*kw) ----
  // One call does a whole batch; the thread pool gives each thread a run of images. cols holds CKK*L
  // floats; work holds gemm_f32_workspace bytes for that kernel's GEMM shape.
  /** out[i] = w·im2col(x[i]) (+ bias[oc] per output channel when bias != 0); work for (o, L, CKK). */
  conv2d_images_f32(x: number, w: number, bias: number, out: number, n: number, c: number, h: number, wd: number,
    o: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, oh: number, ow: number,
    cols: number, work: number): void;
  /** dx[i] += col2im(wᵀ·gy[i]); work for (CKK, L, o). */
  conv2d_backward_input_images_f32(gy: number, w: number, dx: number, n: number, c: number, h: number, wd: number,
    o: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, oh: number, ow: number,
    cols: number, work: number): void;
  /** dw += gy[i]·im2col(x[i])ᵀ for i = 0 .. n-1 in order; work for (o, CKK, L). */
  conv2d_backward_weight_images_f32(gy: number, x: number, dw: number, n: number, c: number, h: number, wd: number,
    o: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, oh: number, ow: number,
    cols: number, work: number): void;

  // ---- indexing over a contiguous [outer, dimSize, inner] array; indices i32 in [0, dimSize) ----
  /** out[(o*nIdx + j)*inner + i] = x[(o*dimSize + idx[j])*inner + i] (4-byte elements, f32 or i32). */
  index_select_f32(x: number, idx: number, out: number, outer: number, dimSize: number, nIdx: number, inner: number): void;
  /** dx[(o*dimSize + idx[j])*inner + i] += g[(o*nIdx + j)*inner + i]. */
  index_add_f32(g: number, idx: number, dx: number, outer: number, dimSize: number, nIdx: number, inner: number): void;
  /** out[q] = x[(o*dimSize + idx[q])*inner + i] for q = (o*nIdx + j)*inner + i (4-byte elements). */
  gather_f32(x: number, idx: number, out: number, outer: number, dimSize: number, nIdx: number, inner: number): void;
  /** dx[(o*dimSize + idx[q])*inner + i] += g[q] for q = (o*nIdx + j)*inner + i. */
  scatter_add_f32(g: number, idx: number, dx: number, outer: number, dimSize: number, nIdx: number, inner: number): void;

  // ---- nn: activations and average pooling ----
  /** out[i] = erf(x[i]), contiguous; absolute error <= ~1e-6; erf(+-Inf) = +-1, NaN stays NaN. */
  erf_f32(x: number, out: number, n: number): void;
  /**
   * Average pooling of `planes` planes of h×w: out[p*oh*ow + oy*ow + ox] = (sum of the window's in-range
   * elements) / (kh*kw) (padding counts in the divisor: PyTorch's count_include_pad=True).
   */
  avgpool2d_f32(x: number, out: number, planes: number, h: number, w: number, kh: number, kw: number,
    sh: number, sw: number, ph: number, pw: number, oh: number, ow: number): void;
  /** The adjoint of avgpool2d_f32: dx[in-range window positions] += dy[window] / (kh*kw). */
  avgpool2d_backward_f32(dy: number, dx: number, planes: number, h: number, w: number, kh: number, kw: number,
    sh: number, sw: number, ph: number, pw: number, oh: number, ow: number): void;

  // ---- fused backward kernels for training (assembly/fused.ts), contiguous; out may equal an input ----
  /**
   * out[i] = y[i] <= 0 ? 0 : g[i]: ReLU's backward from its output y, PyTorch's threshold_backward (g passes
   * where y is NaN; 0 where y <= 0 even for g NaN).
   */
  relu_backward_f32(g: number, y: number, out: number, n: number): void;
  /**
   * Backward of x ** p for a scalar exponent p: out[i] = g[i] * (f32(p) * x[i] ** (p - 1)), with
   * x ** (p - 1) computed as pow_scalar_f32 computes it and each product rounded to f32 (so the result
   * equals g·(x^(p-1)·p) evaluated with those kernels); out[i] = g[i] * 0 when p = 0.
   */
  pow_backward_f32(g: number, x: number, out: number, n: number, p: number): void;
  /** Per row of rows×cols: out[r][c] = y[r][c] * (g[r][c] - sum over c' of g[r][c'] * y[r][c']) (softmax backward, y = output). */
  softmax_backward_f32(g: number, y: number, out: number, rows: number, cols: number): void;
  /** Per row of rows×cols: out[r][c] = g[r][c] - exp(y[r][c]) * sum over c' of g[r][c'] (log-softmax backward, y = output). */
  log_softmax_backward_f32(g: number, y: number, out: number, rows: number, cols: number): void;
  /** out[i] = g[i] * (y[i] * (1 - y[i])), products rounded to f32: sigmoid's backward from its output y. */
  sigmoid_backward_f32(g: number, y: number, out: number, n: number): void;
  /** out[i] = g[i] * (1 - y[i] * y[i]), products rounded to f32: tanh's backward from its output y. */
  tanh_backward_f32(g: number, y: number, out: number, n: number): void;
}

export type KernelName = keyof Kernels;
