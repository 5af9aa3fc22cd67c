// wasmgrad kernel module: every kernel of src/backends/kernels.ts, under the same names and parameter
// order. Kernels take byte pointers into the imported memory (env.memory), never allocate and never trap
// on valid input. Build: asc assembly/index.ts --target release (see asconfig.json).
export * from "./copy";
export * from "./elementwise";
export * from "./binary";
export * from "./reduce";
export * from "./gemm";
export * from "./softmax";
export * from "./conv";
export * from "./conv-batch"; // conv2d over a run of images (one thread's share of a batch)
export * from "./winograd"; // conv2d 3x3 stride 1 by Winograd F(2x2, 3x3)
export * from "./winograd4"; // conv2d 3x3 stride 1 by Winograd F(4x4, 3x3)
export * from "./indexing";
export * from "./optim"; // optim: fused optimizer steps
export * from "./activation"; // nn: erf
export * from "./pool"; // nn: avg pooling
export * from "./fused"; // fused backward kernels for training
export { set_strided_state } from "./strided"; // per-thread iterator state (worker threads)
export * from "./math"; // issue 15 math: log1p, sin, rsqrt, lgamma, ... (math_f32)
export * from "./attention"; // issue 16 attention: fused scaled dot-product attention
export * from "./rnn"; // issue 16 recurrent: fused LSTM / GRU cells
export * from "./batchnorm"; // issue 18: fused batch norm (training mode) forward and backward
export * from "./layernorm"; // issue 18 layer norm: fused forward and backward
export * from "./random"; // dropout masks continuing the library's generator
