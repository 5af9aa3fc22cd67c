// Convolution lowering (im2col / col2im) and 2-d max pooling, one image or a stack of planes at a time.

/** First ox with 0 <= ox*sw - pw + kj (clamped to [0, ow]). */
@inline function oxBegin(sw: i32, pw: i32, kj: i32, ow: i32): i32 {
  const num = pw - kj;
  return num <= 0 ? 0 : min((num + sw - 1) / sw, ow);
}

/** One past the last ox with ox*sw - pw + kj < w (clamped to [begin, ow]). */
@inline function oxEnd(sw: i32, pw: i32, kj: i32, w: i32, ow: i32, begin: i32): i32 {
  const num = w - 1 + pw - kj;
  return num < 0 ? begin : max(begin, min(num / sw + 1, ow));
}

// Rows of an im2col matrix are short (a 3x3 convolution of 14x14 planes copies 14 floats per row, pads 1
// or 2): inline loops, since memory.copy / memory.fill are calls out of the module in V8, whose cost
// would outweigh such short copies.

/** dst[0 .. n) = 0. From 4 floats on, the last 4 are one store that may overlap the previous one. */
@inline function zeroFloats(dst: usize, n: i32): void {
  if (n < 4) {
    for (let i = 0; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
    return;
  }
  for (let i = 0; i + 4 < n; i += 4) v128.store(dst + (<usize>i << 2), f32x4.splat(0));
  v128.store(dst + (<usize>(n - 4) << 2), f32x4.splat(0));
}

/** dst[0 .. n) = src[0 .. n) (the ranges do not overlap); the last 4 floats as in zeroFloats. */
@inline function copyFloats(dst: usize, src: usize, n: i32): void {
  if (n < 4) {
    for (let i = 0; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
    return;
  }
  for (let i = 0; i + 4 < n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  v128.store(dst + (<usize>(n - 4) << 2), v128.load(src + (<usize>(n - 4) << 2)));
}

/**
 * cols[(ci*kh*kw + ki*kw + kj)*(oh*ow) + oy*ow + ox] = x[ci*h*w + iy*w + ix] with iy = oy*sh - ph + ki,
 * ix = ox*sw - pw + kj, and 0 outside the image.
 */
export function im2col_f32(x: usize, cols: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32): void {
  const plane = oh * ow;
  // stride 1 and output rows as wide as the input's ("same" padding across): see imToColSameWidth
  const sameWidth = sh == 1 && sw == 1 && ow == w;
  for (let ci = 0; ci < c; ci++) {
    const xc = x + (<usize>(ci * h * w) << 2);
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const row = cols + (<usize>(((ci * kh + ki) * kw + kj) * plane) << 2);
        if (sameWidth) {
          imToColSameWidth(xc, row, h, w, oh, ki - ph, kj - pw);
          continue;
        }
        const ox0 = oxBegin(sw, pw, kj, ow);
        const ox1 = oxEnd(sw, pw, kj, w, ow, ox0);
        for (let oy = 0; oy < oh; oy++) {
          const dst = row + (<usize>(oy * ow) << 2);
          const iy = oy * sh - ph + ki;
          if (iy < 0 || iy >= h) {
            zeroFloats(dst, ow);
            continue;
          }
          zeroFloats(dst, ox0);
          zeroFloats(dst + (<usize>ox1 << 2), ow - ox1);
          const src = xc + (<usize>(iy * w) << 2);
          if (sw == 1) {
            copyFloats(dst + (<usize>ox0 << 2), src + (<usize>(ox0 - pw + kj) << 2), ox1 - ox0);
          } else {
            for (let ox = ox0; ox < ox1; ox++) {
              store<f32>(dst + (<usize>ox << 2), load<f32>(src + (<usize>(ox * sw - pw + kj) << 2)));
            }
          }
        }
      }
    }
  }
}

/**
 * One (ci, ki, kj) plane of im2col when the stride is 1 and ow == w: output row oy is input row oy + dy
 * shifted by dx columns, so all the in-range rows are one contiguous run of the input, copied at once;
 * then the |dx| columns at the row ends whose source lies outside the row (the copy brought the
 * neighbouring row's elements there) and the out-of-range rows are zeroed. Reads stay within the plane.
 */
@inline function imToColSameWidth(xc: usize, dst: usize, h: i32, w: i32, oh: i32, dy: i32, dx: i32): void {
  const oy0 = min(max(0, -dy), oh);
  const oy1 = max(oy0, min(oh, h - dy));
  zeroFloats(dst, oy0 * w);
  zeroFloats(dst + (<usize>(oy1 * w) << 2), (oh - oy1) * w);
  if (oy1 == oy0) return;
  const first = dst + (<usize>(oy0 * w) << 2);
  const len = (oy1 - oy0) * w;
  // destination d reads source d + dx of the run starting at input row oy0 + dy
  const lo = max(0, -dx), hi = len - max(0, dx);
  if (hi > lo) copyFloats(first + (<usize>lo << 2), xc + (<usize>((oy0 + dy) * w + lo + dx) << 2), hi - lo);
  const edge = min(dx < 0 ? -dx : dx, w);
  if (edge == 0) return;
  const at = dx < 0 ? 0 : w - edge;
  for (let r = 0; r < oy1 - oy0; r++) zeroFloats(first + (<usize>(r * w + at) << 2), edge);
}

/** The adjoint of im2col_f32: dx[ci*h*w + iy*w + ix] += cols[...] for every in-range position. */
export function col2im_f32(cols: usize, dx: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32): void {
  const plane = oh * ow;
  for (let ci = 0; ci < c; ci++) {
    const dc = dx + (<usize>(ci * h * w) << 2);
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const row = cols + (<usize>(((ci * kh + ki) * kw + kj) * plane) << 2);
        const ox0 = oxBegin(sw, pw, kj, ow);
        const ox1 = oxEnd(sw, pw, kj, w, ow, ox0);
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * sh - ph + ki;
          if (iy < 0 || iy >= h) continue;
          const src = row + (<usize>(oy * ow) << 2);
          const dst = dc + (<usize>(iy * w) << 2);
          if (sw == 1) {
            // contiguous on both sides: SIMD accumulate
            const s = src + (<usize>ox0 << 2);
            const d = dst + (<usize>(ox0 - pw + kj) << 2);
            const n = ox1 - ox0;
            let i = 0;
            for (; i + 4 <= n; i += 4) {
              const o = <usize>i << 2;
              v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(s + o)));
            }
            for (; i < n; i++) {
              const o = <usize>i << 2;
              store<f32>(d + o, load<f32>(d + o) + load<f32>(s + o));
            }
          } else {
            for (let ox = ox0; ox < ox1; ox++) {
              const d = dst + (<usize>(ox * sw - pw + kj) << 2);
              store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>ox << 2)));
            }
          }
        }
      }
    }
  }
}

