/**
 * The build's branch hints (assembly/branch-hints.mjs): every scheduling fence of a GEMM micro-kernel is
 * marked unlikely in a `metadata.code.branch_hint` custom section, nothing else is, and the pass refuses a
 * module it cannot reproduce. Needs the built modules (npm run asbuild).
 */
import binaryen from 'binaryen';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hintKernelFences } from '../assembly/branch-hints.mjs';
import { enableRelaxedSimd } from '../src/backends/wasm/loader.js';

const SECTION = 'metadata.code.branch_hint';
enableRelaxedSimd(); // sets V8's flags (relaxed SIMD, branch hints on Node 20) before any compile

/** The hints of a module: [function index, byte offset in the body, value] (the proposal's encoding). */
function branchHints(module: WebAssembly.Module): [number, number, number][] {
  const sections = WebAssembly.Module.customSections(module, SECTION);
  if (sections.length === 0) return [];
  expect(sections.length).toBe(1);
  const bytes = new Uint8Array(sections[0]!);
  let at = 0;
  const u32 = () => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[at++]!;
      v |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v >>> 0;
    }
  };
  const hints: [number, number, number][] = [];
  for (let funcs = u32(); funcs > 0; funcs--) {
    const func = u32();
    for (let n = u32(); n > 0; n--) {
      const offset = u32();
      expect(u32()).toBe(1); // hint size
      hints.push([func, offset, bytes[at++]!]);
    }
  }
  expect(at).toBe(bytes.length);
  return hints;
}

/** A module like asc's text: a kernel with fences after `i32.eqz`, a flag test, and a function that is no kernel. */
function moduleText(fences: number): string {
  const fence = `
  local.get $0
  i32.eqz
  if
   local.get $1
   local.get $1
   i32.store
  end`;
  return `(module
 (memory $0 1)
 (export "k" (func $assembly/gen/gemm_kernels/microKernelTest))
 (export "other" (func $assembly/other/f))
 (func $assembly/gen/gemm_kernels/microKernelTest (param $0 i32) (param $1 i32) (result i32)${fence.repeat(fences)}
  local.get $1
  i32.const 8
  i32.and
  if
   local.get $1
   i32.const 1
   i32.store
  end
  local.get $1
 )
 (func $assembly/other/f (param $0 i32) (result i32)${fence.replaceAll('$1', '$0')}
  local.get $0
 )
)
`;
}

function assemble(text: string): Uint8Array<ArrayBuffer> {
  const module = binaryen.parseText(text);
  const bytes = new Uint8Array(module.emitBinary());
  module.dispose();
  return bytes;
}

describe('branch hints', () => {
  it('marks exactly the fences of the micro-kernels unlikely; the module still runs', () => {
    const text = moduleText(3);
    const out = hintKernelFences(text, assemble(text), new Map([['microKernelTest', 3]]));
    const module = new WebAssembly.Module(out);
    const hints = branchHints(module);
    expect(hints.map(([, , value]) => value)).toEqual([0, 0, 0]);
    expect(new Set(hints.map(([func]) => func)).size).toBe(1);
    expect(WebAssembly.Module.customSections(new WebAssembly.Module(assemble(text)), SECTION)).toHaveLength(0);
    const exports = new WebAssembly.Instance(module).exports as { k(a: number, b: number): number; other(a: number): number };
    expect(exports.k(1, 16)).toBe(16);
    expect(exports.other(0)).toBe(0);
  });

  it('refuses a kernel whose fences are not the generator\'s, and text that does not reproduce the binary', () => {
    const text = moduleText(2);
    expect(() => hintKernelFences(text, assemble(text), new Map([['microKernelTest', 3]])))
      .toThrow('microKernelTest has 2 fences in the module, the generator wrote 3');
    expect(() => hintKernelFences(text, assemble(moduleText(3)), new Map([['microKernelTest', 2]])))
      .toThrow('does not reassemble the text to the module asc wrote');
    const none = moduleText(0).replaceAll('gemm_kernels/microKernelTest', 'other/g');
    expect(() => hintKernelFences(none, assemble(none), new Map())).toThrow('no GEMM micro-kernel');
  });

  it('every build carries the hints: unlikely, in the micro-kernels only', () => {
    for (const name of ['wasmgrad', 'wasmgrad-relaxed', 'wasmgrad-mt', 'wasmgrad-relaxed-mt']) {
      const bytes = readFileSync(new URL(`../build/${name}.wasm`, import.meta.url));
      const hints = branchHints(new WebAssembly.Module(bytes));
      // the builds' kernels: 6x8 (11 fences) + edges, or 5x8 (9 fences) + edges
      expect(hints.length, name).toBeGreaterThanOrEqual(20);
      expect(hints.every(([, , value]) => value === 0), name).toBe(true);
      const funcs = new Set(hints.map(([func]) => func));
      expect(funcs.size, name).toBeGreaterThanOrEqual(5);
      expect(funcs.size, name).toBeLessThanOrEqual(12);
    }
  });
});
