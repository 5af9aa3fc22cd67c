/**
 * The kernel table (src/backends/kernels.ts) and what is derived from it: every kernel is exported by
 * every WebAssembly build and implemented by the js backend, a module lacking one is refused with its
 * name, and every kernel whose entry says it splits is split across threads when large (with the same
 * bits as on one thread), the others never.
 */
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { KERNEL_NAMES, KERNEL_SIGNATURES, KERNEL_TABLE, type KernelSignature } from '../src/backends/kernels.js';
import { jsKernels } from '../src/backends/js/index.js';
import { heap, writeMeta } from '../src/backends/memory.js';
import { init, kernelsOf } from '../src/backends/index.js';
import { checkExports, WASM_CONSTANTS, wasmConstants } from '../src/backends/wasm/exports.js';
import {
  defaultWasmUrl, enableRelaxedSimd, instantiateKernelsSync, readWasmFileSync,
} from '../src/backends/wasm/loader.js';
import { setSplitThresholds, withThreads } from '../src/backends/wasm/split.js';
import * as threads from '../src/backends/wasm/threads.js';
import { mulberry32 } from './helpers.js';

const BUILDS = ['wasmgrad', 'wasmgrad-relaxed', 'wasmgrad-mt', 'wasmgrad-relaxed-mt'];

describe('kernel table', () => {
  it('parses: every argument has a known role, split kinds have the arguments they need', () => {
    expect(KERNEL_NAMES.length).toBe(Object.keys(KERNEL_TABLE).length);
    for (const name of KERNEL_NAMES) {
      const sig = KERNEL_SIGNATURES[name];
      expect(sig.operands.length, name).toBe(KERNEL_TABLE[name].args.length);
      expect(new Set(sig.operands.map((o) => o.name)).size, `${name}: argument names are unique`).toBe(sig.operands.length);
    }
  });

  for (const build of BUILDS) {
    it(`build/${build}.wasm exports every kernel of the table and the constants TypeScript reads`, () => {
      // read directly: readWasmFileSync would swap in the -mt twin on a shared heap
      const bytes = fs.readFileSync(new URL(`../build/${build}.wasm`, import.meta.url));
      if (build.includes('relaxed') && !enableRelaxedSimd()) return; // this engine cannot compile that build
      const mod = new WebAssembly.Module(bytes);
      const exports = new Map(WebAssembly.Module.exports(mod).map((e) => [e.name, e.kind]));
      for (const name of KERNEL_NAMES) expect(exports.get(name), name).toBe('function');
      for (const name of WASM_CONSTANTS) expect(exports.get(name), name).toBe('global');
    });
  }

  it('the js backend implements exactly the kernels of the table', () => {
    expect(Object.keys(jsKernels).sort()).toEqual([...KERNEL_NAMES].sort());
    for (const name of KERNEL_NAMES) expect(typeof jsKernels[name], name).toBe('function');
  });

  it('both backends take as many arguments as the table lists', () => {
    const wasm = instantiateKernelsSync(readWasmFileSync(defaultWasmUrl));
    for (const name of KERNEL_NAMES) {
      const count = KERNEL_TABLE[name].args.length;
      expect(jsKernels[name].length, `js ${name}`).toBe(count);
      expect(wasm[name].length, `wasm ${name}`).toBe(count);
    }
  });

  it('a module missing a kernel or a constant is refused with their names', () => {
    const exports: Record<string, unknown> = { ...jsKernels };
    for (const name of WASM_CONSTANTS) exports[name] = new WebAssembly.Global({ value: 'i32', mutable: false }, 4);
    expect(checkExports(exports)).toBe(exports);
    expect(wasmConstants(exports).GEMM_MR).toBe(4);
    delete exports.erf_f32;
    delete exports.SUM_BLOCK_ROWS;
    expect(() => checkExports(exports)).toThrow(/does not export erf_f32, SUM_BLOCK_ROWS.*npm run asbuild/);
  });

  it('withThreads wraps exactly the kernels whose entry says they split', () => {
    const base = Object.fromEntries(KERNEL_NAMES.map((name) => [name, () => {}]));
    const wrapped = withThreads(base as never, { GEMM_MR: 6, SUM_BLOCK_ROWS: 256, SUM_BLOCK_ROWS_CONTIGUOUS: 1024 });
    for (const name of KERNEL_NAMES) {
      const split = KERNEL_SIGNATURES[name].split;
      if (split === 'none') expect(wrapped[name], name).toBe(base[name]);
      else expect(wrapped[name], `${name} (${split})`).not.toBe(base[name]);
    }
  });
});