/**
 * im2col_f32 with dilation: cols[(ci*kh*kw + ki*kw + kj)*(oh*ow) + oy*ow + ox] = x[ci*h*w + iy*w + ix]
 * with iy = oy*sh - ph + ki*dh, ix = ox*sw - pw + kj*dw, and 0 outside the image. oh and ow are the
 * caller's (padding after the image may differ from ph/pw: asymmetric 'same' padding).
 */
export function im2col_dilated_f32(x: usize, cols: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32): void {
  const plane = oh * ow;
  for (let ci = 0; ci < c; ci++) {
    const xc = x + (<usize>(ci * h * w) << 2);
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const row = cols + (<usize>(((ci * kh + ki) * kw + kj) * plane) << 2);
        const off = kj * dw;
        const ox0 = oxBegin(sw, pw, off, ow);
        const ox1 = oxEnd(sw, pw, off, w, ow, ox0);
        for (let oy = 0; oy < oh; oy++) {
          const dst = row + (<usize>(oy * ow) << 2);
          const iy = oy * sh - ph + ki * dh;
          if (iy < 0 || iy >= h) {
            zeroFloats(dst, ow);
            continue;
          }
          zeroFloats(dst, ox0);
          zeroFloats(dst + (<usize>ox1 << 2), ow - ox1);
          const src = xc + (<usize>(iy * w) << 2);
          if (sw == 1) {
            copyFloats(dst + (<usize>ox0 << 2), src + (<usize>(ox0 - pw + off) << 2), ox1 - ox0);
          } else {
            for (let ox = ox0; ox < ox1; ox++) {
              store<f32>(dst + (<usize>ox << 2), load<f32>(src + (<usize>(ox * sw - pw + off) << 2)));
            }
          }
        }
      }
    }
  }
}

