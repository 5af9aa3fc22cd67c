/**
 * The kernel table: one entry per kernel, the only list of kernels there is. Every name here is
 * implemented twice, with the same semantics,
 *  - by the AssemblyScript module (`assembly/`, exported under exactly these names), and
 *  - by the plain-TypeScript reference backend (`src/backends/js/`, complete at type-check time: its table
 *    is typed `Kernels`).
 * Derived from this table: the `Kernels` type (each entry's doc comment is the kernel's contract), the
 * check that a loaded module exports every kernel (wasm/exports.ts), the kernels worker threads can run
 * (wasm/threads.ts) and how each kernel is split across threads (wasm/split.ts).
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
 *
 * An entry lists the kernel's arguments in order as `name:role` (a bare `name` is a number passed through:
 * a scalar, flag, dim or stride) and says how the kernel runs on several threads:
 *   roles  in, out, inout    pointer to elements read / written / updated in place; in a kernel with a
 *                            `size` argument, `size` contiguous elements, in one with `meta`, the meta's
 *                            shape, contiguous row-major
 *          in?, inout?       the same, optional: 0 when absent
 *          strided-in/-out   pointer addressed through one of meta's stride arrays (in argument order)
 *          meta              the descriptor above
 *          size              the element count n of a contiguous kernel
 *          work              scratch pointer (bytes from gemm_f32_workspace)
 *   split  range             contiguous elementwise: ranges of `size`, every pointer moved to its range
 *          rows              strided elementwise: ranges of the meta shape's first dim
 *          gemm, sum, conv,  the custom splitters of those names in wasm/split.ts
 *          attention, winograd, cell, channels
 *          none              always runs on the calling thread
 * `returns: 'number'` marks the kernels that return a value (the others return nothing).
 */
/** gemm_bias_f32's biasMode (assembly/gemm.ts BIAS_*): no bias, bias[j] per column (linear), bias[i] per row (conv). */
export const GEMM_BIAS = { none: 0, perColumn: 1, perRow: 2 } as const;

