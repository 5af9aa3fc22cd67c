/**
 * Loads the AssemblyScript kernel module and instantiates it on the shared heap memory. The module
 * imports `env.memory` and nothing else; its static data lives in [1 KiB, 16 KiB) of that memory.
 *
 * Two builds come from the same source (`npm run asbuild`): `build/wasmgrad-relaxed.wasm` (relaxed SIMD:
 * fused multiply-add GEMM micro-kernels) and `build/wasmgrad.wasm` (plain SIMD). The relaxed one is used
 * when the engine validates it: Chromium and Node >= 22 do; Node 20 does after V8's
 * `--experimental-wasm-relaxed-simd` flag, which `enableRelaxedSimd()` sets at run time.
 *
 * Where threads are possible (Node; a cross-origin isolated page) the heap's memory is shared (worker
 * threads run kernels on it), and a module importing a plain memory cannot take a shared one: each build
 * has a twin importing a shared memory (`build/wasmgrad-mt.wasm`, `build/wasmgrad-relaxed-mt.wasm`),
 * which is loaded instead (threadsTwin).
 */
import { heap } from '../memory.js';
import type { Kernels } from '../kernels.js';

/** The plain-SIMD build, relative to this file (src/backends/wasm/ -> build/); bundlers detect this pattern. */
export const defaultWasmUrl = new URL('../../../build/wasmgrad.wasm', import.meta.url);
/** The relaxed-SIMD build (same kernels; GEMM with f32x4.relaxed_madd). */
export const relaxedWasmUrl = new URL('../../../build/wasmgrad-relaxed.wasm', import.meta.url);

/** Their twins importing a shared memory, loaded when the heap is shared (written out so bundlers ship them). */
const defaultMtWasmUrl = new URL('../../../build/wasmgrad-mt.wasm', import.meta.url);
const relaxedMtWasmUrl = new URL('../../../build/wasmgrad-relaxed-mt.wasm', import.meta.url);

/**
 * The URL to load for `url`: when the heap's memory is shared, the `-mt` twin of a default URL. URLs given
 * to init() are loaded as given (on a shared heap they must be the `-mt` files).
 */
export function threadsTwin(url: URL): URL {
  if (!heap.shared) return url;
  if (url.href === defaultWasmUrl.href) return defaultMtWasmUrl;
  if (url.href === relaxedWasmUrl.href) return relaxedMtWasmUrl;
  return url;
}

/** Which build of the module: relaxed SIMD or plain SIMD. */
export type WasmBuild = 'relaxed-simd' | 'simd';
/** Build preference: `auto` picks relaxed SIMD when the engine supports it. */
export type SimdPreference = 'auto' | 'relaxed' | 'plain';

/** A minimal module using f32x4.relaxed_madd: validates iff the engine has relaxed SIMD enabled. */
const relaxedProbe = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type: (v128, v128, v128) -> v128
  0x03, 0x02, 0x01, 0x00, // function 0 of type 0
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b, // relaxed_madd
]);

type NodeProcess = {
  getBuiltinModule?: (id: string) => unknown;
  env?: Record<string, string | undefined>;
};
function nodeProcess(): NodeProcess | undefined {
  const proc = (globalThis as { process?: NodeProcess }).process;
  return proc !== undefined && typeof proc.getBuiltinModule === 'function' ? proc : undefined;
}

let nodeFlagsSet = false;

/** V8's version as major * 100 + minor (e.g. 1103 for Node 20's 11.3), or NaN outside Node. */
function v8Version(): number {
  const [major, minor] = ((globalThis as { process?: { versions?: { v8?: string } } }).process?.versions?.v8 ?? '')
    .split('.')
    .map(Number);
  return major! * 100 + minor!;
}

