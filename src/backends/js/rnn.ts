/**
 * Reference fused recurrent cells (see kernels.ts): each element computed in doubles from the f32 inputs,
 * rounded to f32 on store.
 */
import { heap } from '../memory.js';

const sig = (v: number): number => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));

/** One LSTM step: h' into h, c' into cOut, the activated gates into act, tanh(c') into tc. */
export function lstm_cell_f32(gi: number, gh: number, c: number, h: number, cOut: number, act: number, tc: number, batch: number, hidden: number): void {
  const f32 = heap.f32;
  const H = hidden;
  const gis = gi >>> 2, ghs = gh >>> 2, cs = c >>> 2, hs = h >>> 2, cos = cOut >>> 2, as = act >>> 2, ts = tc >>> 2;
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < H; j++) {
      const k = b * 4 * H + j, m = b * H + j;
      const i = sig(f32[gis + k]! + f32[ghs + k]!);
      const f = sig(f32[gis + k + H]! + f32[ghs + k + H]!);
      const g = Math.tanh(f32[gis + k + 2 * H]! + f32[ghs + k + 2 * H]!);
      const o = sig(f32[gis + k + 3 * H]! + f32[ghs + k + 3 * H]!);
      const cn = f * f32[cs + m]! + i * g;
      const t = Math.tanh(cn);
      f32[hs + m] = o * t;
      f32[cos + m] = cn;
      f32[as + k] = i;
      f32[as + k + H] = f;
      f32[as + k + 2 * H] = g;
      f32[as + k + 3 * H] = o;
      f32[ts + m] = t;
    }
  }
}

/** Backward of one LSTM step: dgates and dcPrev from dh', dc' (0 = zeros) and the saved act, tc, c. */
export function lstm_cell_backward_f32(dh: number, dc: number, act: number, tc: number, c: number, dgates: number, dcPrev: number, batch: number, hidden: number): void {
  const f32 = heap.f32;
  const H = hidden;
  const dhs = dh >>> 2, dcs = dc >>> 2, as = act >>> 2, ts = tc >>> 2, cs = c >>> 2, gs = dgates >>> 2, ps = dcPrev >>> 2;
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < H; j++) {
      const k = b * 4 * H + j, m = b * H + j;
      const i = f32[as + k]!, f = f32[as + k + H]!, g = f32[as + k + 2 * H]!, o = f32[as + k + 3 * H]!;
      const t = f32[ts + m]!;
      const gh = dh !== 0 ? f32[dhs + m]! : 0;
      const gc = dc !== 0 ? f32[dcs + m]! : 0;
      const dct = gc + gh * o * (1 - t * t);
      f32[gs + k] = dct * g * (i * (1 - i));
      f32[gs + k + H] = dct * f32[cs + m]! * (f * (1 - f));
      f32[gs + k + 2 * H] = dct * i * (1 - g * g);
      f32[gs + k + 3 * H] = gh * t * (o * (1 - o));
      f32[ps + m] = dct * f;
    }
  }
}

/** One GRU step: h' into hOut, r, z, n into act. */
export function gru_cell_f32(gi: number, gh: number, h: number, hOut: number, act: number, batch: number, hidden: number): void {
  const f32 = heap.f32;
  const H = hidden;
  const gis = gi >>> 2, ghs = gh >>> 2, hs = h >>> 2, os = hOut >>> 2, as = act >>> 2;
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < H; j++) {
      const k = b * 3 * H + j, m = b * H + j;
      const r = sig(f32[gis + k]! + f32[ghs + k]!);
      const z = sig(f32[gis + k + H]! + f32[ghs + k + H]!);
      const n = Math.tanh(f32[gis + k + 2 * H]! + r * f32[ghs + k + 2 * H]!);
      f32[os + m] = (f32[hs + m]! - n) * z + n;
      f32[as + k] = r;
      f32[as + k + H] = z;
      f32[as + k + 2 * H] = n;
    }
  }
}

/** Backward of one GRU step: dgi, dgh and the direct part of dhPrev from dh' and the saved act, gh, h. */
export function gru_cell_backward_f32(dh: number, act: number, gh: number, h: number, dgi: number, dgh: number, dhPrev: number, batch: number, hidden: number): void {
  const f32 = heap.f32;
  const H = hidden;
  const ds = dh >>> 2, as = act >>> 2, ghs = gh >>> 2, hs = h >>> 2, is = dgi >>> 2, hgs = dgh >>> 2, ps = dhPrev >>> 2;
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < H; j++) {
      const k = b * 3 * H + j, m = b * H + j;
      const r = f32[as + k]!, z = f32[as + k + H]!, n = f32[as + k + 2 * H]!;
      const g = f32[ds + m]!;
      const dnp = g * (1 - z) * (1 - n * n);
      const dzp = g * (f32[hs + m]! - n) * (z * (1 - z));
      const drp = dnp * f32[ghs + k + 2 * H]! * (r * (1 - r));
      f32[is + k] = drp;
      f32[is + k + H] = dzp;
      f32[is + k + 2 * H] = dnp;
      f32[hgs + k] = drp;
      f32[hgs + k + H] = dzp;
      f32[hgs + k + 2 * H] = dnp * r;
      f32[ps + m] = g * z;
    }
  }
}
