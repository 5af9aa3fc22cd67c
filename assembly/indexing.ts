// Indexing over a contiguous [outer, dimSize, inner] array; indices are i32 in [0, dimSize).

/** out[(o*nIdx + j)*inner + i] = x[(o*dimSize + idx[j])*inner + i] (4-byte elements, copied as bits). */
export function index_select_f32(x: usize, idx: usize, out: usize, outer: i32, dimSize: i32, nIdx: i32, inner: i32): void {
  const rowBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < nIdx; j++) {
      const k = load<i32>(idx + (<usize>j << 2));
      const src = x + <usize>(o * dimSize + k) * rowBytes;
      const dst = out + <usize>(o * nIdx + j) * rowBytes;
      if (inner == 1) store<i32>(dst, load<i32>(src));
      else memory.copy(dst, src, rowBytes);
    }
  }
}

/** dx[(o*dimSize + idx[j])*inner + i] += g[(o*nIdx + j)*inner + i]. */
export function index_add_f32(g: usize, idx: usize, dx: usize, outer: i32, dimSize: i32, nIdx: i32, inner: i32): void {
  const rowBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < nIdx; j++) {
      const k = load<i32>(idx + (<usize>j << 2));
      const d = dx + <usize>(o * dimSize + k) * rowBytes;
      const s = g + <usize>(o * nIdx + j) * rowBytes;
      let i = 0;
      for (; i + 4 <= inner; i += 4) {
        const p = <usize>i << 2;
        v128.store(d + p, f32x4.add(v128.load(d + p), v128.load(s + p)));
      }
      for (; i < inner; i++) {
        const p = <usize>i << 2;
        store<f32>(d + p, load<f32>(d + p) + load<f32>(s + p));
      }
    }
  }
}

/** out[q] = x[(o*dimSize + idx[q])*inner + i] for q = (o*nIdx + j)*inner + i (4-byte elements; a gather, so scalar). */
export function gather_f32(x: usize, idx: usize, out: usize, outer: i32, dimSize: i32, nIdx: i32, inner: i32): void {
  let q = 0;
  for (let o = 0; o < outer; o++) {
    const xo = o * dimSize;
    for (let j = 0; j < nIdx; j++) {
      for (let i = 0; i < inner; i++, q++) {
        const qb = <usize>q << 2;
        const k = load<i32>(idx + qb);
        store<i32>(out + qb, load<i32>(x + (<usize>((xo + k) * inner + i) << 2)));
      }
    }
  }
}

/** dx[(o*dimSize + idx[q])*inner + i] += g[q] for q = (o*nIdx + j)*inner + i (a scatter, so scalar). */
export function scatter_add_f32(g: usize, idx: usize, dx: usize, outer: i32, dimSize: i32, nIdx: i32, inner: i32): void {
  let q = 0;
  for (let o = 0; o < outer; o++) {
    const xo = o * dimSize;
    for (let j = 0; j < nIdx; j++) {
      for (let i = 0; i < inner; i++, q++) {
        const qb = <usize>q << 2;
        const k = load<i32>(idx + qb);
        const d = dx + (<usize>((xo + k) * inner + i) << 2);
        store<f32>(d, load<f32>(d) + load<f32>(g + qb));
      }
    }
  }
}