/** The adjoint of im2col_dilated_f32: dx[ci*h*w + iy*w + ix] += cols[...] for every in-range position. */
export function col2im_dilated_f32(cols: usize, dx: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32): void {
  const plane = oh * ow;
  for (let ci = 0; ci < c; ci++) {
    const dc = dx + (<usize>(ci * h * w) << 2);
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const row = cols + (<usize>(((ci * kh + ki) * kw + kj) * plane) << 2);
        const off = kj * dw;
        const ox0 = oxBegin(sw, pw, off, ow);
        const ox1 = oxEnd(sw, pw, off, w, ow, ox0);
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * sh - ph + ki * dh;
          if (iy < 0 || iy >= h) continue;
          const src = row + (<usize>(oy * ow) << 2);
          const dst = dc + (<usize>(iy * w) << 2);
          for (let ox = ox0; ox < ox1; ox++) {
            const d = dst + (<usize>(ox * sw - pw + off) << 2);
            store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>ox << 2)));
          }
        }
      }
    }
  }
}

/**
 * Max pooling of `planes` planes of h x w: out = max over each window (padding counts as -Infinity),
 * idx = iy*w + ix of the first maximum, or of the last NaN (NaN wins; PyTorch's `v > best || isnan(v)`).
 */
export function maxpool2d_f32(x: usize, out: usize, idx: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32): void {
  // 2x2 windows, stride 2, no padding (MaxPool2d(2)): four outputs at a time below
  // (and every window inside the plane: with ceil mode an odd size gets a last window half outside)
  const pairs = kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 && 2 * oh <= h && 2 * ow <= w;
  for (let pl = 0; pl < planes; pl++) {
    const xp = x + (<usize>(pl * h * w) << 2);
    const ob = <usize>(pl * oh * ow) << 2;
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - ph;
      const ky0 = max(0, -iy0);
      const ky1 = min(kh, h - iy0);
      let ox = 0;
      if (pairs) ox = maxpool2x2Row(xp, out + ob + (<usize>(oy * ow) << 2), idx + ob + (<usize>(oy * ow) << 2), iy0 * w, w, ow);
      for (; ox < ow; ox++) {
        const ix0 = ox * sw - pw;
        const kx0 = max(0, -ix0);
        const kx1 = min(kw, w - ix0);
        let best: f32 = -Infinity;
        let bi = -1;
        for (let ki = ky0; ki < ky1; ki++) {
          const rowIdx = (iy0 + ki) * w;
          for (let kj = kx0; kj < kx1; kj++) {
            const at = rowIdx + ix0 + kj;
            const bits = load<i32>(xp + (<usize>at << 2));
            const v = reinterpret<f32>(bits);
            // the first in-range element starts the scan; then strictly greater, or any NaN (the last one
            // stays). Selects rather than a branch: which element wins is data, so a branch would
            // mispredict about every other element.
            const take = <i32>(bi < 0) | <i32>(v > best) | <i32>(v != v);
            best = reinterpret<f32>(select<i32>(bits, reinterpret<i32>(best), take != 0));
            bi = select<i32>(at, bi, take != 0);
          }
        }
        const o = ob + (<usize>(oy * ow + ox) << 2);
        store<f32>(out + o, best);
        // a window with no in-range element: -Infinity at the nearest position inside the plane
        if (bi < 0) bi = min(max(iy0, 0), h - 1) * w + min(max(ix0, 0), w - 1);
        store<i32>(idx + o, bi);
      }
    }
  }
}

/**
 * One output row of a 2x2, stride-2, unpadded max pooling, four outputs at a time, as the scalar loop of
 * maxpool2d_f32 computes them: the window's elements in the order (0,0) (0,1) (1,0) (1,1), each taken when
 * strictly greater than the best so far or NaN. `at` is the flat index of the window row's first element
 * in the plane. Returns how many outputs it wrote: all of a row of 4 or more (the last group of four may
 * overlap the one before and rewrites the same values), else none (the caller does them).
 */
