/**
 * Reference kernels: fused scaled dot-product attention (semantics in kernels.ts). The same math as
 * assembly/attention.ts (keys in tiles with an online softmax; the backward recomputes the probabilities
 * from the logsumexp), row by row, computed in doubles and rounded to f32 on store; no scratch needed.
 */
import { heap } from '../memory.js';

/** Element index of mask row i of group g, or -1 without a mask. */
function maskRow(mask: number, maskOff: number, g: number, i: number, maskRs: number): number {
  if (mask === 0) return -1;
  return (mask >>> 2) + heap.i32[(maskOff >>> 2) + g]! + i * maskRs;
}

/** (q_i · k_j) * scale + mask term, in a double; k_j's elements are `step` apart from kj. */
function score(f32: Float32Array, qi: number, kj: number, step: number, E: number, scale: number, mrow: number, j: number, maskCs: number): number {
  let d = 0;
  for (let e = 0; e < E; e++) d += f32[qi + e]! * f32[kj + e * step]!;
  let s = d * scale;
  if (mrow >= 0) s += f32[mrow + j * maskCs]!;
  return s;
}

export function attention_forward_f32(q: number, kt: number, v: number, mask: number, maskOff: number, out: number, lse: number,
  _work: number, groups: number, L: number, S: number, E: number, Ev: number, scale: number, causal: number, maskRs: number,
  maskCs: number, tile: number): void {
  const f32 = heap.f32;
  const sc = Math.fround(scale);
  const acc = new Float64Array(Ev);
  const s = new Float64Array(tile);
  for (let g = 0; g < groups; g++) {
    const qg = (q >>> 2) + g * L * E, ktg = (kt >>> 2) + g * E * S, vg = (v >>> 2) + g * S * Ev;
    for (let i = 0; i < L; i++) {
      const qi = qg + i * E;
      const jEnd = causal !== 0 ? Math.min(S, i + 1) : S;
      const mrow = maskRow(mask, maskOff, g, i, maskRs);
      acc.fill(0);
      let m = -Infinity;
      let l = 0;
      for (let j0 = 0; j0 < jEnd; j0 += tile) {
        const n = Math.min(tile, jEnd - j0);
        let tmax = -Infinity;
        for (let t = 0; t < n; t++) {
          s[t] = score(f32, qi, ktg + j0 + t, S, E, sc, mrow, j0 + t, maskCs);
          tmax = Math.max(tmax, s[t]!);
        }
        const mNew = Math.max(m, tmax);
        if (mNew === -Infinity) continue; // nothing attendable yet
        if (!(mNew === m)) {
          // the running max grew (or is NaN): rescale what was summed so far
          if (m !== -Infinity) {
            const alpha = Math.exp(m - mNew);
            l *= alpha;
            for (let e = 0; e < Ev; e++) acc[e]! *= alpha;
          }
          m = mNew;
        }
        for (let t = 0; t < n; t++) {
          const p = Math.exp(s[t]! - m);
          l += p;
          const vj = vg + (j0 + t) * Ev;
          for (let e = 0; e < Ev; e++) acc[e] += p * f32[vj + e]!;
        }
      }
      const oi = (out >>> 2) + (g * L + i) * Ev;
      const li = (lse >>> 2) + g * L + i;
      if (l === 0) {
        for (let e = 0; e < Ev; e++) f32[oi + e] = 0;
        f32[li] = -Infinity;
      } else {
        for (let e = 0; e < Ev; e++) f32[oi + e] = acc[e]! / l;
        f32[li] = m + Math.log(l);
      }
    }
  }
}

export function attention_backward_f32(q: number, k: number, _kt: number, v: number, _vt: number, mask: number, maskOff: number,
  out: number, lse: number, dout: number, dq: number, dk: number, dv: number, _work: number, groups: number, L: number, S: number,
  E: number, Ev: number, scale: number, causal: number, maskRs: number, maskCs: number, _tile: number): void {
  const f32 = heap.f32;
  const sc = Math.fround(scale);
  const dqi = new Float64Array(E);
  const dkg = new Float64Array(S * E);
  const dvg = new Float64Array(S * Ev);
  for (let g = 0; g < groups; g++) {
    const qg = (q >>> 2) + g * L * E, kg = (k >>> 2) + g * S * E, vg = (v >>> 2) + g * S * Ev;
    dkg.fill(0);
    dvg.fill(0);
    for (let i = 0; i < L; i++) {
      const row = g * L + i;
      const dqo = (dq >>> 2) + row * E;
      const m = f32[(lse >>> 2) + row]!;
      if (m === -Infinity) {
        // a fully masked row: zero output, zero gradients
        for (let e = 0; e < E; e++) f32[dqo + e] = 0;
        continue;
      }
      const qi = qg + i * E, oi = (out >>> 2) + row * Ev, doi = (dout >>> 2) + row * Ev;
      let D = 0;
      for (let e = 0; e < Ev; e++) D += f32[doi + e]! * f32[oi + e]!;
      const jEnd = causal !== 0 ? Math.min(S, i + 1) : S;
      const mrow = maskRow(mask, maskOff, g, i, maskRs);
      dqi.fill(0);
      for (let j = 0; j < jEnd; j++) {
        const kj = kg + j * E, vj = vg + j * Ev;
        const p = Math.exp(score(f32, qi, kj, 1, E, sc, mrow, j, maskCs) - m);
        let dp = 0;
        for (let e = 0; e < Ev; e++) dp += f32[doi + e]! * f32[vj + e]!;
        const c = p * (dp - D) * sc;
        for (let e = 0; e < E; e++) {
          dqi[e] += c * f32[kj + e]!;
          dkg[j * E + e] += c * f32[qi + e]!;
        }
        for (let e = 0; e < Ev; e++) dvg[j * Ev + e] += p * f32[doi + e]!;
      }
      for (let e = 0; e < E; e++) f32[dqo + e] = dqi[e]!;
    }
    const dko = (dk >>> 2) + g * S * E, dvo = (dv >>> 2) + g * S * Ev;
    for (let x = 0; x < S * E; x++) f32[dko + x] = dkg[x]!;
    for (let x = 0; x < S * Ev; x++) f32[dvo + x] = dvg[x]!;
  }
}