/**
 * In Node, turns on the WebAssembly features the builds use where this V8 still has them behind a flag
 * (through `process.getBuiltinModule('v8')`, so browser bundles never import node:v8), before the first
 * compile: relaxed SIMD (V8 < 11.4: Node 20) and branch hints (V8 < 13.6: Node 20 and 22; the GEMM
 * micro-kernels' fences are hinted unlikely, assembly/branch-hints.mjs). A flag this V8 does not know is
 * never set (V8 would print an error). Chromium has both on.
 */
function setNodeWasmFlags(): void {
  if (nodeFlagsSet) return;
  nodeFlagsSet = true;
  const v8 = nodeProcess()?.getBuiltinModule?.('v8') as { setFlagsFromString?: (flags: string) => void } | undefined;
  if (v8 === undefined || typeof v8.setFlagsFromString !== 'function') return;
  const version = v8Version();
  const flags = [
    ...(version < 1104 ? ['--experimental-wasm-relaxed-simd'] : []),
    ...(version < 1306 ? ['--experimental-wasm-branch-hinting'] : []),
  ];
  for (const flag of flags) {
    try {
      v8.setFlagsFromString(flag);
    } catch {
      // frozen flags: the features stay off (validate() decides relaxed SIMD; hints are only hints)
    }
  }
}

/**
 * True when the engine compiles relaxed-SIMD modules. In Node, where V8 may still have the feature
 * behind `--experimental-wasm-relaxed-simd` (Node 20), the flag is set first (setNodeWasmFlags).
 */