// threads need the wasm backend and a shared heap memory (WASMGRAD_THREADS=1 turns it off)
const threaded = process.env.WASMGRAD_BACKEND !== 'js' && process.env.WASMGRAD_THREADS?.trim() !== '1';

describe.runIf(threaded)('kernel table: range and rows splits', () => {
  beforeAll(async () => {
    await init({ threads: 2 });
  });

  const ROWS = 37, COLS = 129, N = ROWS * COLS + 5;
  const rng = mulberry32(7);

  /** Arguments for a call of `sig` built from its roles: buffers of random floats, scalars in (0, 1). */
  function makeCall(sig: KernelSignature): { args: number[]; buffers: [number, number][]; meta: () => number } {
    const buffers: [number, number][] = [];
    const strided = sig.operands.filter((o) => o.role === 'strided-in' || o.role === 'strided-out');
    const scalars = sig.operands.map(() => 0.25 + 0.5 * rng());
    const args = sig.operands.map((o, i) => {
      if (o.role === 'size') return N;
      if (o.role === 'meta') return 0;
      if (o.role === 'number') return scalars[i]!;
      const bytes = (sig.split === 'range' ? N : ROWS * COLS) * 4;
      const p = heap.alloc(bytes);
      for (let j = 0; j < bytes / 4; j++) heap.f32[(p >>> 2) + j] = rng() * 2 - 1;
      buffers.push([p, bytes]);
      return p;
    });
    // strided operands: row-major, except a broadcast row for a second input
    const meta = () => writeMeta([ROWS, COLS], ...strided.map((o, j) => (o.role === 'strided-in' && j === 1 ? [0, 1] : [COLS, 1])));
    return { args, buffers, meta };
  }

  function snapshot(buffers: [number, number][]): Int32Array[] {
    return buffers.map(([p, bytes]) => heap.i32.slice(p >>> 2, (p + bytes) >>> 2));
  }

  const splittable = KERNEL_NAMES.filter((n) => KERNEL_SIGNATURES[n].split === 'range' || KERNEL_SIGNATURES[n].split === 'rows');

  it.each(splittable)('%s splits into parts when large, with the bits of one thread', (name) => {
    const sig = KERNEL_SIGNATURES[name];
    const k = kernelsOf('wasm')[name] as (...a: number[]) => void;
    const { args, buffers, meta } = makeCall(sig);
    const metaAt = sig.operands.findIndex((o) => o.role === 'meta');
    const call = () => {
      if (metaAt >= 0) args[metaAt] = meta();
      k(...args);
    };
    const start = snapshot(buffers);
    const restore = () => start.forEach((s, i) => heap.i32.set(s, buffers[i]![0] >>> 2));
    const none = { elements: Infinity, elementsSpinning: Infinity };
    const old = setSplitThresholds(none);
    try {
      const before = threads.parallelCalls.get(name) ?? 0;
      call();
      const one = snapshot(buffers);
      expect(threads.parallelCalls.get(name) ?? 0, 'unsplit').toBe(before);
      restore();
      setSplitThresholds({ elements: 64, elementsSpinning: 64 });
      call();
      expect(threads.parallelCalls.get(name) ?? 0, 'split').toBeGreaterThan(before);
      const two = snapshot(buffers);
      const pointers = sig.operands.filter((o) => !['number', 'size', 'meta'].includes(o.role));
      for (let i = 0; i < one.length; i++) expect(two[i], pointers[i]!.name).toEqual(one[i]);
    } finally {
      setSplitThresholds(old);
      for (const [p, bytes] of buffers) heap.free(p, bytes);
    }
  });
});
