/** Reference kernels: 2-d average pooling (count_include_pad = true; and with PyTorch's general divisor) and adjoints, over stacked planes. */
import { heap } from '../memory.js';

/** out[p, oy, ox] = (sum of the in-range window elements) / (kh*kw). */
export function avgpool2d_f32(x: number, out: number, planes: number, h: number, w: number, kh: number, kw: number,
  sh: number, sw: number, ph: number, pw: number, oh: number, ow: number): void {
  const f32 = heap.f32;
  const xs = x >>> 2;
  const os = out >>> 2;
  const div = kh * kw;
  for (let p = 0; p < planes; p++) {
    const plane = xs + p * h * w;
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * sh - ph;
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * sw - pw;
        let s = 0;
        for (let iy = Math.max(y0, 0); iy < Math.min(y0 + kh, h); iy++) {
          for (let ix = Math.max(x0, 0); ix < Math.min(x0 + kw, w); ix++) s += f32[plane + iy * w + ix]!;
        }
        f32[os + p * oh * ow + oy * ow + ox] = s / div;
      }
    }
  }
}

/** dx[p, iy, ix] += dy[p, oy, ox] / (kh*kw) for every in-range (iy, ix) of each window. */
export function avgpool2d_backward_f32(dy: number, dx: number, planes: number, h: number, w: number, kh: number, kw: number,
  sh: number, sw: number, ph: number, pw: number, oh: number, ow: number): void {
  const f32 = heap.f32;
  const ys = dy >>> 2;
  const ds = dx >>> 2;
  const div = kh * kw;
  for (let p = 0; p < planes; p++) {
    const plane = ds + p * h * w;
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * sh - ph;
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * sw - pw;
        const g = f32[ys + p * oh * ow + oy * ow + ox]! / div;
        for (let iy = Math.max(y0, 0); iy < Math.min(y0 + kh, h); iy++) {
          for (let ix = Math.max(x0, 0); ix < Math.min(x0 + kw, w); ix++) {
            const t = plane + iy * w + ix;
            f32[t] = f32[t]! + g;
          }
        }
      }
    }
  }
}

/** PyTorch's divisor of the average-pooling window at (iy0, ix0) (see avgpool2d_divisor_f32 in kernels.ts). */
function avgDivisor(iy0: number, ix0: number, h: number, w: number, kh: number, kw: number, ph: number, pw: number,
  countIncludePad: number, divisor: number): number {
  if (divisor !== 0) return divisor;
  const y1 = Math.min(iy0 + kh, h + ph), x1 = Math.min(ix0 + kw, w + pw);
  if (countIncludePad !== 0) return (y1 - iy0) * (x1 - ix0);
  return (Math.min(y1, h) - Math.max(iy0, 0)) * (Math.min(x1, w) - Math.max(ix0, 0));
}

/** out[p, oy, ox] = (sum of the in-range window elements) / PyTorch's divisor; 0 for a window with none. */
export function avgpool2d_divisor_f32(x: number, out: number, planes: number, h: number, w: number, kh: number, kw: number,
  sh: number, sw: number, ph: number, pw: number, oh: number, ow: number, countIncludePad: number, divisor: number): void {
  const f32 = heap.f32;
  const xs = x >>> 2;
  const os = out >>> 2;
  for (let p = 0; p < planes; p++) {
    const plane = xs + p * h * w;
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - ph;
      const y0 = Math.max(iy0, 0), y1 = Math.min(iy0 + kh, h);
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - pw;
        const x0 = Math.max(ix0, 0), x1 = Math.min(ix0 + kw, w);
        let s = 0;
        if (y0 < y1 && x0 < x1) {
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) s += f32[plane + iy * w + ix]!;
          }
          s /= avgDivisor(iy0, ix0, h, w, kh, kw, ph, pw, countIncludePad, divisor);
        }
        f32[os + p * oh * ow + oy * ow + ox] = s;
      }
    }
  }
}

/** dx[p, iy, ix] += dy[p, oy, ox] / PyTorch's divisor for every in-range (iy, ix) of each window. */
export function avgpool2d_divisor_backward_f32(dy: number, dx: number, planes: number, h: number, w: number, kh: number, kw: number,
  sh: number, sw: number, ph: number, pw: number, oh: number, ow: number, countIncludePad: number, divisor: number): void {
  const f32 = heap.f32;
  const ys = dy >>> 2;
  const ds = dx >>> 2;
  for (let p = 0; p < planes; p++) {
    const plane = ds + p * h * w;
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - ph;
      const y0 = Math.max(iy0, 0), y1 = Math.min(iy0 + kh, h);
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - pw;
        const x0 = Math.max(ix0, 0), x1 = Math.min(ix0 + kw, w);
        if (y0 >= y1 || x0 >= x1) continue;
        const g = f32[ys + p * oh * ow + oy * ow + ox]! / avgDivisor(iy0, ix0, h, w, kh, kw, ph, pw, countIncludePad, divisor);
        for (let iy = y0; iy < y1; iy++) {
          for (let ix = x0; ix < x1; ix++) {
            const t = plane + iy * w + ix;
            f32[t] = f32[t]! + g;
          }
        }
      }
    }
  }
}
