// Fused scaled dot-product attention (F.scaledDotProductAttention), flash-attention style. Queries go in
// blocks of 4 rows and keys in tiles of `tile` columns; a tile's scores are computed by a register-blocked
// micro-kernel (4 query rows x 8 keys of kᵀ, f32x4 over the keys) into the `work` scratch, then an online
// softmax per row (running max m and sum l, the output accumulator rescaled when m grows) and P·V. Only the
// output and each row's logsumexp are written. The backward recomputes each tile's probabilities from the
// logsumexp (FA2): dP = dO·Vᵀ, dS = P (dP - D), dQ += dS K, dK += dSᵀ Q, dV += Pᵀ dO.
// Semantics in src/backends/kernels.ts. Groups (batch x heads) are independent: a thread's share is a run
// of groups, and every group is computed by the same instructions whatever the split.
import { vexp, hsum, hmax, slog } from "./vmath";

/** dot(a, b) over n contiguous f32: four lanes of partial sums, then a scalar tail. */
@inline function dot(a: usize, b: usize, n: i32): f32 {
  let acc = f32x4.splat(0.0);
  let e = 0;
  for (; e + 4 <= n; e += 4) {
    const o = <usize>e << 2;
    acc = f32x4.add(acc, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  let s = hsum(acc);
  for (; e < n; e++) {
    const o = <usize>e << 2;
    s += load<f32>(a + o) * load<f32>(b + o);
  }
  return s;
}

/** y[0..n) *= c. */
@inline function scaleRow(y: usize, c: f32, n: i32): void {
  const vc = f32x4.splat(c);
  let e = 0;
  for (; e + 4 <= n; e += 4) {
    const o = <usize>e << 2;
    v128.store(y + o, f32x4.mul(v128.load(y + o), vc));
  }
  for (; e < n; e++) {
    const o = <usize>e << 2;
    store<f32>(y + o, load<f32>(y + o) * c);
  }
}

/**
 * dst[r][j] = sum_e a_r[e] * bt[e][j0 + j] for r < 4, j < bc: rows a0..a3 (K contiguous f32 each) times
 * columns of bt (K rows of `ldb` bytes). dst rows are `ldd` bytes apart. Each element is summed over e in
 * order, in f32, by the same operations in every branch.
 */
function scoreTile(a0: usize, a1: usize, a2: usize, a3: usize, bt: usize, ldb: usize, j0: i32, bc: i32, K: i32,
  dst: usize, ldd: usize): void {
  let j = 0;
  for (; j + 8 <= bc; j += 8) {
    let c00 = f32x4.splat(0.0), c01 = f32x4.splat(0.0), c10 = f32x4.splat(0.0), c11 = f32x4.splat(0.0);
    let c20 = f32x4.splat(0.0), c21 = f32x4.splat(0.0), c30 = f32x4.splat(0.0), c31 = f32x4.splat(0.0);
    let b = bt + (<usize>(j0 + j) << 2);
    for (let e = 0; e < K; e++) {
      const eo = <usize>e << 2;
      const x = v128.load(b), y = v128.load(b + 16);
      let s = v128.load32_splat(a0 + eo);
      c00 = f32x4.add(c00, f32x4.mul(s, x));
      c01 = f32x4.add(c01, f32x4.mul(s, y));
      s = v128.load32_splat(a1 + eo);
      c10 = f32x4.add(c10, f32x4.mul(s, x));
      c11 = f32x4.add(c11, f32x4.mul(s, y));
      s = v128.load32_splat(a2 + eo);
      c20 = f32x4.add(c20, f32x4.mul(s, x));
      c21 = f32x4.add(c21, f32x4.mul(s, y));
      s = v128.load32_splat(a3 + eo);
      c30 = f32x4.add(c30, f32x4.mul(s, x));
      c31 = f32x4.add(c31, f32x4.mul(s, y));
      b += ldb;
    }
    const d = dst + (<usize>j << 2);
    v128.store(d, c00);
    v128.store(d + 16, c01);
    v128.store(d + ldd, c10);
    v128.store(d + ldd + 16, c11);
    v128.store(d + 2 * ldd, c20);
    v128.store(d + 2 * ldd + 16, c21);
    v128.store(d + 3 * ldd, c30);
    v128.store(d + 3 * ldd + 16, c31);
  }
  for (; j + 4 <= bc; j += 4) {
    let c0 = f32x4.splat(0.0), c1 = f32x4.splat(0.0), c2 = f32x4.splat(0.0), c3 = f32x4.splat(0.0);
    let b = bt + (<usize>(j0 + j) << 2);
    for (let e = 0; e < K; e++) {
      const eo = <usize>e << 2;
      const x = v128.load(b);
      c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(a0 + eo), x));
      c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(a1 + eo), x));
      c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(a2 + eo), x));
      c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(a3 + eo), x));
      b += ldb;
    }
    const d = dst + (<usize>j << 2);
    v128.store(d, c0);
    v128.store(d + ldd, c1);
    v128.store(d + 2 * ldd, c2);
    v128.store(d + 3 * ldd, c3);
  }
  for (; j < bc; j++) {
    let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
    let b = bt + (<usize>(j0 + j) << 2);
    for (let e = 0; e < K; e++) {
      const eo = <usize>e << 2;
      const x = load<f32>(b);
      s0 += load<f32>(a0 + eo) * x;
      s1 += load<f32>(a1 + eo) * x;
      s2 += load<f32>(a2 + eo) * x;
      s3 += load<f32>(a3 + eo) * x;
      b += ldb;
    }
    const d = dst + (<usize>j << 2);
    store<f32>(d, s0);
    store<f32>(d + ldd, s1);
    store<f32>(d + 2 * ldd, s2);
    store<f32>(d + 3 * ldd, s3);
  }
}

