#!/usr/bin/env node
// Generates assembly/gen/gemm_kernels.ts: the unrolled GEMM micro-kernels (one per register tile).
// Run by `npm run asbuild` (which imports generateGemmKernels) and `npm run gen:gemm`; the output is
// committed, do not edit it by hand.
//
// Every micro-kernel computes one MR x 8 tile of C from an A panel (kc x MR floats, row p holds
// A[i0 .. i0+MR)[p]) and a B panel (kc x 8 floats, row p holds B[p][j0 .. j0+8)); kc is a multiple of
// UNROLL (the packing routines pad with zero rows). The readable reference of what each generated
// kernel does is `microKernelReference` in assembly/gemm.ts.
//
// Variants: `fma` uses f32x4.relaxed_madd (relaxed-SIMD build), `muladd` f32x4.mul + f32x4.add (plain
// SIMD build). V8 has 15 allocatable vector registers on x64: MR*2 accumulators + 2 B vectors + 1 A
// splat (+ 1 product temp for mul+add) must fit, so 6x8 with fma, 5x8 (or 4x8) with mul+add.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// k steps per loop iteration: 4 is the fastest of 1 to 4 with the fences below hinted unlikely. Without
// the fences unrolling does not help (Binaryen then chains each accumulator across the unrolled steps,
// which hoists every load).
const UNROLL = Number(process.env.GEMM_UNROLL ?? 4);
// Scheduling fences. TurboFan schedules the pure FMAs late, after all of an iteration's loads, so the
// MR splats, 2 B vectors and 2*MR accumulators would all be live at once (20 registers for 6x8) and
// spill. A never-taken branch after each row that uses the row's accumulators (`if (ap == 0)`, a null
// panel pointer never happens) splits the body into blocks: each row's FMAs must run before the next
// row's splat is loaded, and 2*MR + 2 + 1 registers suffice. Alternating ap/bp keeps V8 from merging
// consecutive identical conditions. GEMM_FENCE=0 turns them off, for comparison; a `break` as the fence
// (a loop exit instead of a skipped store) is slower than a skipped store. The build marks every
// fence unlikely with a branch hint (assembly/branch-hints.mjs) so that V8 lays the stores out of line and
// the k loop runs straight through; generateGemmKernels reports how many fences each kernel has.
const FENCE = process.env.GEMM_FENCE !== '0';
const FENCE_COND = ['ap == 0', 'bp == 0'];
const variants = [
  { mr: 6, op: 'fma' },
  { mr: 5, op: 'muladd' },
  { mr: 4, op: 'muladd' },
];
// Edge kernels: the first `mr` rows of a panel packed `panel` rows high (the last row panel of A when m is
// not a multiple of the build's MR), so the rows past m are not computed. Each computed element goes
// through the same instructions in the same order as in the full kernel: results are bit-identical.
for (let mr = 1; mr < 6; mr++) variants.push({ mr, op: 'fma', panel: 6 });
for (let mr = 1; mr < 5; mr++) variants.push({ mr, op: 'muladd', panel: 5 });
// Wide edge kernels: 1 or 2 rows across two B panels (16 columns). A 2x8 tile has only 4 independent
// accumulator chains, too few to hide the FMA latency (4 cycles, 2 FMAs per cycle: 8 in flight), so it runs
// at half speed; 2x16 has 8 chains (8 accumulators + 4 B vectors + 1 splat registers). Every batch of 2^k
// rows (k odd) leaves 2 rows in the 6-row build's last panel.
for (let mr = 1; mr <= 2; mr++) variants.push({ mr, op: 'fma', panel: 6, w: 2 });
for (let mr = 1; mr <= 2; mr++) variants.push({ mr, op: 'muladd', panel: 5, w: 2 });

