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

/**
 * cols[(ci*kh*kw + ki*kw + kj)*(oh*ow) + oy*ow + ox] = x[ci*h*w + iy*w + ix] with iy = oy*sh - ph + ki,
 * ix = ox*sw - pw + kj, and 0 outside the image.
 */
export function im2col_f32(x: usize, cols: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32): void {
  const plane = oh * ow;
  for (let ci = 0; ci < c; ci++) {
    const xc = x + (<usize>(ci * h * w) << 2);
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const row = cols + (<usize>(((ci * kh + ki) * kw + kj) * plane) << 2);
        const ox0 = oxBegin(sw, pw, kj, ow);
        const ox1 = oxEnd(sw, pw, kj, w, ow, ox0);
        for (let oy = 0; oy < oh; oy++) {
          const dst = row + (<usize>(oy * ow) << 2);
          const iy = oy * sh - ph + ki;
          if (iy < 0 || iy >= h) {
            memory.fill(dst, 0, <usize>ow << 2);
            continue;
          }
          memory.fill(dst, 0, <usize>ox0 << 2);
          memory.fill(dst + (<usize>ox1 << 2), 0, <usize>(ow - ox1) << 2);
          const src = xc + (<usize>(iy * w) << 2);
          if (sw == 1) {
            memory.copy(dst + (<usize>ox0 << 2), src + (<usize>(ox0 - pw + kj) << 2), <usize>(ox1 - ox0) << 2);
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
 * Max pooling of `planes` planes of h x w: out = max over each window (padding counts as -Infinity),
 * idx = iy*w + ix of the first maximum, or of the last NaN (NaN wins; PyTorch's `v > best || isnan(v)`).
 */
export function maxpool2d_f32(x: usize, out: usize, idx: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32): void {
  for (let pl = 0; pl < planes; pl++) {
    const xp = x + (<usize>(pl * h * w) << 2);
    const ob = <usize>(pl * oh * ow) << 2;
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - ph;
      const ky0 = max(0, -iy0);
      const ky1 = min(kh, h - iy0);
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - pw;
        const kx0 = max(0, -ix0);
        const kx1 = min(kw, w - ix0);
        let best: f32 = -Infinity;
        let bi = -1;
        for (let ki = ky0; ki < ky1; ki++) {
          const rowIdx = (iy0 + ki) * w;
          for (let kj = kx0; kj < kx1; kj++) {
            const at = rowIdx + ix0 + kj;
            const v = load<f32>(xp + (<usize>at << 2));
            // the first in-range element starts the scan; then strictly greater, or any NaN (the last one stays)
            if (bi < 0 || v > best || v != v) {
              best = v;
              bi = at;
            }
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