/**
 * y_r[0..n) += sum_{j < bc} c[r][j] * m_j[0..n) for the `rows` rows y_r (`ldy` bytes apart), c rows `ldc`
 * bytes apart, m_j rows `ldm` bytes apart. Every element sums over j in order by the same operations.
 */
function accRows(y: usize, ldy: usize, rows: i32, c: usize, ldc: usize, m: usize, ldm: usize, bc: i32, n: i32): void {
  if (rows == 4) {
    let e = 0;
    for (; e + 8 <= n; e += 8) {
      const eo = <usize>e << 2;
      let a00 = v128.load(y + eo), a01 = v128.load(y + eo + 16);
      let a10 = v128.load(y + ldy + eo), a11 = v128.load(y + ldy + eo + 16);
      let a20 = v128.load(y + 2 * ldy + eo), a21 = v128.load(y + 2 * ldy + eo + 16);
      let a30 = v128.load(y + 3 * ldy + eo), a31 = v128.load(y + 3 * ldy + eo + 16);
      let mj = m + eo;
      for (let j = 0; j < bc; j++) {
        const x = v128.load(mj), z = v128.load(mj + 16);
        const jo = <usize>j << 2;
        let s = v128.load32_splat(c + jo);
        a00 = f32x4.add(a00, f32x4.mul(s, x));
        a01 = f32x4.add(a01, f32x4.mul(s, z));
        s = v128.load32_splat(c + ldc + jo);
        a10 = f32x4.add(a10, f32x4.mul(s, x));
        a11 = f32x4.add(a11, f32x4.mul(s, z));
        s = v128.load32_splat(c + 2 * ldc + jo);
        a20 = f32x4.add(a20, f32x4.mul(s, x));
        a21 = f32x4.add(a21, f32x4.mul(s, z));
        s = v128.load32_splat(c + 3 * ldc + jo);
        a30 = f32x4.add(a30, f32x4.mul(s, x));
        a31 = f32x4.add(a31, f32x4.mul(s, z));
        mj += ldm;
      }
      v128.store(y + eo, a00);
      v128.store(y + eo + 16, a01);
      v128.store(y + ldy + eo, a10);
      v128.store(y + ldy + eo + 16, a11);
      v128.store(y + 2 * ldy + eo, a20);
      v128.store(y + 2 * ldy + eo + 16, a21);
      v128.store(y + 3 * ldy + eo, a30);
      v128.store(y + 3 * ldy + eo + 16, a31);
    }
    for (; e + 4 <= n; e += 4) {
      const eo = <usize>e << 2;
      let a0 = v128.load(y + eo), a1 = v128.load(y + ldy + eo), a2 = v128.load(y + 2 * ldy + eo), a3 = v128.load(y + 3 * ldy + eo);
      let mj = m + eo;
      for (let j = 0; j < bc; j++) {
        const x = v128.load(mj);
        const jo = <usize>j << 2;
        a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(c + jo), x));
        a1 = f32x4.add(a1, f32x4.mul(v128.load32_splat(c + ldc + jo), x));
        a2 = f32x4.add(a2, f32x4.mul(v128.load32_splat(c + 2 * ldc + jo), x));
        a3 = f32x4.add(a3, f32x4.mul(v128.load32_splat(c + 3 * ldc + jo), x));
        mj += ldm;
      }
      v128.store(y + eo, a0);
      v128.store(y + ldy + eo, a1);
      v128.store(y + 2 * ldy + eo, a2);
      v128.store(y + 3 * ldy + eo, a3);
    }
    for (; e < n; e++) {
      const eo = <usize>e << 2;
      for (let r = 0; r < 4; r++) {
        const yr = y + <usize>r * ldy + eo;
        const cr = c + <usize>r * ldc;
        let s = load<f32>(yr);
        for (let j = 0; j < bc; j++) s += load<f32>(cr + (<usize>j << 2)) * load<f32>(m + <usize>j * ldm + eo);
        store<f32>(yr, s);
      }
    }
    return;
  }
  for (let r = 0; r < rows; r++) {
    const yr = y + <usize>r * ldy;
    const cr = c + <usize>r * ldc;
    let e = 0;
    for (; e + 4 <= n; e += 4) {
      const eo = <usize>e << 2;
      let a = v128.load(yr + eo);
      let mj = m + eo;
      for (let j = 0; j < bc; j++) {
        a = f32x4.add(a, f32x4.mul(v128.load32_splat(cr + (<usize>j << 2)), v128.load(mj)));
        mj += ldm;
      }
      v128.store(yr + eo, a);
    }
    for (; e < n; e++) {
      const eo = <usize>e << 2;
      let s = load<f32>(yr + eo);
      for (let j = 0; j < bc; j++) s += load<f32>(cr + (<usize>j << 2)) * load<f32>(m + <usize>j * ldm + eo);
      store<f32>(yr + eo, s);
    }
  }
}

