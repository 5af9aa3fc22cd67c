// Fused recurrent cells (nn.LSTM, nn.GRU and their Cell versions): the gate nonlinearities and state
// update of one time step in one pass, forward and backward. Semantics in src/backends/kernels.ts.
// Rows are the batch, columns the hidden units: f32x4 over the hidden units, a scalar tail (computed
// through lane 0 of the same vector code, so every element gets the same result).
import { vtanh, vsigmoid } from "./vmath";

/** The LSTM step for 4 hidden units; writes h', c', the activated gates and tanh(c'). */
@inline function lstmLanes(gi: usize, gh: usize, c: usize, h: usize, cOut: usize, act: usize, tc: usize, hb: usize, wide: bool): void {
  // hb: byte offset of one gate block (H * 4)
  const gI = wide ? f32x4.add(v128.load(gi), v128.load(gh)) : f32x4.splat(load<f32>(gi) + load<f32>(gh));
  const gF = wide ? f32x4.add(v128.load(gi + hb), v128.load(gh + hb)) : f32x4.splat(load<f32>(gi + hb) + load<f32>(gh + hb));
  const gG = wide ? f32x4.add(v128.load(gi + 2 * hb), v128.load(gh + 2 * hb)) : f32x4.splat(load<f32>(gi + 2 * hb) + load<f32>(gh + 2 * hb));
  const gO = wide ? f32x4.add(v128.load(gi + 3 * hb), v128.load(gh + 3 * hb)) : f32x4.splat(load<f32>(gi + 3 * hb) + load<f32>(gh + 3 * hb));
  const vc = wide ? v128.load(c) : f32x4.splat(load<f32>(c));
  const i = vsigmoid(gI);
  const f = vsigmoid(gF);
  const g = vtanh(gG);
  const o = vsigmoid(gO);
  const cn = f32x4.add(f32x4.mul(f, vc), f32x4.mul(i, g));
  const t = vtanh(cn);
  const hn = f32x4.mul(o, t);
  if (wide) {
    v128.store(h, hn);
    v128.store(cOut, cn);
    v128.store(act, i);
    v128.store(act + hb, f);
    v128.store(act + 2 * hb, g);
    v128.store(act + 3 * hb, o);
    v128.store(tc, t);
  } else {
    store<f32>(h, f32x4.extract_lane(hn, 0));
    store<f32>(cOut, f32x4.extract_lane(cn, 0));
    store<f32>(act, f32x4.extract_lane(i, 0));
    store<f32>(act + hb, f32x4.extract_lane(f, 0));
    store<f32>(act + 2 * hb, f32x4.extract_lane(g, 0));
    store<f32>(act + 3 * hb, f32x4.extract_lane(o, 0));
    store<f32>(tc, f32x4.extract_lane(t, 0));
  }
}

/**
 * One LSTM step over batch×hidden: G = gi + gh ([batch, 4·hidden], gates i, f, g, o), i, f, o = σ, g = tanh,
 * c' = f·c + i·g, h' = o·tanh(c'). h: h' and cOut: c' ([batch, hidden] each); act: the activated gates
 * [batch, 4·hidden]; tc: tanh(c') [batch, hidden].
 */
export function lstm_cell_f32(gi: usize, gh: usize, c: usize, h: usize, cOut: usize, act: usize, tc: usize, batch: i32, hidden: i32): void {
  const hb = <usize>hidden << 2;
  for (let b = 0; b < batch; b++) {
    const r4 = <usize>b * hb * 4, r1 = <usize>b * hb;
    let j = 0;
    for (; j + 4 <= hidden; j += 4) {
      const o = <usize>j << 2;
      lstmLanes(gi + r4 + o, gh + r4 + o, c + r1 + o, h + r1 + o, cOut + r1 + o, act + r4 + o, tc + r1 + o, hb, true);
    }
    for (; j < hidden; j++) {
      const o = <usize>j << 2;
      lstmLanes(gi + r4 + o, gh + r4 + o, c + r1 + o, h + r1 + o, cOut + r1 + o, act + r4 + o, tc + r1 + o, hb, false);
    }
  }
}

