// AssemblyScript, compiled by `npm run prebench` to build/fma-peak.wasm (not part of the library).
// The machine's ceiling for any WebAssembly SIMD GEMM on one core: 12 independent f32x4.relaxed_madd chains
// kept in registers (no loads, no stores), enough to cover the FMA latency on every port.

export function fma_chains(iterations: i32, x: f32): f32 {
  let c0 = f32x4.splat(x), c1 = f32x4.splat(x), c2 = f32x4.splat(x), c3 = f32x4.splat(x);
  let c4 = f32x4.splat(x), c5 = f32x4.splat(x), c6 = f32x4.splat(x), c7 = f32x4.splat(x);
  let c8 = f32x4.splat(x), c9 = f32x4.splat(x), c10 = f32x4.splat(x), c11 = f32x4.splat(x);
  const a = f32x4.splat(0.999), b = f32x4.splat(0.0001);
  for (let i = 0; i < iterations; i++) {
    c0 = f32x4.relaxed_madd(a, c0, b); c1 = f32x4.relaxed_madd(a, c1, b); c2 = f32x4.relaxed_madd(a, c2, b);
    c3 = f32x4.relaxed_madd(a, c3, b); c4 = f32x4.relaxed_madd(a, c4, b); c5 = f32x4.relaxed_madd(a, c5, b);
    c6 = f32x4.relaxed_madd(a, c6, b); c7 = f32x4.relaxed_madd(a, c7, b); c8 = f32x4.relaxed_madd(a, c8, b);
    c9 = f32x4.relaxed_madd(a, c9, b); c10 = f32x4.relaxed_madd(a, c10, b); c11 = f32x4.relaxed_madd(a, c11, b);
  }
  // every chain feeds the result, so none is optimised away
  const s = f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7)));
  return f32x4.extract_lane(f32x4.add(s, f32x4.add(f32x4.add(c8, c9), f32x4.add(c10, c11))), 0);
}