/**
 * d_j[0..n) += sum_{r < rows} c[r][j] * x_r[0..n) for j < bc (d_j rows `ldd` bytes apart; c rows `ldc`
 * bytes apart; x0..x3 the rows, those past `rows` unused).
 */
function accCols(d: usize, ldd: usize, c: usize, ldc: usize, x0: usize, x1: usize, x2: usize, x3: usize, rows: i32, bc: i32, n: i32): void {
  let j = 0;
  if (rows == 4) {
    // two keys at a time share the loads of x0..x3 (each element still gets the same operations)
    for (; j + 2 <= bc; j += 2) {
      const da = d + <usize>j * ldd, db = da + ldd;
      const ca = c + (<usize>j << 2), cb = ca + 4;
      const a0 = v128.load32_splat(ca), a1 = v128.load32_splat(ca + ldc), a2 = v128.load32_splat(ca + 2 * ldc), a3 = v128.load32_splat(ca + 3 * ldc);
      const b0 = v128.load32_splat(cb), b1 = v128.load32_splat(cb + ldc), b2 = v128.load32_splat(cb + 2 * ldc), b3 = v128.load32_splat(cb + 3 * ldc);
      let e = 0;
      for (; e + 4 <= n; e += 4) {
        const eo = <usize>e << 2;
        const y0 = v128.load(x0 + eo), y1 = v128.load(x1 + eo), y2 = v128.load(x2 + eo), y3 = v128.load(x3 + eo);
        const ta = f32x4.add(f32x4.add(f32x4.mul(a0, y0), f32x4.mul(a1, y1)), f32x4.add(f32x4.mul(a2, y2), f32x4.mul(a3, y3)));
        const tb = f32x4.add(f32x4.add(f32x4.mul(b0, y0), f32x4.mul(b1, y1)), f32x4.add(f32x4.mul(b2, y2), f32x4.mul(b3, y3)));
        v128.store(da + eo, f32x4.add(v128.load(da + eo), ta));
        v128.store(db + eo, f32x4.add(v128.load(db + eo), tb));
      }
      for (; e < n; e++) {
        const eo = <usize>e << 2;
        const y0 = load<f32>(x0 + eo), y1 = load<f32>(x1 + eo), y2 = load<f32>(x2 + eo), y3 = load<f32>(x3 + eo);
        const ta = (load<f32>(ca) * y0 + load<f32>(ca + ldc) * y1) + (load<f32>(ca + 2 * ldc) * y2 + load<f32>(ca + 3 * ldc) * y3);
        const tb = (load<f32>(cb) * y0 + load<f32>(cb + ldc) * y1) + (load<f32>(cb + 2 * ldc) * y2 + load<f32>(cb + 3 * ldc) * y3);
        store<f32>(da + eo, load<f32>(da + eo) + ta);
        store<f32>(db + eo, load<f32>(db + eo) + tb);
      }
    }
  }
  for (; j < bc; j++) {
    const dj = d + <usize>j * ldd;
    const cj = c + (<usize>j << 2);
    if (rows == 4) {
      const c0 = v128.load32_splat(cj), c1 = v128.load32_splat(cj + ldc), c2 = v128.load32_splat(cj + 2 * ldc), c3 = v128.load32_splat(cj + 3 * ldc);
      let e = 0;
      for (; e + 4 <= n; e += 4) {
        const eo = <usize>e << 2;
        const t = f32x4.add(f32x4.add(f32x4.mul(c0, v128.load(x0 + eo)), f32x4.mul(c1, v128.load(x1 + eo))),
          f32x4.add(f32x4.mul(c2, v128.load(x2 + eo)), f32x4.mul(c3, v128.load(x3 + eo))));
        v128.store(dj + eo, f32x4.add(v128.load(dj + eo), t));
      }
      const s0 = load<f32>(cj), s1 = load<f32>(cj + ldc), s2 = load<f32>(cj + 2 * ldc), s3 = load<f32>(cj + 3 * ldc);
      for (; e < n; e++) {
        const eo = <usize>e << 2;
        const t = (s0 * load<f32>(x0 + eo) + s1 * load<f32>(x1 + eo)) + (s2 * load<f32>(x2 + eo) + s3 * load<f32>(x3 + eo));
        store<f32>(dj + eo, load<f32>(dj + eo) + t);
      }
    } else {
      for (let r = 0; r < rows; r++) {
        const xr = r == 0 ? x0 : r == 1 ? x1 : x2;
        const cr = load<f32>(cj + <usize>r * ldc);
        const vc = f32x4.splat(cr);
        let e = 0;
        for (; e + 4 <= n; e += 4) {
          const eo = <usize>e << 2;
          v128.store(dj + eo, f32x4.add(v128.load(dj + eo), f32x4.mul(vc, v128.load(xr + eo))));
        }
        for (; e < n; e++) {
          const eo = <usize>e << 2;
          store<f32>(dj + eo, load<f32>(dj + eo) + cr * load<f32>(xr + eo));
        }
      }
    }
  }
}