@inline function ld(p: usize, wide: bool): v128 {
  return wide ? v128.load(p) : f32x4.splat(load<f32>(p));
}

@inline function st(p: usize, v: v128, wide: bool): void {
  if (wide) v128.store(p, v);
  else store<f32>(p, f32x4.extract_lane(v, 0));
}

/** LSTM backward for 4 hidden units (see lstm_cell_backward_f32). */
@inline function lstmBackLanes(dh: usize, dc: usize, act: usize, tc: usize, c: usize, dg: usize, dcp: usize, hb: usize, wide: bool): void {
  const one = f32x4.splat(1.0);
  const i = ld(act, wide), f = ld(act + hb, wide), g = ld(act + 2 * hb, wide), o = ld(act + 3 * hb, wide);
  const t = ld(tc, wide);
  const vdh = dh != 0 ? ld(dh, wide) : f32x4.splat(0.0);
  const vdc = dc != 0 ? ld(dc, wide) : f32x4.splat(0.0);
  // dc_total = dc' + dh'·o·(1 - tanh(c')²)
  const dct = f32x4.add(vdc, f32x4.mul(f32x4.mul(vdh, o), f32x4.sub(one, f32x4.mul(t, t))));
  st(dg, f32x4.mul(f32x4.mul(dct, g), f32x4.mul(i, f32x4.sub(one, i))), wide);
  st(dg + hb, f32x4.mul(f32x4.mul(dct, ld(c, wide)), f32x4.mul(f, f32x4.sub(one, f))), wide);
  st(dg + 2 * hb, f32x4.mul(f32x4.mul(dct, i), f32x4.sub(one, f32x4.mul(g, g))), wide);
  st(dg + 3 * hb, f32x4.mul(f32x4.mul(vdh, t), f32x4.mul(o, f32x4.sub(one, o))), wide);
  st(dcp, f32x4.mul(dct, f), wide);
}

/**
 * Backward of lstm_cell_f32 from dh', dc' ([batch, hidden] each; 0 = zeros), the saved act, tc and the
 * previous c: dgates [batch, 4·hidden] (the gradient of G) and dcPrev = dc_total·f.
 */
export function lstm_cell_backward_f32(dh: usize, dc: usize, act: usize, tc: usize, c: usize, dgates: usize, dcPrev: usize, batch: i32, hidden: i32): void {
  const hb = <usize>hidden << 2;
  for (let b = 0; b < batch; b++) {
    const r4 = <usize>b * hb * 4, r1 = <usize>b * hb;
    let j = 0;
    for (; j + 4 <= hidden; j += 4) {
      const o = <usize>j << 2;
      lstmBackLanes(dh != 0 ? dh + r1 + o : 0, dc != 0 ? dc + r1 + o : 0, act + r4 + o, tc + r1 + o, c + r1 + o, dgates + r4 + o, dcPrev + r1 + o, hb, true);
    }
    for (; j < hidden; j++) {
      const o = <usize>j << 2;
      lstmBackLanes(dh != 0 ? dh + r1 + o : 0, dc != 0 ? dc + r1 + o : 0, act + r4 + o, tc + r1 + o, c + r1 + o, dgates + r4 + o, dcPrev + r1 + o, hb, false);
    }
  }
}

/** The GRU step for 4 hidden units. */
@inline function gruLanes(gi: usize, gh: usize, h: usize, hOut: usize, act: usize, hb: usize, wide: bool): void {
  const r = vsigmoid(f32x4.add(ld(gi, wide), ld(gh, wide)));
  const z = vsigmoid(f32x4.add(ld(gi + hb, wide), ld(gh + hb, wide)));
  const n = vtanh(f32x4.add(ld(gi + 2 * hb, wide), f32x4.mul(r, ld(gh + 2 * hb, wide))));
  const hn = f32x4.add(f32x4.mul(f32x4.sub(ld(h, wide), n), z), n);
  st(hOut, hn, wide);
  st(act, r, wide);
  st(act + hb, z, wide);
  st(act + 2 * hb, n, wide);
}