export const KERNEL_TABLE = {
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
  sgd_step_f32: { split: 'range', args: ['p:inout', 'g:in', 'buf:inout?', 'n:size', 'lr', 'momentum', 'dampening',
    'weightDecay', 'nesterov', 'firstStep', 'maximize'] },
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
  adam_step_f32: { split: 'range', args: ['p:inout', 'g:in', 'm:inout', 'v:inout', 'vmax:inout?', 'n:size', 'lr',
    'beta1', 'beta2', 'eps', 'weightDecay', 'stepSize', 'bc2Sqrt', 'decoupled', 'amsgrad', 'maximize'] },
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
  rmsprop_step_f32: { split: 'range', args: ['p:inout', 'g:in', 'sq:inout', 'gavg:inout?', 'buf:inout?', 'n:size',
    'lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered', 'maximize'] },

  // ---- data movement (4-byte elements: f32 or i32 alike) ----
  /** dst[i over shape] = src[i over shape]; meta: [nd, shape, srcStrides, dstStrides]. */
  copy_strided: { split: 'rows', args: ['src:strided-in', 'dst:strided-out', 'meta:meta'] },
  /** dst[i over shape] = value; meta: [nd, shape, dstStrides]. */
  fill_f32: { split: 'rows', args: ['dst:strided-out', 'value', 'meta:meta'] },
  /** Same as fill_f32 for i32 elements. */
  fill_i32: { split: 'rows', args: ['dst:strided-out', 'value', 'meta:meta'] },
  /** dst[i] = f32(src[i]) for i32 src, contiguous. */
  cast_i32_f32: { split: 'range', args: ['src:in', 'dst:out', 'n:size'] },
  /** dst[i] = i32 truncation toward zero of src[i] (NaN -> 0, saturating at the i32 range), contiguous. */
  cast_f32_i32: { split: 'range', args: ['src:in', 'dst:out', 'n:size'] },

  // ---- unary f32, contiguous ----
  /** out[i] = -x[i]. */
  neg_f32: { split: 'range', args: ['x:in', 'out:out', 'n:size'] },
  /** out[i] = exp(x[i]). */
  exp_f32: { split: 'range', args: ['x:in', 'out:out', 'n:size'] },
  /** out[i] = log(x[i]) (NaN below 0, -Infinity at 0). */
  log_f32: { split: 'range', args: ['x:in', 'out:out', 'n:size'] },
  /** out[i] = sqrt(x[i]). */
  sqrt_f32: { split: 'range', args: ['x:in', 'out:out', 'n:size'] },
  /** out[i] = |x[i]|. */
  abs_f32: { split: 'range', args: ['x:in', 'out:out', 'n:size'] },
  /** max(x, 0); NaN stays NaN. */
  relu_f32: { split: 'range', args: ['x:in', 'out:out', 'n:size'] },
  /** 1 / (1 + exp(-x)), stable for large |x| (no NaN from Inf/Inf). */
  sigmoid_f32: { split: 'range', args: ['x:in', 'out:out', 'n:size'] },
  /** out[i] = tanh(x[i]). */
  tanh_f32: { split: 'range', args: ['x:in', 'out:out', 'n:size'] },
  /** out[i] = x[i] rounded to an integer: mode 0 floor, 1 ceil, 2 toward zero, 3 nearest, ties to even; NaN, ±Inf, -0 kept. */
  round_f32: { split: 'range', args: ['x:in', 'out:out', 'n:size', 'mode'] },
  /** min(max(x, lo), hi); lo = -Infinity / hi = +Infinity mean no bound; NaN stays NaN. */
  clamp_f32: { split: 'range', args: ['x:in', 'out:out', 'n:size', 'lo', 'hi'] },
  /** x ** p (IEEE pow, as Math.pow rounded to f32); p = 2 and p = 0.5 may take exact fast paths. */
  pow_scalar_f32: { split: 'range', args: ['x:in', 'out:out', 'n:size', 'p'] },

  // ---- binary f32 with broadcasting; meta: [nd, outShape, aStrides, bStrides]; out contiguous ----
  /** out = a + b. */
  add_f32: { split: 'rows', args: ['a:strided-in', 'b:strided-in', 'out:out', 'meta:meta'] },
  /** out = a - b. */
  sub_f32: { split: 'rows', args: ['a:strided-in', 'b:strided-in', 'out:out', 'meta:meta'] },
  /** out = a * b. */
  mul_f32: { split: 'rows', args: ['a:strided-in', 'b:strided-in', 'out:out', 'meta:meta'] },
  /** out = a / b. */
  div_f32: { split: 'rows', args: ['a:strided-in', 'b:strided-in', 'out:out', 'meta:meta'] },
  /** a ** b (IEEE pow). */
  pow_f32: { split: 'rows', args: ['a:strided-in', 'b:strided-in', 'out:out', 'meta:meta'] },
  /** out = PyTorch's floor division of floats: floor(a / b) corrected through fmod(a, b) (div_floor_floating), f32 arithmetic. */
  floor_divide_f32: { split: 'rows', args: ['a:strided-in', 'b:strided-in', 'out:out', 'meta:meta'] },
  /** out = Python's a % b: fmod(a, b) (exact), plus b when it is nonzero and its sign differs from b's. */
  remainder_f32: { split: 'rows', args: ['a:strided-in', 'b:strided-in', 'out:out', 'meta:meta'] },
  /** out = fmod(a, b) (exact; the sign of a; NaN for b = 0). */
  fmod_f32: { split: 'rows', args: ['a:strided-in', 'b:strided-in', 'out:out', 'meta:meta'] },
  /** max(a, b), NaN if either is NaN. */
  maximum_f32: { split: 'rows', args: ['a:strided-in', 'b:strided-in', 'out:out', 'meta:meta'] },
  /** min(a, b), NaN if either is NaN. */
  minimum_f32: { split: 'rows', args: ['a:strided-in', 'b:strided-in', 'out:out', 'meta:meta'] },
  /** Comparisons write i32 1 or 0 to out (comparisons with NaN are false, except ne which is true): a == b. */
  eq_f32: { split: 'rows', args: ['a:strided-in', 'b:strided-in', 'out:out', 'meta:meta'] },
  /** i32 a != b (true when either is NaN). */
  ne_f32: { split: 'rows', args: ['a:strided-in', 'b:strided-in', 'out:out', 'meta:meta'] },
  /** i32 a > b. */
  gt_f32: { split: 'rows', args: ['a:strided-in', 'b:strided-in', 'out:out', 'meta:meta'] },
  /** i32 a < b. */
  lt_f32: { split: 'rows', args: ['a:strided-in', 'b:strided-in', 'out:out', 'meta:meta'] },
  /** i32 a >= b. */
  ge_f32: { split: 'rows', args: ['a:strided-in', 'b:strided-in', 'out:out', 'meta:meta'] },
  /** i32 a <= b. */
  le_f32: { split: 'rows', args: ['a:strided-in', 'b:strided-in', 'out:out', 'meta:meta'] },
  /** out = cond != 0 ? a : b with cond i32; meta: [nd, outShape, condStrides, aStrides, bStrides]. */
  where_f32: { split: 'rows', args: ['cond:strided-in', 'a:strided-in', 'b:strided-in', 'out:out', 'meta:meta'] },

  // ---- reductions over the middle axis of a contiguous [outer, r, inner] array ----
  /**
   * out[o*inner + i] = sum over j < r of x[(o*r + j)*inner + i]. r >= 1. Accurate to float32 rounding of
   * the result even for long reductions (the wasm kernel sums blocks in f32 and the blocks in f64).
   */
  sum_f32: { split: 'sum', args: ['x:in', 'out:out', 'outer', 'r', 'inner'] },
  /**
   * out[o*inner + i] = max over j of x[(o*r + j)*inner + i]; when idx != 0 also idx[o*inner + i] = the
   * j of the first maximum. NaN wins (first NaN's index). r >= 1.
   */
  max_f32: { split: 'none', args: ['x:in', 'out:out', 'idx:out?', 'outer', 'r', 'inner'] },
  /** As max_f32 with the minimum. */
  min_f32: { split: 'none', args: ['x:in', 'out:out', 'idx:out?', 'outer', 'r', 'inner'] },
  /**
   * Index of the first NaN among the n contiguous floats at x, or -1 when there is none (±Infinity is not
   * NaN). n >= 0. Anomaly detection (src/autograd/anomaly.ts) runs it over op outputs and gradients.
   */
  find_nan_f32: { split: 'none', returns: 'number', args: ['x:in', 'n:size'] },

  // ---- linear algebra ----
  /**
   * C = A·B (+ C when beta = 1), C contiguous m×n; A[i][p] at a + 4*(i*sa0 + p*sa1), B[p][j] at
   * b + 4*(p*sb0 + j*sb1) (any strides: transposed operands need no copy). beta is 0 or 1; with 0,
   * C is not read. k may be 0 (then C = 0 or unchanged). `work` holds gemm_f32_workspace(m, n, k) bytes.
   */
  gemm_f32: { split: 'gemm', args: ['a:in', 'b:in', 'c:inout', 'm', 'n', 'k', 'sa0', 'sa1', 'sb0', 'sb1', 'beta',
    'work:work'] },
  /** Bytes of scratch gemm_f32 and gemm_bias_f32 need for these sizes (0 if none). */
  gemm_f32_workspace: { split: 'gemm', returns: 'number', args: ['m', 'n', 'k'] },
  /**
   * gemm_f32 with a fused epilogue: C = A·B (+ C when beta = 1) (+ bias), then max(C, 0) when relu = 1
   * (NaN stays NaN). biasMode 0: no bias (bias unused, may be 0); 1: bias[j] (n floats, per column, as in
   * linear layers); 2: bias[i] (m floats, per row, as in conv2d's [outC, L] output). k = 0 gives
   * C = (beta ? C : 0) + bias, then the ReLU. `work` holds gemm_f32_workspace(m, n, k) bytes.
   */
  gemm_bias_f32: { split: 'gemm', args: ['a:in', 'b:in', 'c:inout', 'm', 'n', 'k', 'sa0', 'sa1', 'sb0', 'sb1', 'beta',
    'bias:in?', 'biasMode', 'relu', 'work:work'] },
  /** Bytes of the packed B of a k×n product that gemm_pack_b_f32 writes (0 when n or k is 0). */
  gemm_pack_b_bytes: { split: 'none', returns: 'number', args: ['n', 'k'] },
  /**
   * Packs B (k×n, B[p][j] at b + 4*(p*sb0 + j*sb1)) into `packed` (gemm_pack_b_bytes(n, k) bytes, a
   * layout only gemm_packed_b_f32 reads), for many products with the same B (a recurrent weight).
   */
  gemm_pack_b_f32: { split: 'none', args: ['b:in', 'n', 'k', 'sb0', 'sb1', 'packed:out'] },
  /**
   * gemm_bias_f32 with B packed by gemm_pack_b_f32 for the same n and k; results bit-identical to
   * gemm_bias_f32 with the unpacked B. `work` holds gemm_f32_workspace(m, n, k) bytes.
   */
  gemm_packed_b_f32: { split: 'gemm', args: ['a:in', 'packed:in', 'c:inout', 'm', 'n', 'k', 'sa0', 'sa1', 'beta',
    'bias:in?', 'biasMode', 'relu', 'work:work'] },
  /** Bytes of the packed A of an m×k product that gemm_pack_a_f32 writes (0 when m or k is 0). */
  gemm_pack_a_bytes: { split: 'none', returns: 'number', args: ['m', 'k'] },
  /**
   * Packs A (m×k, A[i][p] at a + 4*(i*sa0 + p*sa1)) into `packed` (gemm_pack_a_bytes(m, k) bytes, a layout
   * only gemm_packed_a_f32 and gemm_packed_ab_f32 read; the WebAssembly one is the GEMM's MR-row panels, which
   * winograd4_weights_f32 writes directly), for many products with the same A.
   */
  gemm_pack_a_f32: { split: 'none', args: ['a:in', 'm', 'k', 'sa0', 'sa1', 'packed:out'] },
  /**
   * gemm_bias_f32 with A packed by gemm_pack_a_f32 for the same m and k (B[p][j] at b + 4*(p*sb0 + j*sb1));
   * results bit-identical to gemm_bias_f32 with the unpacked A. `work` holds gemm_f32_workspace(m, n, k) bytes.
   */
  gemm_packed_a_f32: { split: 'none', args: ['packedA:in', 'b:in', 'c:inout', 'm', 'n', 'k', 'sb0', 'sb1', 'beta',
    'bias:in?', 'biasMode', 'relu', 'work:work'] },
  /**
   * gemm_bias_f32 with A packed by gemm_pack_a_f32 (same m, k) and B by gemm_pack_b_f32 (same n, k): packs
   * nothing; results bit-identical to gemm_bias_f32 on the unpacked operands. `work` holds
   * gemm_f32_workspace(m, n, k) bytes.
   */
  gemm_packed_ab_f32: { split: 'none', args: ['packedA:in', 'packedB:in', 'c:inout', 'm', 'n', 'k', 'beta',
    'bias:in?', 'biasMode', 'relu', 'work:work'] },
  /** y[i] += alpha * x[i], contiguous (gradient accumulation). */
  axpy_f32: { split: 'range', args: ['x:in', 'y:inout', 'n:size', 'alpha'] },

  // ---- softmax family, along the last axis of a contiguous rows×cols array ----
  /** Stable softmax per row (subtracts the row max); a row of all -Infinity gives NaN like PyTorch. */
  softmax_f32: { split: 'none', args: ['x:in', 'out:out', 'rows', 'cols'] },
  /** Stable log-softmax per row: x - max - log(sum(exp(x - max))). */
  log_softmax_f32: { split: 'none', args: ['x:in', 'out:out', 'rows', 'cols'] },
  /**
   * Fused softmax + cross-entropy: prob[r] = softmax(x[r]), loss[r] = -log_softmax(x[r])[target[r]].
   * target is i32 with values in [0, cols) (validated by the caller).
   */
  softmax_xent_f32: { split: 'none', args: ['x:in', 'target:in', 'prob:out', 'loss:out', 'rows', 'cols'] },
  /** dx[r][c] = (prob[r][c] - (c == target[r] ? 1 : 0)) * scale. */
  softmax_xent_backward_f32: { split: 'none', args: ['prob:in', 'target:in', 'dx:out', 'rows', 'cols', 'scale'] },

  // ---- convolution and pooling, one image (c×h×w) or planes×h×w at a time ----
  /**
   * cols[(ci*kh*kw + ki*kw + kj)*(oh*ow) + oy*ow + ox] = x[ci*h*w + iy*w + ix] where
   * iy = oy*sh - ph + ki, ix = ox*sw - pw + kj, and 0 where (iy, ix) falls outside the image.
   */
  im2col_f32: { split: 'none', args: ['x:in', 'cols:out', 'c', 'h', 'w', 'kh', 'kw', 'sh', 'sw', 'ph', 'pw', 'oh', 'ow'] },
  /** The adjoint of im2col_f32: dx[ci*h*w + iy*w + ix] += cols[...] for every in-range position. */
  col2im_f32: { split: 'none', args: ['cols:in', 'dx:inout', 'c', 'h', 'w', 'kh', 'kw', 'sh', 'sw', 'ph', 'pw', 'oh',
    'ow'] },
  /**
   * Max pooling of `planes` planes of h×w: out[p*oh*ow + oy*ow + ox] = max over the window (padding
   * counts as -Infinity) and idx[same] = iy*w + ix of the first maximum, or of the last NaN in the window
   * (NaN wins; PyTorch's kernel replaces on `v > best || isnan(v)`, so the gradient goes to the last NaN).
   */
  maxpool2d_f32: { split: 'none', args: ['x:in', 'out:out', 'idx:out', 'planes', 'h', 'w', 'kh', 'kw', 'sh', 'sw', 'ph',
    'pw', 'oh', 'ow'] },
  /**
   * im2col_f32 with dilation (conv2d with dilation or groups): iy = oy*sh - ph + ki*dh, ix = ox*sw - pw +
   * kj*dw; oh/ow are the caller's, so the padding after the image may differ from ph/pw.
   */
  im2col_dilated_f32: { split: 'none', args: ['x:in', 'cols:out', 'c', 'h', 'w', 'kh', 'kw', 'sh', 'sw', 'ph', 'pw', 'dh',
    'dw', 'oh', 'ow'] },
  /** The adjoint of im2col_dilated_f32: dx[ci*h*w + iy*w + ix] += cols[...] for every in-range position. */
  col2im_dilated_f32: { split: 'none', args: ['cols:in', 'dx:inout', 'c', 'h', 'w', 'kh', 'kw', 'sh', 'sw', 'ph', 'pw', 'dh',
    'dw', 'oh', 'ow'] },
  /**
   * maxpool2d_f32 with dilation: the window of (oy, ox) is x[oy*sh - ph + ki*dh, ox*sw - pw + kj*dw] (in-range
   * positions only); same scan order, NaN rule and indices.
   */
  maxpool2d_dilated_f32: { split: 'none', args: ['x:in', 'out:out', 'idx:out', 'planes', 'h', 'w', 'kh', 'kw', 'sh', 'sw',
    'ph', 'pw', 'dh', 'dw', 'oh', 'ow'] },
  /** dx[p*h*w + idx[p*oh*ow + o]] += dy[p*oh*ow + o]. */
  maxpool2d_backward_f32: { split: 'none', args: ['dy:in', 'idx:in', 'dx:inout', 'planes', 'h', 'w', 'oh', 'ow'] },
  /**
   * maxpool2d_backward_f32 into zeros, for 2×2 stride-2 unpadded windows that all lie in the plane (2*oh <= h,
   * 2*ow <= w; idx from maxpool2d_f32): dx[p*h*w + j] = 0 + dy[p*oh*ow + o] where idx[p*oh*ow + o] = j, else 0
   * (every element of dx written).
   */
  maxpool2x2_backward_f32: { split: 'none', args: ['dy:in', 'idx:in', 'dx:out', 'planes', 'h', 'w', 'oh', 'ow'] },

  // ---- conv2d over a run of n images (NCHW; weight [o, c, kh, kw]; L = oh*ow, CKK = c*kh*kw) ----
  // One call does a whole batch; the thread pool gives each thread a run of images. cols holds CKK*L
  // floats; work holds gemm_f32_workspace bytes for that kernel's GEMM shape.
  /** out[i] = w·im2col(x[i]) (+ bias[oc] per output channel when bias != 0); work for (o, L, CKK). */
  conv2d_images_f32: { split: 'conv', args: ['x:in', 'w:in', 'bias:in?', 'out:out', 'n', 'c', 'h', 'wd', 'o', 'kh',
    'kw', 'sh', 'sw', 'ph', 'pw', 'oh', 'ow', 'cols:work', 'work:work'] },
  /** dx[i] += col2im(wᵀ·gy[i]); work for (CKK, L, o). */
  conv2d_backward_input_images_f32: { split: 'conv', args: ['gy:in', 'w:in', 'dx:inout', 'n', 'c', 'h', 'wd', 'o',
    'kh', 'kw', 'sh', 'sw', 'ph', 'pw', 'oh', 'ow', 'cols:work', 'work:work'] },
  /** dw += gy[i]·im2col(x[i])ᵀ for i = 0 .. n-1 in order; work for (o, CKK, L). */
  conv2d_backward_weight_images_f32: { split: 'conv', args: ['gy:in', 'x:in', 'dw:inout', 'n', 'c', 'h', 'wd', 'o',
    'kh', 'kw', 'sh', 'sw', 'ph', 'pw', 'oh', 'ow', 'cols:work', 'work:work'] },

  // ---- conv2d 3x3 stride 1 by Winograd F(2x2, 3x3) (assembly/winograd.ts) ----
  /**
   * U = G g Gᵀ of the 3x3 filters g of w [o, c, 3, 3], in f64 rounded once (G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1]):
   * flip 0: U [16, o, c], U[4i+j][oc][ic] = (G g Gᵀ)[i][j] with g = w[oc][ic]; flip 1: U [16, c, o] at
   * [4i+j][ic][oc] with g = w[oc][ic] rotated by 180° (the filters of conv2d's input gradient).
   */
  winograd_weights_f32: { split: 'none', args: ['w:in', 'u:out', 'o', 'c', 'flip'] },
  /**
   * y[img][oc][oy][ox] = Σ over ci < c, ki, kj < 3 of x[img][ci][oy - ph + ki][ox - pw + kj] · g[oc][ci][ki][kj]
   * (+ bias[oc]), x zero outside h×wd, ph and pw any integers, by Winograd F(2x2, 3x3) from u =
   * winograd_weights_f32's [16, o, c]; writes the outputs of tile rows row0 .. row0+rows (tile row r: output
   * rows 2(r % tilesY) and 2(r % tilesY) + 1 of image r / tilesY, tilesY = ceil(oh / 2)). Processes
   * blockRows tile rows at a time: with T = blockRows·tx4 (tx4 = ceil(ow / 2) rounded up to a multiple of
   * 4), v holds 16·(c·T + 16) floats, m 16·(o·T + 16) floats, work gemm_f32_workspace(o, T, c) bytes (winogradScratch,
   * src/backends/js/winograd.ts). The reference computes the same transforms and sums in f64.
   */
  conv2d_winograd_f32: { split: 'winograd', args: ['x:in', 'u:in', 'bias:in?', 'y:out', 'n', 'c', 'h', 'wd', 'o', 'ph', 'pw',
    'oh', 'ow', 'row0', 'rows', 'blockRows', 'v:work', 'm:work', 'work:work'] },
  /**
   * The weight gradient's Winograd sum over the tiles of tile rows row0 .. row0+rows (as conv2d_winograd_f32):
   * du[4i+j][oc][ci] += Σ over tiles of (A dY Aᵀ)[i][j] · (Bᵀ d B)[i][j] with dY the tile's 2x2 block of
   * gy [n, o, oh, ow] (zero outside), d its 4x4 input from x [n, c, h, wd], A = (Aᵀ)ᵀ, Aᵀ = [1 1 1 0; 0 1 -1 -1],
   * Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]. With T = blockRows·tx4: v holds 16·(c·T + 16) floats, z
   * 16·(o·T + 16) + 8·tx4 + 16 floats, work gemm_f32_workspace(o, c, T) bytes (winogradWeightScratch). The
   * reference sums in f64.
   */
  conv2d_winograd_weight_f32: { split: 'winograd', args: ['gy:in', 'x:in', 'du:inout', 'n', 'c', 'h', 'wd', 'o', 'ph', 'pw',
    'oh', 'ow', 'row0', 'rows', 'blockRows', 'v:work', 'z:work', 'work:work'] },
  /** dw[oc][ic] = Gᵀ D G (3x3; f64, rounded once) with D[i][j] = du[4i+j][oc][ic] (du [16, o, c]): conv2d's weight gradient. */
  winograd_weights_backward_f32: { split: 'none', args: ['du:in', 'dw:out', 'o', 'c'] },
  // ---- conv2d 3x3 stride 1 by Winograd F(4x4, 3x3) (assembly/winograd4.ts; points 0, ±3/4, ±3/2, ∞) ----
  /**
   * U = G g Gᵀ (6x6, f64 rounded once) of the 3x3 filters g of w [o, c, 3, 3], G = W4_G of
   * src/backends/js/winograd4.ts: flip 0: U [36, o, c], U[6i+j][oc][ic] = (G g Gᵀ)[i][j] with g = w[oc][ic];
   * flip 1: U [36, c, o] at [ξ][ic][oc] with g = w[oc][ic] rotated by 180°. Each plane U[ξ] (rows × depth:
   * o × c, or c × o flipped) is the conv GEMM's A: with 0 < depth <= 512 stored in the GEMM's packed-A layout
   * (panels of MR rows, MR = the module's GEMM_MR, 6 in the reference: U[ξ][r][p] at panel ⌊r/MR⌋·MR·ceil4(depth)
   * + p·MR + r % MR, zero past the rows and to ceil4(depth)), else row-major; planes 16 floats apart beyond
   * that; u holds winograd4_weights_bytes(rows, depth) bytes. Only conv2d_winograd4_f32 reads it.
   */
  winograd4_weights_f32: { split: 'none', args: ['w:in', 'u:out', 'o', 'c', 'flip'] },
  /** Bytes of winograd4_weights_f32's u for a convolution of o outputs and c channels (U[ξ] o × c: flip 0's o, c; flip 1's c, o). */
  winograd4_weights_bytes: { split: 'none', returns: 'number', args: ['o', 'c'] },
  /**
   * conv2d_winograd_f32's convolution by Winograd F(4x4, 3x3) from u = winograd4_weights_f32's 36 planes U[ξ]
   * (o x c, in the layout that entry describes): writes the outputs of tile rows row0 .. row0+rows (tile row
   * r: output rows 4(r % tilesY) .. +3 of image r / tilesY, tilesY = ceil(oh / 4)). With T = blockRows·tx4
   * rounded up to a multiple of 4 (tx4 = winograd4TilesX(ow): ceil(ow / 4) rounded up to a multiple of 4, or
   * 2 when at most 2), v holds 36·(ceil4(c)·ceil8(T) + 32) + 16 floats (V written as the GEMM packs its B
   * when c <= 512 and T <= 4096), m 36·(o·T + 16) floats, work gemm_f32_workspace(o, T, c) bytes
   * (winograd4Scratch). The reference computes the same transforms and sums in f64.
   */
  conv2d_winograd4_f32: { split: 'winograd', args: ['x:in', 'u:in', 'bias:in?', 'y:out', 'n', 'c', 'h', 'wd', 'o', 'ph', 'pw',
    'oh', 'ow', 'row0', 'rows', 'blockRows', 'v:work', 'm:work', 'work:work'] },
  /**
   * The weight gradient's F(4x4, 3x3) sum over the tiles of tile rows row0 .. row0+rows:
   * du[6i+j][oc][ci] += Σ over tiles of (A dY Aᵀ)[i][j] · (Bᵀ d B)[i][j] with dY the tile's 4x4 block of gy
   * (zero outside), d its 6x6 input (W4_AT, W4_BT). With T as conv2d_winograd4_f32's: v holds 36·(c·T + 16) floats, z
   * 36·(o·T + 16) + 48·tx4 + 192 floats, work gemm_f32_workspace(o, c, T) bytes (winograd4WeightScratch).
   */
  conv2d_winograd4_weight_f32: { split: 'winograd', args: ['gy:in', 'x:in', 'du:inout', 'n', 'c', 'h', 'wd', 'o', 'ph', 'pw',
    'oh', 'ow', 'row0', 'rows', 'blockRows', 'v:work', 'z:work', 'work:work'] },
  /** dw[oc][ic] = Gᵀ D G (3x3; f64, rounded once) with D[i][j] = du[6i+j][oc][ic] (du [36, o, c]). */
  winograd4_weights_backward_f32: { split: 'none', args: ['du:in', 'dw:out', 'o', 'c'] },
  /** The largest |x[i]| of n contiguous floats (0 when n = 0); +Infinity when one is infinite, NaN when one is NaN. */
  abs_max_f32: { split: 'none', returns: 'number', args: ['x:in', 'n:size'] },

  // ---- indexing over a contiguous [outer, dimSize, inner] array; indices i32 in [0, dimSize) ----
  /** out[(o*nIdx + j)*inner + i] = x[(o*dimSize + idx[j])*inner + i] (4-byte elements, f32 or i32). */
  index_select_f32: { split: 'none', args: ['x:in', 'idx:in', 'out:out', 'outer', 'dimSize', 'nIdx', 'inner'] },
  /** dx[(o*dimSize + idx[j])*inner + i] += g[(o*nIdx + j)*inner + i]. */
  index_add_f32: { split: 'none', args: ['g:in', 'idx:in', 'dx:inout', 'outer', 'dimSize', 'nIdx', 'inner'] },
  /** out[q] = x[(o*dimSize + idx[q])*inner + i] for q = (o*nIdx + j)*inner + i (4-byte elements). */
  gather_f32: { split: 'none', args: ['x:in', 'idx:in', 'out:out', 'outer', 'dimSize', 'nIdx', 'inner'] },
  /** dx[(o*dimSize + idx[q])*inner + i] += g[q] for q = (o*nIdx + j)*inner + i. */
  scatter_add_f32: { split: 'none', args: ['g:in', 'idx:in', 'dx:inout', 'outer', 'dimSize', 'nIdx', 'inner'] },

  // ---- nn: activations and average pooling ----
  /** out[i] = erf(x[i]), contiguous; absolute error <= ~1e-6; erf(+-Inf) = +-1, NaN stays NaN. */
  erf_f32: { split: 'range', args: ['x:in', 'out:out', 'n:size'] },
  /** out[i] = (x[i] / 2) * (1 + erf(x[i] / sqrt 2)) (the exact GELU), contiguous; erf as erf_f32. */
  gelu_f32: { split: 'range', args: ['x:in', 'out:out', 'n:size'] },
  /**
   * out[i] = g[i] * (Φ(x[i]) + x[i] φ(x[i])), Φ(x) = (1 + erf(x / sqrt 2)) / 2, φ(x) = exp(-x² / 2) / sqrt(2π):
   * the exact GELU's backward from its input x, contiguous.
   */
  gelu_backward_f32: { split: 'range', args: ['g:in', 'x:in', 'out:out', 'n:size'] },
  /**
   * Average pooling of `planes` planes of h×w: out[p*oh*ow + oy*ow + ox] = (sum of the window's in-range
   * elements) / (kh*kw) (padding counts in the divisor: PyTorch's count_include_pad=True).
   */
  avgpool2d_f32: { split: 'none', args: ['x:in', 'out:out', 'planes', 'h', 'w', 'kh', 'kw', 'sh', 'sw', 'ph', 'pw', 'oh',
    'ow'] },
  /** The adjoint of avgpool2d_f32: dx[in-range window positions] += dy[window] / (kh*kw). */
  avgpool2d_backward_f32: { split: 'none', args: ['dy:in', 'dx:inout', 'planes', 'h', 'w', 'kh', 'kw', 'sh', 'sw', 'ph',
    'pw', 'oh', 'ow'] },
  /**
   * Average pooling with PyTorch's divisor (ceil mode, count_include_pad, divisor_override): out = (sum of the
   * window's in-range elements) / d, d = divisor when not 0, else (countIncludePad = 1) the window's size
   * clipped to the padded input [-ph, h + ph) x [-pw, w + pw), else (0) its number of in-range elements;
   * a window with no in-range element gives 0.
   */
  avgpool2d_divisor_f32: { split: 'none', args: ['x:in', 'out:out', 'planes', 'h', 'w', 'kh', 'kw', 'sh', 'sw', 'ph', 'pw',
    'oh', 'ow', 'countIncludePad', 'divisor'] },
  /** The adjoint of avgpool2d_divisor_f32: dx[in-range window positions] += dy[window] / d. */
  avgpool2d_divisor_backward_f32: { split: 'none', args: ['dy:in', 'dx:inout', 'planes', 'h', 'w', 'kh', 'kw', 'sh', 'sw',
    'ph', 'pw', 'oh', 'ow', 'countIncludePad', 'divisor'] },

  // ---- random draws continuing the library's generator (assembly/random.ts), contiguous ----
  /**
   * Dropout over n elements. state: the generator's four u32 xoshiro128** words (src/tensor/random.ts),
   * advanced by n draws. Per element, with r the next 32-bit output: mask[i] = (r >>> 8) < threshold ? 0 :
   * f32(scale) (threshold = ceil(p * 2^24): the uniform (r >>> 8) / 2^24 is below p); out[i] = x[i] * mask[i]
   * when x is not 0 (otherwise only the mask is written).
   */
  dropout_f32: { split: 'none', args: ['x:in?', 'out:out?', 'mask:out', 'n', 'threshold', 'scale', 'state:inout'] },

  // ---- fused backward kernels for training (assembly/fused.ts), contiguous; out may equal an input ----
  /**
   * out[i] = y[i] <= 0 ? 0 : g[i]: ReLU's backward from its output y, PyTorch's threshold_backward (g passes
   * where y is NaN; 0 where y <= 0 even for g NaN).
   */
  relu_backward_f32: { split: 'range', args: ['g:in', 'y:in', 'out:out', 'n:size'] },
  /**
   * Backward of x ** p for a scalar exponent p: out[i] = g[i] * (f32(p) * x[i] ** (p - 1)), with
   * x ** (p - 1) computed as pow_scalar_f32 computes it and each product rounded to f32 (so the result
   * equals g·(x^(p-1)·p) evaluated with those kernels); out[i] = g[i] * 0 when p = 0.
   */
  pow_backward_f32: { split: 'range', args: ['g:in', 'x:in', 'out:out', 'n:size', 'p'] },
  /** Per row of rows×cols: out[r][c] = y[r][c] * (g[r][c] - sum over c' of g[r][c'] * y[r][c']) (softmax backward, y = output). */
  softmax_backward_f32: { split: 'none', args: ['g:in', 'y:in', 'out:out', 'rows', 'cols'] },
  /** Per row of rows×cols: out[r][c] = g[r][c] - exp(y[r][c]) * sum over c' of g[r][c'] (log-softmax backward, y = output). */
  log_softmax_backward_f32: { split: 'none', args: ['g:in', 'y:in', 'out:out', 'rows', 'cols'] },
  /** out[i] = g[i] * (y[i] * (1 - y[i])), products rounded to f32: sigmoid's backward from its output y. */
  sigmoid_backward_f32: { split: 'range', args: ['g:in', 'y:in', 'out:out', 'n:size'] },
  /** out[i] = g[i] * (1 - y[i] * y[i]), products rounded to f32: tanh's backward from its output y. */
  tanh_backward_f32: { split: 'range', args: ['g:in', 'y:in', 'out:out', 'n:size'] },

  // ---- math ----
  /**
   * out[i] = f(x[i]), contiguous, f chosen by op (MATH_OP in src/backends/js/math.ts): 0 log1p, 1 expm1, 2 sin,
   * 3 cos, 4 rsqrt (f32 1 / f32 sqrt), 5 reciprocal (1 / x), 6 tan, 7 asin, 8 acos, 9 atan, 10 sinh, 11 cosh,
   * 12 asinh, 13 acosh, 14 atanh, 15 log2, 16 log10, 17 exp2, 18 erfc, 19 erfinv, 20 lgamma (log|Γ|), 21 digamma,
   * 22 trigamma (polygamma(1, x)); any other code is log1p. Computed in f64 and rounded to f32 except 4 and 5.
   */
  math_f32: { split: 'range', args: ['x:in', 'out:out', 'n:size', 'op'] },

  // ---- attention (assembly/attention.ts) ----
  /**
   * Scaled dot-product attention over `groups` independent groups (batch x heads), contiguous q
   * [groups, L, E], kt = kᵀ [groups, E, S], v [groups, S, Ev]; writes out [groups, L, Ev] and lse [groups, L].
   * Per group g and query row i, over the keys j < (causal ? min(S, i + 1) : S):
   *   s_j = (q_i · k_j) * scale + (mask ? mask[maskOff[g] + i * maskRs + j * maskCs] : 0)
   *   out_i = sum_j exp(s_j - m) v_j / l,  lse_i = m + log(l),  m = max_j s_j, l = sum_j exp(s_j - m)
   * computed with an online softmax over tiles of `tile` keys (a multiple of 4). mask is an additive float32
   * mask (0 when absent; maskOff holds one i32 element offset per group; strides may be 0). A row with l = 0
   * (every score -Inf, or S = 0) gets out_i = 0 and lse_i = -Inf. work: (8 * tile + 8) f32 of scratch.
   */
  attention_forward_f32: { split: 'attention', args: ['q:in', 'kt:in', 'v:in', 'mask:in?', 'maskOff:in?', 'out:out', 'lse:out',
    'work:work', 'groups', 'L', 'S', 'E', 'Ev', 'scale', 'causal', 'maskRs', 'maskCs', 'tile'] },
  /**
   * The backward of attention_forward_f32 (same layout, mask and tile; k [groups, S, E] and vt = vᵀ
   * [groups, Ev, S] too), from out, lse and the output gradient dout: per row i with lse_i != -Inf,
   * D_i = dout_i · out_i and per allowed key j, p = exp(s_j - lse_i), dS = p (dout_i · v_j - D_i);
   * dq_i += dS scale k_j, dk_j += dS scale q_i, dv_j += p dout_i. dq, dk, dv are overwritten (zeroed first);
   * rows with lse_i = -Inf contribute nothing. work: (8 * tile + 8) f32 of scratch.
   */
  attention_backward_f32: { split: 'attention', args: ['q:in', 'k:in', 'kt:in', 'v:in', 'vt:in', 'mask:in?', 'maskOff:in?',
    'out:in', 'lse:in', 'dout:in', 'dq:out', 'dk:out', 'dv:out', 'work:work', 'groups', 'L', 'S', 'E', 'Ev', 'scale', 'causal',
    'maskRs', 'maskCs', 'tile'] },

  // ---- recurrent cells (assembly/rnn.ts) ----
  /**
   * One LSTM step over batch×hidden, rows contiguous: G = gi + gh ([batch, 4·hidden], PyTorch's gate order
   * i, f, g, o); i, f, o = σ(G), g = tanh(G); c' = f·c + i·g; h' = o·tanh(c'). Writes h = h' and cOut = c'
   * ([batch, hidden] each), act = the activated gates [batch, 4·hidden], tc = tanh(c') [batch, hidden].
   */
  lstm_cell_f32: { split: 'cell', args: ['gi:in', 'gh:in', 'c:in', 'h:out', 'cOut:out', 'act:out', 'tc:out', 'batch', 'hidden'] },
  /**
   * Backward of lstm_cell_f32 from dh', dc' ([batch, hidden]; 0 = all zeros), the saved act, tc and the step's
   * input c: dct = dc' + dh'·o·(1 - tc²); dgates = [dct·g·i(1-i), dct·c·f(1-f), dct·i·(1-g²), dh'·tc·o(1-o)];
   * dcPrev = dct·f.
   */
  lstm_cell_backward_f32: { split: 'cell', args: ['dh:in?', 'dc:in?', 'act:in', 'tc:in', 'c:in', 'dgates:out', 'dcPrev:out',
    'batch', 'hidden'] },
  /**
   * One GRU step (PyTorch's gates r, z, n; gi = x·W_ihᵀ + b_ih, gh = h·W_hhᵀ + b_hh, [batch, 3·hidden]):
   * r = σ(gi_r + gh_r), z = σ(gi_z + gh_z), n = tanh(gi_n + r·gh_n), hOut = (h - n)·z + n;
   * act = r, z, n [batch, 3·hidden].
   */
  gru_cell_f32: { split: 'cell', args: ['gi:in', 'gh:in', 'h:in', 'hOut:out', 'act:out', 'batch', 'hidden'] },
  /**
   * Backward of gru_cell_f32 from dh' and the saved act, gh, h: dn = dh'·(1-z)·(1-n²), dz = dh'·(h-n)·z(1-z),
   * dr = dn·gh_n·r(1-r); dgi = [dr, dz, dn], dgh = [dr, dz, dn·r], dhPrev = dh'·z (the direct path only).
   */
  gru_cell_backward_f32: { split: 'cell', args: ['dh:in', 'act:in', 'gh:in', 'h:in', 'dgi:out', 'dgh:out', 'dhPrev:out',
    'batch', 'hidden'] },

  // ---- batch norm (assembly/batchnorm.ts) ----
  /**
   * Batch norm with batch statistics (training mode) over contiguous x [N, C, S] (S = product of the dims after
   * the channel dim, 1 for [N, C]); per channel c over its cnt = N*S elements x[(n*C + c)*S + s]:
   *   mean[c] = sum x / cnt,  var = sum (x - mean[c])² / cnt (biased),  invstd[c] = 1 / sqrt(var + eps)
   *   y = (x - mean[c]) * (invstd[c] * weight[c]) + bias[c]     (weight 0: 1, bias 0: 0)
   * varOut[c] = var when varOut is not 0 (the running-variance update). mean, invstd, varOut: [C] each.
   * Sums in f32x4 blocks added into f64 (f64 throughout in the reference). Only the channels c0 <= c < c1 are
   * computed (0, C: all); channels are independent, so threads take runs of them (bit-identical).
   */
  batchnorm_forward_f32: { split: 'channels', args: ['x:in', 'weight:in?', 'bias:in?', 'y:out', 'mean:out', 'invstd:out', 'varOut:out?',
    'N', 'C', 'S', 'c0', 'c1', 'eps'] },
  /**
   * Backward of batchnorm_forward_f32 (PyTorch's batch_norm_backward) from dy and x (contiguous [N, C, S]) and
   * the saved mean, invstd ([C]): per channel, sdy = sum dy, sdyx = sum dy * (x - mean[c]);
   *   dbias[c] = sdy,  dweight[c] = sdyx * invstd[c]
   *   dx = (dy - sdy / cnt - (x - mean[c]) * (sdyx * invstd[c]² / cnt)) * (invstd[c] * weight[c])
   * weight 0: 1; dx, dweight, dbias 0: not computed (dweight, dbias: [C]). Channels c0 <= c < c1, as the forward.
   */
  batchnorm_backward_f32: { split: 'channels', args: ['dy:in', 'x:in', 'mean:in', 'invstd:in', 'weight:in?', 'dx:out?', 'dweight:out?',
    'dbias:out?', 'N', 'C', 'S', 'c0', 'c1'] },

  // ---- layer norm (assembly/layernorm.ts) ----
  /**
   * Layer norm over the rows of contiguous x [rows, cols] (cols = the product of normalizedShape): per row r,
   * mean[r] = sum_j x[r][j] / cols, var = sum_j (x[r][j] - mean[r])² / cols (biased), rstd[r] = 1 / sqrt(var + eps);
   * y[r][j] = (x[r][j] - mean[r]) * rstd[r] * w[j] + b[j] (w, b: cols floats, 0 = absent: factor 1, term 0).
   * mean and rstd ([rows] each) are kept for layer_norm_backward_f32. Row sums in f32 blocks added in f64.
   */
  layer_norm_f32: { split: 'none', args: ['x:in', 'w:in?', 'b:in?', 'y:out', 'mean:out', 'rstd:out', 'rows', 'cols', 'eps'] },
  /**
   * The backward of layer_norm_f32 from dy [rows, cols], x, w (0 = absent) and the saved mean, rstd: per row r,
   * with xh = (x[r][j] - mean[r]) * rstd[r] and g = dy[r][j] * w[j] (dy when w = 0),
   *   dx[r][j] = rstd[r] * (g - mean_j(g) - xh * mean_j(g * xh));
   * over all rows dw[j] = sum_r dy[r][j] * xh, db[j] = sum_r dy[r][j] (overwritten; zeros when rows = 0).
   * dx, dw, db: 0 = not wanted. work: 24 * cols bytes when dw or db is wanted (f64 totals and f32 partial sums
   * over blocks of rows), else unused (may be 0).
   */
  layer_norm_backward_f32: { split: 'none', args: ['dy:in', 'x:in', 'w:in?', 'mean:in', 'rstd:in', 'dx:out?', 'dw:out?', 'db:out?',
    'work:work', 'rows', 'cols'] },
} as const satisfies Record<string, KernelSpec>;