/**
 * Turns the raw dots of one tile row (bc of them at `row`) into scores: s_j = dot * scale + mask term, -Inf
 * for keys past the causal limit; pads the row with -Inf up to a multiple of 4. Returns the row's max.
 */
@inline function finishScores(row: usize, bc: i32, jl: i32, scale: f32, mrow: usize, mcs: usize): f32 {
  let tmax: f32 = -Infinity;
  for (let j = 0; j < bc; j++) {
    const p = row + (<usize>j << 2);
    let s: f32 = -Infinity;
    if (j < jl) {
      s = load<f32>(p) * scale;
      if (mrow != 0) s += load<f32>(mrow + <usize>j * mcs);
    }
    store<f32>(p, s);
    tmax = max(tmax, s);
  }
  for (let j = bc; (j & 3) != 0; j++) store<f32>(row + (<usize>j << 2), -Infinity);
  return tmax;
}

/** Byte address of mask row i of group g (0 without a mask). */
@inline function maskRow(mask: usize, maskOff: usize, g: i32, i: i32, maskRs: i32): usize {
  if (mask == 0) return 0;
  return mask + ((<usize>(load<i32>(maskOff + (<usize>g << 2)) + i * maskRs)) << 2);
}

/** Fused attention forward over `groups` groups (see kernels.ts attention_forward_f32). */
export function attention_forward_f32(q: usize, kt: usize, v: usize, mask: usize, maskOff: usize, out: usize, lse: usize,
  work: usize, groups: i32, L: i32, S: i32, E: i32, Ev: i32, scale: f32, causal: i32, maskRs: i32, maskCs: i32, tile: i32): void {
  const qRow = <usize>E << 2, vRow = <usize>Ev << 2, ktRow = <usize>S << 2;
  const mcs = <usize>maskCs << 2;
  const ldw = <usize>tile << 2; // one tile row of scores
  const ml = work + 4 * ldw; // running max m[4], then sum l[4]
  for (let g = 0; g < groups; g++) {
    const qg = q + <usize>g * <usize>L * qRow;
    const ktg = kt + <usize>g * <usize>E * ktRow;
    const vg = v + <usize>g * <usize>S * vRow;
    for (let i0 = 0; i0 < L; i0 += 4) {
      const rb = min(4, L - i0);
      const q0 = qg + <usize>i0 * qRow;
      const q1 = rb > 1 ? q0 + qRow : q0, q2 = rb > 2 ? q0 + 2 * qRow : q0, q3 = rb > 3 ? q0 + 3 * qRow : q0;
      const o0 = out + (<usize>g * <usize>L + <usize>i0) * vRow;
      memory.fill(o0, 0, <usize>rb * vRow);
      for (let r = 0; r < 4; r++) {
        store<f32>(ml + (<usize>r << 2), -Infinity);
        store<f32>(ml + 16 + (<usize>r << 2), 0);
      }
      const jEnd = causal != 0 ? min(S, i0 + rb) : S;
      for (let j0 = 0; j0 < jEnd; j0 += tile) {
        const bc = min(tile, jEnd - j0);
        scoreTile(q0, q1, q2, q3, ktg, ktRow, j0, bc, E, work, ldw);
        for (let r = 0; r < rb; r++) {
          const row = work + <usize>r * ldw;
          const i = i0 + r;
          const jl = causal != 0 ? min(bc, i + 1 - j0) : bc;
          const mrow = maskRow(mask, maskOff, g, i, maskRs);
          const tmax = finishScores(row, bc, jl, scale, mrow == 0 ? 0 : mrow + <usize>j0 * mcs, mcs);
          const mOld = load<f32>(ml + (<usize>r << 2));
          let l = load<f32>(ml + 16 + (<usize>r << 2));
          const mNew = max(mOld, tmax);
          if (mNew == -Infinity) {
            // nothing attendable yet: this tile adds nothing
            memory.fill(row, 0, <usize>((bc + 3) & ~3) << 2);
            continue;
          }
          if (mNew != mOld) {
            // the running max grew (or is NaN): rescale what was summed so far
            if (mOld != -Infinity) {
              const alpha = f32x4.extract_lane(vexp(f32x4.splat(mOld - mNew)), 0);
              l *= alpha;
              scaleRow(o0 + <usize>r * vRow, alpha, Ev);
            }
            store<f32>(ml + (<usize>r << 2), mNew);
          }
          const vm = f32x4.splat(mNew);
          let acc = f32x4.splat(0.0);
          for (let j = 0; j < bc; j += 4) {
            const p = row + (<usize>j << 2);
            const e = vexp(f32x4.sub(v128.load(p), vm));
            v128.store(p, e);
            acc = f32x4.add(acc, e);
          }
          store<f32>(ml + 16 + (<usize>r << 2), l + hsum(acc));
        }
        accRows(o0, vRow, rb, work, ldw, vg + <usize>j0 * vRow, vRow, bc, Ev);
      }
      for (let r = 0; r < rb; r++) {
        const m = load<f32>(ml + (<usize>r << 2));
        const l = load<f32>(ml + 16 + (<usize>r << 2));
        const li = lse + ((<usize>g * <usize>L + <usize>(i0 + r)) << 2);
        if (l == 0) {
          // every score -Inf (or no key): a zero row, as PyTorch's safe softmax
          store<f32>(li, -Infinity);
        } else {
          scaleRow(o0 + <usize>r * vRow, <f32>1.0 / l, Ev);
          store<f32>(li, m + slog(l));
        }
      }
    }
  }
}