/**
 * One GRU step over batch×hidden (gates r, z, n; gi, gh [batch, 3·hidden]): r = σ(gi_r + gh_r),
 * z = σ(gi_z + gh_z), n = tanh(gi_n + r·gh_n), h' = (h - n)·z + n. act: r, z, n [batch, 3·hidden].
 */
export function gru_cell_f32(gi: usize, gh: usize, h: usize, hOut: usize, act: usize, batch: i32, hidden: i32): void {
  const hb = <usize>hidden << 2;
  for (let b = 0; b < batch; b++) {
    const r3 = <usize>b * hb * 3, r1 = <usize>b * hb;
    let j = 0;
    for (; j + 4 <= hidden; j += 4) {
      const o = <usize>j << 2;
      gruLanes(gi + r3 + o, gh + r3 + o, h + r1 + o, hOut + r1 + o, act + r3 + o, hb, true);
    }
    for (; j < hidden; j++) {
      const o = <usize>j << 2;
      gruLanes(gi + r3 + o, gh + r3 + o, h + r1 + o, hOut + r1 + o, act + r3 + o, hb, false);
    }
  }
}

/** GRU backward for 4 hidden units. */
@inline function gruBackLanes(dh: usize, act: usize, gh: usize, h: usize, dgi: usize, dgh: usize, dhp: usize, hb: usize, wide: bool): void {
  const one = f32x4.splat(1.0);
  const r = ld(act, wide), z = ld(act + hb, wide), n = ld(act + 2 * hb, wide);
  const g = ld(dh, wide);
  const dnp = f32x4.mul(f32x4.mul(g, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(n, n)));
  const dzp = f32x4.mul(f32x4.mul(g, f32x4.sub(ld(h, wide), n)), f32x4.mul(z, f32x4.sub(one, z)));
  const drp = f32x4.mul(f32x4.mul(dnp, ld(gh + 2 * hb, wide)), f32x4.mul(r, f32x4.sub(one, r)));
  st(dgi, drp, wide);
  st(dgi + hb, dzp, wide);
  st(dgi + 2 * hb, dnp, wide);
  st(dgh, drp, wide);
  st(dgh + hb, dzp, wide);
  st(dgh + 2 * hb, f32x4.mul(dnp, r), wide);
  st(dhp, f32x4.mul(g, z), wide);
}

/**
 * Backward of gru_cell_f32 from dh' [batch, hidden], the saved act, gh and h: dgi, dgh [batch, 3·hidden]
 * and dhPrev = dh'·z (the direct path only; the path through gh is the caller's).
 */
export function gru_cell_backward_f32(dh: usize, act: usize, gh: usize, h: usize, dgi: usize, dgh: usize, dhPrev: usize, batch: i32, hidden: i32): void {
  const hb = <usize>hidden << 2;
  for (let b = 0; b < batch; b++) {
    const r3 = <usize>b * hb * 3, r1 = <usize>b * hb;
    let j = 0;
    for (; j + 4 <= hidden; j += 4) {
      const o = <usize>j << 2;
      gruBackLanes(dh + r1 + o, act + r3 + o, gh + r3 + o, h + r1 + o, dgi + r3 + o, dgh + r3 + o, dhPrev + r1 + o, hb, true);
    }
    for (; j < hidden; j++) {
      const o = <usize>j << 2;
      gruBackLanes(dh + r1 + o, act + r3 + o, gh + r3 + o, h + r1 + o, dgi + r3 + o, dgh + r3 + o, dhPrev + r1 + o, hb, false);
    }
  }
}
