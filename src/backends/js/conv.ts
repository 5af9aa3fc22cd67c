/** Reference kernels: im2col / col2im and 2-D max pooling, one image (or a stack of planes) at a time. */
import { heap } from '../memory.js';

/** cols[(ci*kh*kw + ki*kw + kj)*(oh*ow) + oy*ow + ox] = x[ci, oy*sh - ph + ki, ox*sw - pw + kj], 0 outside. */
export function im2col_f32(x: number, cols: number, c: number, h: number, w: number, kh: number, kw: number,
  sh: number, sw: number, ph: number, pw: number, oh: number, ow: number): void {
  const f32 = heap.f32;
  const xs = x >>> 2;
  let q = cols >>> 2;
  for (let ci = 0; ci < c; ci++) {
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * sh - ph + ki;
          for (let ox = 0; ox < ow; ox++) {
            const ix = ox * sw - pw + kj;
            const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
            f32[q++] = inside ? f32[xs + ci * h * w + iy * w + ix] : 0;
          }
        }
      }
    }
  }
}

/** Adjoint of im2col_f32: dx[ci, iy, ix] += cols[...] for every in-range position. */
export function col2im_f32(cols: number, dx: number, c: number, h: number, w: number, kh: number, kw: number,
  sh: number, sw: number, ph: number, pw: number, oh: number, ow: number): void {
  const f32 = heap.f32;
  const ds = dx >>> 2;
  let q = cols >>> 2;
  for (let ci = 0; ci < c; ci++) {
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * sh - ph + ki;
          for (let ox = 0; ox < ow; ox++, q++) {
            const ix = ox * sw - pw + kj;
            if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
              const t = ds + ci * h * w + iy * w + ix;
              f32[t] = f32[t] + f32[q];
            }
          }
        }
      }
    }
  }
}

/**
 * Max pooling of `planes` h×w planes (padding counts as -Infinity): out = window max, idx (i32) = iy*w + ix
 * of the first maximum among in-range positions, NaN wins. The scan starts at the first in-range
 * position, so idx always names a real pixel even if the window's values are all -Infinity.
 */
export function maxpool2d_f32(x: number, out: number, idx: number, planes: number, h: number, w: number,
  kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, oh: number, ow: number): void {
  const f32 = heap.f32;
  const i32 = heap.i32;
  const xs = x >>> 2;
  const os = out >>> 2;
  const is = idx >>> 2;
  for (let p = 0; p < planes; p++) {
    const plane = xs + p * h * w;
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * sh - ph;
      const yStart = Math.max(y0, 0);
      const yEnd = Math.min(y0 + kh, h);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * sw - pw;
        const xStart = Math.max(x0, 0);
        const xEnd = Math.min(x0 + kw, w);
        let best = -Infinity;
        // Default: first in-range position (clamped into the plane for a window with none).
        let bi = Math.min(yStart, h - 1) * w + Math.min(xStart, w - 1);
        let first = true;
        for (let iy = yStart; iy < yEnd; iy++) {
          for (let ix = xStart; ix < xEnd; ix++) {
            const v = f32[plane + iy * w + ix];
            // strictly greater, or any NaN: the last NaN of the window wins, as in PyTorch
            if (first || v > best || v !== v) {
              best = v;
              bi = iy * w + ix;
              first = false;
            }
          }
        }
        const q = p * oh * ow + oy * ow + ox;
        f32[os + q] = best;
        i32[is + q] = bi;
      }
    }
  }
}

/** dx[p*h*w + idx[p*oh*ow + o]] += dy[p*oh*ow + o]. */
export function maxpool2d_backward_f32(dy: number, idx: number, dx: number, planes: number, h: number, w: number,
  oh: number, ow: number): void {
  const f32 = heap.f32;
  const i32 = heap.i32;
  const ys = dy >>> 2;
  const is = idx >>> 2;
  const ds = dx >>> 2;
  for (let p = 0; p < planes; p++) {
    for (let o = 0; o < oh * ow; o++) {
      const q = p * oh * ow + o;
      const t = ds + p * h * w + i32[is + q];
      f32[t] = f32[t] + f32[ys + q];
    }
  }
}