/** Fused attention backward over `groups` groups (see kernels.ts attention_backward_f32). */
export function attention_backward_f32(q: usize, k: usize, kt: usize, v: usize, vt: usize, mask: usize, maskOff: usize,
  out: usize, lse: usize, dout: usize, dq: usize, dk: usize, dv: usize, work: usize, groups: i32, L: i32, S: i32, E: i32,
  Ev: i32, scale: f32, causal: i32, maskRs: i32, maskCs: i32, tile: i32): void {
  const qRow = <usize>E << 2, vRow = <usize>Ev << 2, ktRow = <usize>S << 2;
  const mcs = <usize>maskCs << 2;
  const ldw = <usize>tile << 2;
  const pT = work, dsT = work + 4 * ldw; // P and dS tiles, 4 rows each
  const dl = work + 8 * ldw; // D[4], then lse[4]
  memory.fill(dq, 0, <usize>groups * <usize>L * qRow);
  memory.fill(dk, 0, <usize>groups * <usize>S * qRow);
  memory.fill(dv, 0, <usize>groups * <usize>S * vRow);
  const vs = f32x4.splat(scale);
  for (let g = 0; g < groups; g++) {
    const qg = q + <usize>g * <usize>L * qRow;
    const kg = k + <usize>g * <usize>S * qRow;
    const ktg = kt + <usize>g * <usize>E * ktRow;
    const vtg = vt + <usize>g * <usize>Ev * ktRow;
    const dkg = dk + <usize>g * <usize>S * qRow;
    const dvg = dv + <usize>g * <usize>S * vRow;
    for (let i0 = 0; i0 < L; i0 += 4) {
      const rb = min(4, L - i0);
      const rowAt = <usize>g * <usize>L + <usize>i0;
      const q0 = qg + <usize>i0 * qRow;
      const q1 = rb > 1 ? q0 + qRow : q0, q2 = rb > 2 ? q0 + 2 * qRow : q0, q3 = rb > 3 ? q0 + 3 * qRow : q0;
      const d0 = dout + rowAt * vRow;
      const d1 = rb > 1 ? d0 + vRow : d0, d2 = rb > 2 ? d0 + 2 * vRow : d0, d3 = rb > 3 ? d0 + 3 * vRow : d0;
      let live = false;
      for (let r = 0; r < rb; r++) {
        const m = load<f32>(lse + ((rowAt + <usize>r) << 2));
        store<f32>(dl + 16 + (<usize>r << 2), m);
        store<f32>(dl + (<usize>r << 2), dot(d0 + <usize>r * vRow, out + (rowAt + <usize>r) * vRow, Ev));
        if (m != -Infinity) live = true;
      }
      if (!live) continue; // fully masked rows: zero gradients
      const jEnd = causal != 0 ? min(S, i0 + rb) : S;
      for (let j0 = 0; j0 < jEnd; j0 += tile) {
        const bc = min(tile, jEnd - j0);
        scoreTile(q0, q1, q2, q3, ktg, ktRow, j0, bc, E, pT, ldw);
        scoreTile(d0, d1, d2, d3, vtg, ktRow, j0, bc, Ev, dsT, ldw);
        for (let r = 0; r < rb; r++) {
          const prow = pT + <usize>r * ldw, drow = dsT + <usize>r * ldw;
          const i = i0 + r;
          const m = load<f32>(dl + 16 + (<usize>r << 2));
          const bc4 = <usize>((bc + 3) & ~3) << 2;
          if (m == -Infinity) {
            memory.fill(prow, 0, bc4);
            memory.fill(drow, 0, bc4);
            continue;
          }
          const jl = causal != 0 ? min(bc, i + 1 - j0) : bc;
          const mrow = maskRow(mask, maskOff, g, i, maskRs);
          finishScores(prow, bc, jl, scale, mrow == 0 ? 0 : mrow + <usize>j0 * mcs, mcs);
          const vm = f32x4.splat(m), vD = f32x4.splat(load<f32>(dl + (<usize>r << 2)));
          for (let j = 0; j < bc; j += 4) {
            const o = <usize>j << 2;
            const p = vexp(f32x4.sub(v128.load(prow + o), vm));
            v128.store(prow + o, p);
            // dS = P (dP - D), times scale for dQ and dK
            v128.store(drow + o, f32x4.mul(f32x4.mul(p, f32x4.sub(v128.load(drow + o), vD)), vs));
          }
        }
        accRows(dq + rowAt * qRow, qRow, rb, dsT, ldw, kg + <usize>j0 * qRow, qRow, bc, E);
        accCols(dkg + <usize>j0 * qRow, qRow, dsT, ldw, q0, q1, q2, q3, rb, bc, E);
        accCols(dvg + <usize>j0 * vRow, vRow, pT, ldw, d0, d1, d2, d3, rb, bc, Ev);
      }
    }
  }
}
