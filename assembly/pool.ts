// 2-d average pooling (count_include_pad = true, PyTorch's default) over a stack of planes.

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
