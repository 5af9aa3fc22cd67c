/** Reference kernels: 2-d average pooling (count_include_pad = true) and its adjoint, over stacked planes. */
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