@inline function maxpool2x2Row(xp: usize, out: usize, idx: usize, at: i32, w: i32, ow: i32): i32 {
  if (ow < 4) return 0;
  for (let ox = 0; ox + 4 < ow; ox += 4) maxpool2x2Four(xp, out, idx, at, w, ox);
  maxpool2x2Four(xp, out, idx, at, w, ow - 4);
  return ow;
}

/**
 * Lanes of a where the mask m (a lane comparison: all ones or all zeros per 32-bit lane) is set, else of b.
 * With relaxed SIMD, laneselect (one blend instruction; exact for such masks).
 */
@inline function pick(a: v128, b: v128, m: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return i32x4.relaxed_laneselect(a, b, m);
  return v128.bitselect(a, b, m);
}

/** Lanes where v replaces best in maxpool's scan: v > best, or v is NaN. */
@inline function replaces(v: v128, best: v128): v128 {
  return v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
}

/**
 * Outputs ox .. ox+3 of maxpool2x2Row. The scan (0,0) (0,1) (1,0) (1,1) as a tree: the winner of each row,
 * then of the two rows, the second taken on `replaces`. That picks the same element: the last NaN if there
 * is one (a NaN row winner is its row's last NaN, and the second row's wins), else the first maximum (ties
 * keep the first).
 */
@inline function maxpool2x2Four(xp: usize, out: usize, idx: usize, at: i32, w: i32, ox: i32): void {
  const r0 = xp + (<usize>(at + 2 * ox) << 2);
  const r1 = r0 + (<usize>w << 2);
  const a0 = v128.load(r0), a1 = v128.load(r0, 16);
  const b0 = v128.load(r1), b1 = v128.load(r1, 16);
  const a00 = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6), a01 = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
  const a10 = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6), a11 = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
  const t0 = replaces(a01, a00), t1 = replaces(a11, a10);
  const m0 = pick(a01, a00, t0), m1 = pick(a11, a10, t1);
  const tr = replaces(m1, m0);
  // index: the window's first element, + 1 for the right column (t of the winning row), + w for the second row
  const col = pick(t1, t0, tr);
  const i00 = i32x4.add(i32x4.splat(at + 2 * ox), i32x4(0, 2, 4, 6));
  const bi = i32x4.add(i32x4.sub(i00, col), v128.and(tr, i32x4.splat(w)));
  v128.store(out + (<usize>ox << 2), pick(m1, m0, tr));
  v128.store(idx + (<usize>ox << 2), bi);
}

/**
 * maxpool2d_f32 with dilation: the window of output (oy, ox) is x[iy0 + ki*dh, ix0 + kj*dw] with
 * iy0 = oy*sh - ph, ix0 = ox*sw - pw; same scan order, NaN rule and indices (idx = iy*w + ix).
 */
export function maxpool2d_dilated_f32(x: usize, out: usize, idx: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32): void {
  for (let pl = 0; pl < planes; pl++) {
    const xp = x + (<usize>(pl * h * w) << 2);
    const ob = <usize>(pl * oh * ow) << 2;
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - ph;
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - pw;
        let best: f32 = -Infinity;
        let bi = -1;
        for (let ki = 0; ki < kh; ki++) {
          const iy = iy0 + ki * dh;
          if (iy < 0 || iy >= h) continue;
          for (let kj = 0; kj < kw; kj++) {
            const ix = ix0 + kj * dw;
            if (ix < 0 || ix >= w) continue;
            const at = iy * w + ix;
            const v = load<f32>(xp + (<usize>at << 2));
            if (bi < 0 || v > best || v != v) {
              best = v;
              bi = at;
            }
          }
        }
        const o = ob + (<usize>(oy * ow + ox) << 2);
        store<f32>(out + o, best);
        if (bi < 0) bi = min(max(iy0, 0), h - 1) * w + min(max(ix0, 0), w - 1);
        store<i32>(idx + o, bi);
      }
    }
  }
}