/** Roles of a kernel's pointer and size arguments (see the file comment); a bare name is a `number`. */
const ROLES = ['in', 'out', 'inout', 'in?', 'out?', 'inout?', 'strided-in', 'strided-out', 'meta', 'size', 'work'] as const;
export type Role = (typeof ROLES)[number] | 'number';
/** How a kernel runs on several threads (see the file comment). */
type Split = 'range' | 'rows' | 'none' | 'gemm' | 'sum' | 'conv' | 'attention' | 'winograd' | 'cell' | 'channels';
/** The splits done by a custom splitter of wasm/split.ts. */
export type CustomSplit = Exclude<Split, 'range' | 'rows' | 'none'>;

/** One table entry: the arguments in order (`name:role`, or a bare name for a number) and the split. */
interface KernelSpec {
  readonly split: Split;
  readonly args: readonly string[];
  readonly returns?: 'number';
}

type Table = typeof KERNEL_TABLE;
/** One number per element of a tuple. */
type Numbers<A extends readonly unknown[]> = { -readonly [I in keyof A]: number };
/** A kernel's function type: one number per argument; returns a number or nothing. */
type KernelFn<S extends KernelSpec> = (...args: Numbers<S['args']>) => S extends { returns: 'number' } ? number : void;

/** Every kernel by name, typed from the table (both backends implement exactly this). */
export type Kernels = { [K in keyof Table]: KernelFn<Table[K]> };
export type KernelName = keyof Kernels;
/** The kernels whose entry says they split with `split`. */
export type KernelsSplitBy<S extends Split> = { [K in KernelName]: Table[K]['split'] extends S ? K : never }[KernelName];