/**
 * The gradient of a 2x2, stride-2, unpadded max pooling with every window in the plane, written whole: dx
 * zeroed, then dx[p*h*w + idx[p*oh*ow + o]] += dy[p*oh*ow + o] (what maxpool2d_backward_f32 adds into zeros).
 */
export function maxpool2x2_backward_f32(dy: number, idx: number, dx: number, planes: number, h: number, w: number,
  oh: number, ow: number): void {
  heap.f32.fill(0, dx >>> 2, (dx >>> 2) + planes * h * w);
  maxpool2d_backward_f32(dy, idx, dx, planes, h, w, oh, ow);
}

/**
 * im2col_f32 with dilation: cols[(ci*kh*kw + ki*kw + kj)*(oh*ow) + oy*ow + ox] = x[ci, oy*sh - ph + ki*dh,
 * ox*sw - pw + kj*dw], 0 outside.
 */
export function im2col_dilated_f32(x: number, cols: number, c: number, h: number, w: number, kh: number, kw: number,
  sh: number, sw: number, ph: number, pw: number, dh: number, dw: number, oh: number, ow: number): void {
  const f32 = heap.f32;
  const xs = x >>> 2;
  let q = cols >>> 2;
  for (let ci = 0; ci < c; ci++) {
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * sh - ph + ki * dh;
          for (let ox = 0; ox < ow; ox++) {
            const ix = ox * sw - pw + kj * dw;
            const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
            f32[q++] = inside ? f32[xs + ci * h * w + iy * w + ix]! : 0;
          }
        }
      }
    }
  }
}

/** Adjoint of im2col_dilated_f32: dx[ci, iy, ix] += cols[...] for every in-range position. */
export function col2im_dilated_f32(cols: number, dx: number, c: number, h: number, w: number, kh: number, kw: number,
  sh: number, sw: number, ph: number, pw: number, dh: number, dw: number, oh: number, ow: number): void {
  const f32 = heap.f32;
  const ds = dx >>> 2;
  let q = cols >>> 2;
  for (let ci = 0; ci < c; ci++) {
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * sh - ph + ki * dh;
          for (let ox = 0; ox < ow; ox++, q++) {
            const ix = ox * sw - pw + kj * dw;
            if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
              const t = ds + ci * h * w + iy * w + ix;
              f32[t] = f32[t]! + f32[q]!;
            }
          }
        }
      }
    }
  }
}

/**
 * maxpool2d_f32 with dilation: the window of (oy, ox) is x[oy*sh - ph + ki*dh, ox*sw - pw + kj*dw]; the
 * first in-range element starts the scan, then strictly greater or NaN wins (PyTorch's order and indices).
 */
export function maxpool2d_dilated_f32(x: number, out: number, idx: number, planes: number, h: number, w: number,
  kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number, oh: number, ow: number): void {
  const f32 = heap.f32;
  const i32 = heap.i32;
  const xs = x >>> 2;
  const os = out >>> 2;
  const is = idx >>> 2;
  for (let p = 0; p < planes; p++) {
    const plane = xs + p * h * w;
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * sh - ph;
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * sw - pw;
        let best = -Infinity;
        let bi = -1;
        for (let ki = 0; ki < kh; ki++) {
          const iy = y0 + ki * dh;
          if (iy < 0 || iy >= h) continue;
          for (let kj = 0; kj < kw; kj++) {
            const ix = x0 + kj * dw;
            if (ix < 0 || ix >= w) continue;
            const v = f32[plane + iy * w + ix]!;
            if (bi < 0 || v > best || v !== v) {
              best = v;
              bi = iy * w + ix;
            }
          }
        }
        if (bi < 0) bi = Math.min(Math.max(y0, 0), h - 1) * w + Math.min(Math.max(x0, 0), w - 1);
        const q = p * oh * ow + oy * ow + ox;
        f32[os + q] = best;
        i32[is + q] = bi;
      }
    }
  }
}