/** One kernel's source, its name and its number of fences. */
function kernel({ mr, op, panel = mr, w = 1 }) {
  const cols = 8 * w;
  let fences = 0;
  const name = panel === mr && w === 1 ? `microKernel${mr}x8_${op}` : `edgeKernel${mr}of${panel}x${cols}_${op}`;
  const L = [];
  // accumulator of row r, 4 columns h*4 .. h*4+3
  const acc = (r, h) => `c${r}${h}`;
  const H = 2 * w;
  const what = op === 'fma' ? 'f32x4.relaxed_madd' : 'f32x4.mul + f32x4.add';
  L.push(panel === mr && w === 1
    ? `/** ${mr}x8 tile, ${what}; see microKernelReference (gemm.ts). */`
    : w === 1
      ? `/** The first ${mr} rows of a ${panel}x8 tile (A panel ${panel} rows high), ${what}. */`
      : `/** The first ${mr} rows of ${w} adjacent ${panel}x8 tiles (B panels bstride bytes apart), ${what}. */`);
  L.push(`export function ${name}(kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, flags: i32, bias: usize${w > 1 ? ', bstride: usize' : ''}): void {`);
  for (let r = 0; r < mr; r++) {
    L.push(`  let ${Array.from({ length: H }, (_, h) => `${acc(r, h)} = f32x4.splat(0.0)`).join(', ')};`);
  }
  // B panel q is read through bq{q}: bp, bp + bstride, ...
  const bq = (q) => (q === 0 ? 'bp' : `bq${q}`);
  for (let q = 1; q < w; q++) L.push(`  let ${bq(q)} = bp + ${q === 1 ? 'bstride' : `${q} * bstride`};`);
  L.push(`  const end = ap + <usize>(kc * ${panel * 4});`);
  L.push(`  while (ap < end) {`);
  for (let u = 0; u < UNROLL; u++) {
    L.push(`    {`);
    for (let h = 0; h < H; h++) L.push(`      const b${h} = v128.load(${bq(h >> 1)}, ${u * 32 + (h & 1) * 16});`);
    for (let r = 0; r < mr; r++) {
      L.push(`      ${r === 0 ? 'let ' : ''}a = v128.load32_splat(ap, ${(u * panel + r) * 4});`);
      for (let h = 0; h < H; h++) {
        const c = acc(r, h);
        if (op === 'fma') L.push(`      ${c} = f32x4.relaxed_madd(a, b${h}, ${c});`);
        else L.push(`      ${c} = f32x4.add(${c}, f32x4.mul(a, b${h}));`);
      }
      if (FENCE && (r < mr - 1 || u < UNROLL - 1)) {
        const stores = Array.from({ length: H }, (_, h) => `v128.store(bias, ${acc(r, h)}${h ? `, ${h * 16}` : ''});`).join(' ');
        L.push(`      if (${FENCE_COND[(u * mr + r) % 2]}) { ${stores} }`);
        fences++;
      }
    }
    L.push(`    }`);
  }
  L.push(`    ap += ${UNROLL * panel * 4};`);
  for (let q = 0; q < w; q++) L.push(`    ${bq(q)} += ${UNROLL * 32};`);
  L.push(`  }`);
  // epilogue: C (+ C) (+ bias) (relu), flag checks outside the k loop
  const row = (r) => (r === 0 ? 'c' : `c + ${r} * ldc`);
  const off = (h) => (h ? `, ${h * 16}` : '');
  L.push(`  if (flags & GEMM_ACC) {`);
  for (let r = 0; r < mr; r++) {
    for (let h = 0; h < H; h++) L.push(`    ${acc(r, h)} = f32x4.add(${acc(r, h)}, v128.load(${row(r)}${off(h)}));`);
  }
  L.push(`  }`);
  L.push(`  if (flags & GEMM_BIAS_COL) {`);
  L.push(`    const ${Array.from({ length: H }, (_, h) => `s${h} = v128.load(bias${off(h)})`).join(', ')};`);
  for (let r = 0; r < mr; r++) {
    L.push(`    ${Array.from({ length: H }, (_, h) => `${acc(r, h)} = f32x4.add(${acc(r, h)}, s${h});`).join(' ')}`);
  }
  L.push(`  }`);
  L.push(`  if (flags & GEMM_BIAS_ROW) {`);
  for (let r = 0; r < mr; r++) {
    L.push(`    ${r === 0 ? 'let ' : ''}s = v128.load32_splat(bias, ${r * 4});`);
    L.push(`    ${Array.from({ length: H }, (_, h) => `${acc(r, h)} = f32x4.add(${acc(r, h)}, s);`).join(' ')}`);
  }
  L.push(`  }`);
  L.push(`  if (flags & GEMM_RELU) {`);
  L.push(`    const z = f32x4.splat(0.0);`);
  for (let r = 0; r < mr; r++) {
    L.push(`    ${Array.from({ length: H }, (_, h) => `${acc(r, h)} = f32x4.max(${acc(r, h)}, z);`).join(' ')}`);
  }
  L.push(`  }`);
  for (let r = 0; r < mr; r++) {
    for (let h = 0; h < H; h++) L.push(`  v128.store(${row(r)}, ${acc(r, h)}${off(h)});`);
  }
  L.push(`}`);
  return { name, fences, source: L.join('\n') };
}

/** The generated module's source, and the number of fences (`if (ap == 0)` / `if (bp == 0)`) per kernel. */
export function generateGemmKernels() {
  const kernels = variants.map(kernel);
  const source = [
    '// generated by assembly/gen/gemm-kernels.mjs, do not edit',
    '// GEMM micro-kernels: an MR x 8 tile of C from packed panels; see assembly/gemm.ts.',
    '',
    `/** Every kernel's k loop is unrolled this many times: packed panels are padded to a multiple of it. */`,
    `export const GEMM_UNROLL = ${UNROLL};`,
    '/** Epilogue flags: add the old C, add bias[j] (8 floats at bias), add bias[i] (MR floats at bias), ReLU. */',
    'export const GEMM_ACC = 1;',
    'export const GEMM_BIAS_COL = 2;',
    'export const GEMM_BIAS_ROW = 4;',
    'export const GEMM_RELU = 8;',
    '',
    ...kernels.map((k) => k.source + '\n'),
  ].join('\n');
  return { source, fences: new Map(kernels.map((k) => [k.name, k.fences])) };
}

/** Writes assembly/gen/gemm_kernels.ts; returns the fence counts. */
export function writeGemmKernels() {
  const { source, fences } = generateGemmKernels();
  writeFileSync(fileURLToPath(new URL('./gemm_kernels.ts', import.meta.url)), source);
  return fences;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) writeGemmKernels();
