/**
 * Loading failures a bundler user hits, on the Node side (test/browser/bundlers.test.ts has the browser side):
 * a build whose memory import does not match the heap (shared or not) is matched instead of failing with
 * `LinkError: ... mismatch in shared state of memory`, and a kernel worker script that cannot start makes
 * init() warn once, naming its URL, and run on one thread.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { getNumThreads, init, randn } from '../src/index.js';
import { heap } from '../src/backends/memory.js';
import { defaultWasmUrl, enableRelaxedSimd, instantiateKernels, matchMemoryImport, relaxedWasmUrl } from '../src/backends/wasm/loader.js';

enableRelaxedSimd(); // sets V8's relaxed-SIMD flag on Node 20 before the relaxed build is compiled below

const read = (url: URL): Uint8Array<ArrayBuffer> => new Uint8Array(readFileSync(url));
const mt = (url: URL) => new URL(url.href.replace(/\.wasm$/, '-mt.wasm'));
const memoryOf = (bytes: Uint8Array<ArrayBuffer>) =>
  WebAssembly.Module.imports(new WebAssembly.Module(bytes)).filter((i) => i.kind === 'memory').map((i) => `${i.module}.${i.name}`);

describe('matchMemoryImport', () => {
  for (const url of [defaultWasmUrl, relaxedWasmUrl]) {
    const name = url.pathname.split('/').pop()!;
    it(`${name} and its -mt twin differ only in the shared flag, which it sets and clears`, () => {
      const plain = read(url), shared = read(mt(url));
      expect(Buffer.from(matchMemoryImport(plain, true) as Uint8Array).equals(Buffer.from(shared))).toBe(true);
      expect(Buffer.from(matchMemoryImport(shared, false) as Uint8Array).equals(Buffer.from(plain))).toBe(true);
      // already matching: the same bytes back, and the caller's bytes are never modified
      expect(matchMemoryImport(plain, false)).toBe(plain);
      expect(matchMemoryImport(shared, true)).toBe(shared);
      expect(Buffer.from(plain).equals(read(url))).toBe(true);
      expect(memoryOf(plain)).toEqual(['env.memory']);
    });
  }

  it('leaves bytes that are no module, or import no memory, as they are', () => {
    const junk = new Uint8Array([1, 2, 3]);
    expect(matchMemoryImport(junk, true)).toBe(junk);
    const noImports = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    expect(matchMemoryImport(noImports, true)).toBe(noImports);
  });

  it('instantiateKernels takes the build for the other kind of memory (bytes and file URLs) on this heap', async () => {
    // the heap is shared here (Node has threads) unless WASMGRAD_THREADS=1: give it the other one
    const other = heap.shared ? defaultWasmUrl : mt(defaultWasmUrl);
    const a = await instantiateKernels(read(other));
    // a file elsewhere (a URL given to init() is loaded as given, not swapped for its twin)
    const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-load-'));
    try {
      writeFileSync(join(dir, 'kernels.wasm'), read(other));
      const b = await instantiateKernels(pathToFileURL(join(dir, 'kernels.wasm')).href);
      expect(typeof b.add_f32).toBe('function');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(typeof a.add_f32).toBe('function');
  });
});

describe('a kernel worker that cannot start', () => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  afterAll(() => warn.mockRestore());

  it('init() warns once, naming the URL, and runs on one thread', async () => {
    if (!heap.shared) return; // WASMGRAD_THREADS=1: no workers to start
    const missing = new URL('./no-such-dir/kernel-worker.mjs', import.meta.url);
    await init({ workerUrl: missing, threads: 2 });
    expect(getNumThreads()).toBe(1);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain(`wasmgrad: the kernel worker ${missing.href} failed to start`);
    expect(String(warn.mock.calls[0]![0])).toContain('running single-threaded');
    // and it computes
    expect(Number.isFinite(randn(300, 300).matmul(randn(300, 300)).sum().item())).toBe(true);
  });
});