/** dx[p*h*w + idx[p*oh*ow + o]] += dy[p*oh*ow + o] (a scatter, so scalar). */
export function maxpool2d_backward_f32(dy: usize, idx: usize, dx: usize, planes: i32, h: i32, w: i32,
  oh: i32, ow: i32): void {
  const no = oh * ow;
  for (let pl = 0; pl < planes; pl++) {
    const dp = dx + (<usize>(pl * h * w) << 2);
    const base = <usize>(pl * no) << 2;
    for (let o = 0; o < no; o++) {
      const off = base + (<usize>o << 2);
      const d = dp + (<usize>load<i32>(idx + off) << 2);
      store<f32>(d, load<f32>(d) + load<f32>(dy + off));
    }
  }
}

/**
 * The gradient of a 2x2, stride-2, unpadded max pooling whose windows all lie in the plane (2*oh <= h,
 * 2*ow <= w), written whole: each window's position idx gets 0 + dy (so -0 becomes +0, as adding into
 * zeros does), its other three positions and the rows and columns no window covers get 0. The same
 * values as zeroing dx and running maxpool2d_backward_f32 (the windows do not overlap).
 */
export function maxpool2x2_backward_f32(dy: usize, idx: usize, dx: usize, planes: i32, h: i32, w: i32,
  oh: i32, ow: i32): void {
  const zero = f32x4.splat(0);
  for (let pl = 0; pl < planes; pl++) {
    const dp = dx + (<usize>(pl * h * w) << 2);
    const base = <usize>(pl * oh * ow) << 2;
    for (let oy = 0; oy < oh; oy++) {
      const at = 2 * oy * w;
      const r0 = dp + (<usize>at << 2);
      const r1 = r0 + (<usize>w << 2);
      const yo = dy + base + (<usize>(oy * ow) << 2);
      const io = idx + base + (<usize>(oy * ow) << 2);
      let ox = 0;
      if (ow >= 4) {
        // groups of four windows; the last group may overlap the one before (it rewrites the same values)
        for (; ; ox += 4) {
          if (ox + 4 > ow) ox = ow - 4;
          const g = f32x4.add(v128.load(yo + (<usize>ox << 2)), zero);
          const ix = v128.load(io + (<usize>ox << 2));
          const i00 = i32x4.add(i32x4.splat(at + 2 * ox), i32x4(0, 2, 4, 6));
          const e00 = v128.and(g, i32x4.eq(ix, i00));
          const e01 = v128.and(g, i32x4.eq(ix, i32x4.add(i00, i32x4.splat(1))));
          const e10 = v128.and(g, i32x4.eq(ix, i32x4.add(i00, i32x4.splat(w))));
          const e11 = v128.and(g, i32x4.eq(ix, i32x4.add(i00, i32x4.splat(w + 1))));
          const o = <usize>(2 * ox) << 2;
          v128.store(r0 + o, v128.shuffle<f32>(e00, e01, 0, 4, 1, 5));
          v128.store(r0 + o, v128.shuffle<f32>(e00, e01, 2, 6, 3, 7), 16);
          v128.store(r1 + o, v128.shuffle<f32>(e10, e11, 0, 4, 1, 5));
          v128.store(r1 + o, v128.shuffle<f32>(e10, e11, 2, 6, 3, 7), 16);
          if (ox + 4 >= ow) break;
        }
        ox = ow;
      }
      for (; ox < ow; ox++) {
        const g = load<f32>(yo + (<usize>ox << 2)) + 0;
        const i = load<i32>(io + (<usize>ox << 2)) - at - 2 * ox;
        const o = <usize>(2 * ox) << 2;
        store<f32>(r0 + o, i == 0 ? g : 0);
        store<f32>(r0 + o, i == 1 ? g : 0, 4);
        store<f32>(r1 + o, i == w ? g : 0);
        store<f32>(r1 + o, i == w + 1 ? g : 0, 4);
      }
      // columns no window covers (w odd)
      for (let i = 2 * ow; i < w; i++) {
        store<f32>(r0 + (<usize>i << 2), 0);
        store<f32>(r1 + (<usize>i << 2), 0);
      }
    }
    // rows no window covers (h odd)
    for (let i = 2 * oh * w; i < h * w; i++) store<f32>(dp + (<usize>i << 2), 0);
  }
}