/** One argument of a kernel: its position, name and role. */
interface Operand {
  readonly index: number;
  readonly name: string;
  readonly role: Role;
}

/** A table entry with its arguments parsed. */
export interface KernelSignature {
  readonly name: KernelName;
  readonly split: Split;
  readonly operands: readonly Operand[];
  readonly returns: 'number' | 'void';
}

function parse(name: KernelName, spec: KernelSpec): KernelSignature {
  const operands = spec.args.map((arg, index): Operand => {
    const [argName, role = 'number', extra] = arg.split(':');
    if (extra !== undefined || !(ROLES as readonly string[]).includes(role) && role !== 'number') {
      throw new Error(`kernel table: ${name} argument ${index} '${arg}' has an unknown role (expected name or ` +
        `name:role, role one of ${ROLES.join(', ')})`);
    }
    return { index, name: argName!, role: role as Role };
  });
  const count = (roles: Role[]) => operands.filter((o) => roles.includes(o.role)).length;
  const bad = (why: string) => new Error(`kernel table: ${name} has split '${spec.split}' but ${why}`);
  if (spec.split === 'range') {
    if (count(['size']) !== 1) throw bad('not exactly one size argument');
    if (count(['strided-in', 'strided-out', 'meta', 'work']) > 0) throw bad('a strided, meta or work argument');
    if (spec.returns !== undefined) throw bad('returns a value');
  } else if (spec.split === 'rows') {
    if (count(['meta']) !== 1) throw bad('not exactly one meta argument');
    if (count(['size', 'work', 'in?', 'out?', 'inout?']) > 0) throw bad('a size, work or optional argument');
    if (count(['strided-out', 'out', 'inout']) !== 1) throw bad('not exactly one written pointer');
    if (spec.returns !== undefined) throw bad('returns a value');
  }
  return { name, split: spec.split, operands, returns: spec.returns ?? 'void' };
}

/** Every kernel's name, in table order. */
export const KERNEL_NAMES = Object.keys(KERNEL_TABLE) as KernelName[];

/** Every kernel's parsed signature, by name. */
export const KERNEL_SIGNATURES: { readonly [K in KernelName]: KernelSignature } = Object.fromEntries(
  KERNEL_NAMES.map((name) => [name, parse(name, KERNEL_TABLE[name])]),
) as { [K in KernelName]: KernelSignature };