export function enableRelaxedSimd(bytes: BufferSource = relaxedProbe): boolean {
  setNodeWasmFlags();
  try {
    return WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

/** The preference given by WASMGRAD_WASM_BUILD (`plain`, `relaxed` or `auto`) in Node, else `auto`. */
export function envSimdPreference(): SimdPreference {
  const v = (globalThis as { process?: NodeProcess }).process?.env?.WASMGRAD_WASM_BUILD;
  return v === 'plain' || v === 'simd' ? 'plain' : v === 'relaxed' || v === 'relaxed-simd' ? 'relaxed' : 'auto';
}

function imports(): WebAssembly.Imports {
  return { env: { memory: heap.memory } };
}

function asKernels(instance: WebAssembly.Instance): Kernels {
  return instance.exports as unknown as Kernels;
}

/** Node-only file access without a static `node:fs` import (so browser bundles never see it). */
function nodeFs(): typeof import('node:fs') | undefined {
  return nodeProcess()?.getBuiltinModule?.('fs') as typeof import('node:fs') | undefined;
}

/** Reads a `file:` URL synchronously in Node (>= 20.16, which has `process.getBuiltinModule`). */
export function readWasmFileSync(url: URL): Uint8Array<ArrayBuffer> {
  const fs = nodeFs();
  if (fs === undefined) {
    throw new Error(`readWasmFileSync(${url.href}): synchronous file access needs Node >= 20.16`);
  }
  try {
    return new Uint8Array(fs.readFileSync(threadsTwin(url)));
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') {
      throw new Error(`wasmgrad: ${url.pathname} not found; build the kernels first with \`npm run asbuild\``);
    }
    throw err;
  }
}

/** Compiles and instantiates the module synchronously (fine in Node; browsers limit sync compiles to small modules). */
export function instantiateKernelsSync(bytes: BufferSource): Kernels {
  return instantiateModuleSync(bytes).kernels;
}

/** A compiled module and its instance's kernel table. */
interface Instantiated {
  kernels: Kernels;
  module: WebAssembly.Module;
}

function instantiateModuleSync(bytes: BufferSource): Instantiated {
  const module = new WebAssembly.Module(bytes);
  return { kernels: asKernels(new WebAssembly.Instance(module, imports())), module };
}

function isResponse(x: unknown): x is Response {
  return typeof Response !== 'undefined' && x instanceof Response;
}

async function fromResponse(res: Response): Promise<Instantiated> {
  if (!res.ok) throw new Error(`wasmgrad: fetching ${res.url} failed: ${res.status} ${res.statusText}`);
  const type = res.headers.get('Content-Type') ?? '';
  if (typeof WebAssembly.instantiateStreaming === 'function' && type.startsWith('application/wasm')) {
    const { instance, module } = await WebAssembly.instantiateStreaming(res, imports());
    return { kernels: asKernels(instance), module };
  }
  // wrong MIME type (or no streaming support): buffer it
  const { instance, module } = await WebAssembly.instantiate(await res.arrayBuffer(), imports());
  return { kernels: asKernels(instance), module };
}

/**
 * Instantiates the module from a URL (a `file:` URL is read from disk in Node; others are fetched,
 * streaming when the server sends application/wasm), a Response, or the module's bytes.
 */
export async function instantiateKernels(source: URL | string | Response | BufferSource): Promise<Kernels> {
  return (await instantiateModule(source)).kernels;
}

async function instantiateModule(source: URL | string | Response | BufferSource): Promise<Instantiated> {
  if (isResponse(source)) return fromResponse(source);
  if (typeof source === 'string' || source instanceof URL) {
    const url = typeof source === 'string' ? new URL(source, globalThis.location?.href ?? import.meta.url) : source;
    if (url.protocol === 'file:') {
      const fs = nodeFs();
      if (fs !== undefined) {
        const bytes = await fs.promises.readFile(threadsTwin(url));
        const { instance, module } = await WebAssembly.instantiate(bytes, imports());
        return { kernels: asKernels(instance), module };
      }
    }
    return fromResponse(await fetch(threadsTwin(url)));
  }
  const { instance, module } = await WebAssembly.instantiate(source, imports());
  return { kernels: asKernels(instance), module };
}

/** A loaded module: its kernel table and which build it is. */
export interface LoadedKernels {
  kernels: Kernels;
  build: WasmBuild;
  /** The compiled module (worker threads instantiate it on the same shared memory). */
  module: WebAssembly.Module;
}

/**
 * Loads the module synchronously from disk (Node >= 20.16): the relaxed-SIMD build when `simd` allows
 * it and the engine validates it, else the plain one. `relaxed` throws if the engine lacks relaxed SIMD.
 */
export function loadKernelsSync(simd: SimdPreference = envSimdPreference()): LoadedKernels {
  setNodeWasmFlags();
  if (simd !== 'plain') {
    const bytes = readWasmFileSync(relaxedWasmUrl);
    if (enableRelaxedSimd(bytes)) return { ...instantiateModuleSync(bytes), build: 'relaxed-simd' };
    if (simd === 'relaxed') throw new Error('wasmgrad: this engine does not support relaxed SIMD');
  }
  return { ...instantiateModuleSync(readWasmFileSync(defaultWasmUrl)), build: 'simd' };
}

/**
 * Loads the module asynchronously (browsers; Node too). Without explicit URLs the build follows `simd`
 * as in loadKernelsSync (decided with a tiny probe module, so only one file is fetched); a given
 * `wasmUrl` is taken as the plain build and `relaxedWasmUrl` as the relaxed one.
 */
export async function loadKernels(options: {
  simd?: SimdPreference;
  wasmUrl?: string | URL;
  relaxedWasmUrl?: string | URL;
} = {}): Promise<LoadedKernels> {
  setNodeWasmFlags();
  const simd = options.simd ?? envSimdPreference();
  const relaxedUrl = options.relaxedWasmUrl ?? (options.wasmUrl === undefined ? relaxedWasmUrl : undefined);
  if (simd !== 'plain' && relaxedUrl !== undefined) {
    if (enableRelaxedSimd()) {
      try {
        return { ...(await instantiateModule(relaxedUrl)), build: 'relaxed-simd' };
      } catch (err) {
        if (simd === 'relaxed') throw err;
        // e.g. the relaxed file was not deployed: fall back to the plain build
      }
    } else if (simd === 'relaxed') {
      throw new Error('wasmgrad: this engine does not support relaxed SIMD');
    }
  }
  return { ...(await instantiateModule(options.wasmUrl ?? defaultWasmUrl)), build: 'simd' };
}
