// Activation kernels: erf and the exact GELU (forward and backward) it serves.
import { vexp } from "./vmath";

// Rational approximation erf(x) ~ x * P(x^2) / Q(x^2) on [-4, 4] (Eigen's / XLA's f32 erf; a few ulp);
// outside [-4, 4] erf is +-1 in f32. Coefficients from highest to lowest power.
const A13: f32 = -2.72614225801306e-10;
const A11: f32 = 2.77068142495902e-08;
const A9: f32 = -2.10102402082508e-06;
const A7: f32 = -5.69250639462346e-05;
const A5: f32 = -7.34990630326855e-04;
const A3: f32 = -2.95459980854025e-03;
const A1: f32 = -1.60960333262415e-02;
const B8: f32 = -1.45660718464996e-05;
const B6: f32 = -2.13374055278905e-04;
const B4: f32 = -1.68282697438203e-03;
const B2: f32 = -7.37332916720468e-03;
const B0: f32 = -1.42647390514189e-02;

@inline function vmadd(a: v128, b: v128, c: f32): v128 {
  return f32x4.add(f32x4.mul(a, b), f32x4.splat(c));
}

/** erf of 4 lanes; NaN stays NaN (f32x4.min/max propagate it), +-Inf -> +-1, -0 -> -0. */
@inline function verf(v: v128): v128 {
  const x = f32x4.min(f32x4.max(v, f32x4.splat(-4.0)), f32x4.splat(4.0));
  const x2 = f32x4.mul(x, x);
  let p = vmadd(x2, f32x4.splat(A13), A11);
  p = vmadd(x2, p, A9);
  p = vmadd(x2, p, A7);
  p = vmadd(x2, p, A5);
  p = vmadd(x2, p, A3);
  p = vmadd(x2, p, A1);
  let q = vmadd(x2, f32x4.splat(B8), B6);
  q = vmadd(x2, q, B4);
  q = vmadd(x2, q, B2);
  q = vmadd(x2, q, B0);
  const r = f32x4.div(f32x4.mul(x, p), q);
  return f32x4.min(f32x4.max(r, f32x4.splat(-1.0)), f32x4.splat(1.0));
}

/** out[i] = erf(x[i]) (absolute error ~1e-7), contiguous. */
export function erf_f32(x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, verf(v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, f32x4.extract_lane(verf(f32x4.splat(load<f32>(x + o))), 0));
  }
}

const SQRT1_2: f32 = 0.7071067811865476;
const INV_SQRT_2PI: f32 = 0.3989422804014327;

/** GELU of 4 lanes: (x / 2) * (1 + erf(x / sqrt 2)), halving first as PyTorch does (no overflow near the f32 max). */
@inline function vgelu(x: v128): v128 {
  const e = verf(f32x4.mul(x, f32x4.splat(SQRT1_2)));
  return f32x4.mul(f32x4.mul(x, f32x4.splat(0.5)), f32x4.add(e, f32x4.splat(1.0)));
}

/** out[i] = GELU(x[i]) (the exact form), contiguous; one pass instead of five elementwise ops. */
export function gelu_f32(x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, vgelu(v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, f32x4.extract_lane(vgelu(f32x4.splat(load<f32>(x + o))), 0));
  }
}

/** GELU's derivative times g for 4 lanes: g * (Φ(x) + x φ(x)), Φ(x) = (1 + erf(x / sqrt 2)) / 2, φ(x) = e^(-x²/2) / sqrt(2π). */
@inline function vgeluGrad(g: v128, x: v128): v128 {
  const cdf = f32x4.mul(f32x4.add(verf(f32x4.mul(x, f32x4.splat(SQRT1_2))), f32x4.splat(1.0)), f32x4.splat(0.5));
  const pdf = f32x4.mul(vexp(f32x4.mul(f32x4.mul(x, x), f32x4.splat(-0.5))), f32x4.splat(INV_SQRT_2PI));
  return f32x4.mul(g, f32x4.add(cdf, f32x4.mul(x, pdf)));
}

/** out[i] = g[i] * GELU'(x[i]) (exact form), contiguous: the backward of gelu_f32 in one pass. */
export function gelu_backward_f32(g: usize, x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, vgeluGrad(v128.load(g + o), v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, f32x4.extract_lane(vgeluGrad(f32x4.splat(load<f32>(g + o)), f32x4.splat(load<f32>(x + o))), 0));
  }
}
