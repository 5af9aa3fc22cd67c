// 2-d average pooling over a stack of planes: count_include_pad = true without ceil-mode overhang (the
// common case, avgpool2d_f32) and PyTorch's general divisor (avgpool2d_divisor_f32).

/**
 * out[p*oh*ow + oy*ow + ox] = (sum of the in-range window elements) / (kh*kw): padding counts as zeros
 * in the divisor (windows never leave the padded input because padding <= kernel/2 and no ceil mode).
 */
export function avgpool2d_f32(x: usize, out: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32): void {
  const inv: f32 = <f32>1.0 / <f32>(kh * kw);
  for (let pl = 0; pl < planes; pl++) {
    const xp = x + (<usize>(pl * h * w) << 2);
    const op = out + (<usize>(pl * oh * ow) << 2);
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - ph;
      const ky0 = max(0, -iy0);
      const ky1 = min(kh, h - iy0);
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - pw;
        const kx0 = max(0, -ix0);
        const kx1 = min(kw, w - ix0);
        let s: f32 = 0;
        for (let ki = ky0; ki < ky1; ki++) {
          const row = xp + (<usize>((iy0 + ki) * w) << 2);
          for (let kj = kx0; kj < kx1; kj++) s += load<f32>(row + (<usize>(ix0 + kj) << 2));
        }
        store<f32>(op + (<usize>(oy * ow + ox) << 2), s * inv);
      }
    }
  }
}

/** The adjoint: dx[in-range window positions] += dy[window] / (kh*kw). */
export function avgpool2d_backward_f32(dy: usize, dx: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32): void {
  const inv: f32 = <f32>1.0 / <f32>(kh * kw);
  for (let pl = 0; pl < planes; pl++) {
    const dp = dx + (<usize>(pl * h * w) << 2);
    const yp = dy + (<usize>(pl * oh * ow) << 2);
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - ph;
      const ky0 = max(0, -iy0);
      const ky1 = min(kh, h - iy0);
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - pw;
        const kx0 = max(0, -ix0);
        const kx1 = min(kw, w - ix0);
        const g = load<f32>(yp + (<usize>(oy * ow + ox) << 2)) * inv;
        for (let ki = ky0; ki < ky1; ki++) {
          const row = dp + (<usize>((iy0 + ki) * w) << 2);
          for (let kj = kx0; kj < kx1; kj++) {
            const d = row + (<usize>(ix0 + kj) << 2);
            store<f32>(d, load<f32>(d) + g);
          }
        }
      }
    }
  }
}

/**
 * PyTorch's divisor of average-pooling window (oy, ox): `divisor` when not 0; else, with countIncludePad,
 * the window's size clipped to the padded input (smaller than kh*kw only for ceil mode's last window);
 * else the number of its in-range elements.
 */
@inline function avgDivisor(iy0: i32, ix0: i32, h: i32, w: i32, kh: i32, kw: i32, ph: i32, pw: i32,
  countIncludePad: i32, divisor: i32): i32 {
  if (divisor != 0) return divisor;
  const y1 = min(iy0 + kh, h + ph), x1 = min(ix0 + kw, w + pw);
  if (countIncludePad != 0) return (y1 - iy0) * (x1 - ix0);
  return (min(y1, h) - max(iy0, 0)) * (min(x1, w) - max(ix0, 0));
}

/**
 * Average pooling with PyTorch's general divisor (ceil mode, count_include_pad, divisor_override):
 * out[p*oh*ow + oy*ow + ox] = (sum of the window's in-range elements) / avgDivisor(...); a window with no
 * in-range element gives 0.
 */
export function avgpool2d_divisor_f32(x: usize, out: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32, countIncludePad: i32, divisor: i32): void {
  for (let pl = 0; pl < planes; pl++) {
    const xp = x + (<usize>(pl * h * w) << 2);
    const op = out + (<usize>(pl * oh * ow) << 2);
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - ph;
      const y0 = max(iy0, 0), y1 = min(iy0 + kh, h);
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - pw;
        const x0 = max(ix0, 0), x1 = min(ix0 + kw, w);
        let s: f32 = 0;
        if (y0 < y1 && x0 < x1) {
          for (let iy = y0; iy < y1; iy++) {
            const row = xp + (<usize>(iy * w) << 2);
            for (let ix = x0; ix < x1; ix++) s += load<f32>(row + (<usize>ix << 2));
          }
          s = s / <f32>avgDivisor(iy0, ix0, h, w, kh, kw, ph, pw, countIncludePad, divisor);
        }
        store<f32>(op + (<usize>(oy * ow + ox) << 2), s);
      }
    }
  }
}

/** The adjoint of avgpool2d_divisor_f32: dx[in-range window positions] += dy[window] / divisor. */
export function avgpool2d_divisor_backward_f32(dy: usize, dx: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32, countIncludePad: i32, divisor: i32): void {
  for (let pl = 0; pl < planes; pl++) {
    const dp = dx + (<usize>(pl * h * w) << 2);
    const yp = dy + (<usize>(pl * oh * ow) << 2);
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - ph;
      const y0 = max(iy0, 0), y1 = min(iy0 + kh, h);
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - pw;
        const x0 = max(ix0, 0), x1 = min(ix0 + kw, w);
        if (y0 >= y1 || x0 >= x1) continue;
        const g = load<f32>(yp + (<usize>(oy * ow + ox) << 2)) / <f32>avgDivisor(iy0, ix0, h, w, kh, kw, ph, pw, countIncludePad, divisor);
        for (let iy = y0; iy < y1; iy++) {
          const row = dp + (<usize>(iy * w) << 2);
          for (let ix = x0; ix < x1; ix++) {
            const d = row + (<usize>ix << 2);
            store<f32>(d, load<f32>(d) + g);
          }
        }
      }
    }
  }
}
