// Activation kernels: erf and the exact GELU (forward and backward).

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

/** a * b + c, rounded once in the relaxed-SIMD build where the engine fuses relaxed_madd (an FMA on x64 and arm64). */
@inline function vfma(a: v128, b: v128, c: f32): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, f32x4.splat(c));
  return f32x4.add(f32x4.mul(a, b), f32x4.splat(c));
}

// The exact GELU, x Φ(x) with Φ the standard normal CDF, in f32 without the cancellation of 1 + erf(x / sqrt 2) at
// negative x: Φ(-a) = e^(-a²/2) R(a) for a = |x|, Φ(x) = 1 - Φ(-x), with
//   R(a) = Φ(-a) e^(a²/2) = t P(t - TM), t = 1 / (1 + a/2), P of degree 10 (relative error 2.3e-8 on [0, 14.5]);
//   e^(-a²/2) with a²/2 carried in two parts: a = ah + al with ah = a rounded to 1/64, so ah²/2 is exact and the rest
//   al (a + ah) / 2 is small; both enter the exponential's range reduction (n ln2 - ah²/2 is exact), so the
//   argument keeps its full accuracy however large a² is; e^s on |s| <= ln2/2 is Cephes' expf polynomial (as
//   vexp in vmath.ts), scaled by 2^(32 - n) and then 2^-32, so subnormal results are rounded once.
// a is clamped at 14.5 (where e^(-a²/2) is already 0 in f32 and GELU(-a) is -0). Error against the float64 value
// rounded to f32, with and without fused multiply-adds (test/gelu.test.ts, 3.1M points incl. the tail and tiny and
// huge |x|): GELU within 5 ulp, GELU' = Φ(x) + x φ(x) within 5 ulp of the larger of |Φ(x)| and |x φ(x)| (the sum
// crosses zero at x = -0.75, where no f32 evaluation keeps a relative bound), both plus 16 units of the smallest
// subnormal, which only matters below x = -13 where Φ(x) is subnormal. x Φ(x) cannot overflow (Φ <= 1).
// Special values follow the float64 formula x/2 (1 + erf(x / sqrt 2)) and PyTorch: GELU(-0) = -0,
// GELU(+Inf) = +Inf, GELU(-Inf) = -Inf * 0 = NaN, large negative x give -0, NaN stays NaN; GELU'(±Inf) = NaN (±Inf * 0), GELU'(-0) = 1/2, large negative x give +0.
const CLAMP: f32 = 14.5;
const TM: f32 = 0.560606062412262;
const P10: f32 = -0.039066627621650696;
const P9: f32 = -0.03155268356204033;
const P8: f32 = 0.08193640410900116;
const P7: f32 = -0.0137335155159235;
const P6: f32 = -0.07523178309202194;
const P5: f32 = 0.08279441297054291;
const P4: f32 = 0.025181248784065247;
const P3: f32 = -0.14414754509925842;
const P2: f32 = 0.031032374128699303;
const P1: f32 = 0.3367709517478943;
const P0: f32 = 0.3564680218696594;
const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375; // 9 significant bits: n LN2_HI is exact for n < 2^15
const LN2_LO: f32 = -2.12194440e-4;
const ROUNDER: f32 = 12582912.0; // 1.5 * 2^23: adding it rounds to an integer held in the low mantissa bits
const ROUNDER_BITS: i32 = 0x4b400000;
const INV_SQRT_2PI: f32 = 0.3989422804014327;

/** e^(-a²/2) for 4 lanes of a in [0, 14.5] (NaN lanes give garbage, which the callers multiply by NaN). */
@inline function vexpHalfSquare(a: v128): v128 {
  const ah = f32x4.mul(f32x4.nearest(f32x4.mul(a, f32x4.splat(64.0))), f32x4.splat(0.015625));
  const hi = f32x4.mul(f32x4.mul(ah, ah), f32x4.splat(0.5)); // exact: ah has at most 10 significant bits
  const lo = f32x4.mul(f32x4.mul(f32x4.sub(a, ah), f32x4.add(a, ah)), f32x4.splat(0.5)); // a²/2 - hi, |lo| < 0.12
  const j = f32x4.add(f32x4.mul(f32x4.add(hi, lo), f32x4.splat(LOG2E)), f32x4.splat(ROUNDER));
  const n = f32x4.sub(j, f32x4.splat(ROUNDER)); // round(a²/2 / ln2), in [0, 152]
  // s = n ln2 - a²/2 in [-0.35, 0.35]; n LN2_HI - hi is exact (both on a 2^-13 grid, difference below 1)
  const s = f32x4.add(f32x4.sub(f32x4.sub(f32x4.mul(n, f32x4.splat(LN2_HI)), hi), lo), f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = vfma(s, f32x4.splat(1.9875691500e-4), 1.3981999507e-3);
  p = vfma(s, p, 8.3334519073e-3);
  p = vfma(s, p, 4.1665795894e-2);
  p = vfma(s, p, 1.6666665459e-1);
  p = vfma(s, p, 5.0000001201e-1);
  const es = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(s, s)), s), f32x4.splat(1.0)); // e^s
  const scale = i32x4.shl(i32x4.sub(i32x4.splat(127 + 32), i32x4.sub(j, i32x4.splat(ROUNDER_BITS))), 23); // 2^(32 - n)
  return f32x4.mul(f32x4.mul(es, scale), f32x4.splat(2.3283064365386963e-10));
}

/** Φ(-a) for 4 lanes of a in [0, 14.5]: e^(-a²/2) R(a). */
@inline function vtail(a: v128, e: v128): v128 {
  const t = f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), f32x4.mul(a, f32x4.splat(0.5))));
  const u = f32x4.sub(t, f32x4.splat(TM));
  let p = vfma(u, f32x4.splat(P10), P9);
  p = vfma(u, p, P8);
  p = vfma(u, p, P7);
  p = vfma(u, p, P6);
  p = vfma(u, p, P5);
  p = vfma(u, p, P4);
  p = vfma(u, p, P3);
  p = vfma(u, p, P2);
  p = vfma(u, p, P1);
  p = vfma(u, p, P0);
  return f32x4.mul(f32x4.mul(t, p), e);
}

/** Φ(x) for 4 lanes, given a = min(|x|, 14.5) and Φ(-a). */
@inline function vcdf(x: v128, tail: v128): v128 {
  return v128.bitselect(tail, f32x4.sub(f32x4.splat(1.0), tail), f32x4.lt(x, f32x4.splat(0.0)));
}

/** GELU of 4 lanes: x Φ(x). */
@inline function vgelu(x: v128): v128 {
  const a = f32x4.pmin(f32x4.abs(x), f32x4.splat(CLAMP)); // pmin keeps a NaN first operand
  return f32x4.mul(x, vcdf(x, vtail(a, vexpHalfSquare(a))));
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

/** GELU's derivative times g for 4 lanes: g * (Φ(x) + x φ(x)), φ(x) = e^(-x²/2) / sqrt(2π). */
@inline function vgeluGrad(g: v128, x: v128): v128 {
  const a = f32x4.pmin(f32x4.abs(x), f32x4.splat(CLAMP));
  const e = vexpHalfSquare(a);
  const pdf = f32x4.mul(e, f32x4.splat(INV_SQRT_2PI));
  return f32x4.mul(g, f32x4.add(vcdf(x, vtail(a, e)), f32x4.mul(x, pdf)));
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
