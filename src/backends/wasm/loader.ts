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
 * which is loaded instead (threadsTwin). The twins differ in that one flag only, so a build given to init()
 * for the other kind of memory (a bundle that imported the plain builds, run on a cross-origin isolated
 * page) is loaded with its memory import's flag set to match (matchMemoryImport) instead of failing with
 * `LinkError: ... mismatch in shared state of memory`.
 *
 * The exported signatures name no DOM-only types (BufferSource, the WebAssembly namespace), so the shipped
 * .d.ts type-checks in a Node project without the DOM lib and with skipLibCheck off.
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
function threadsTwin(url: URL): URL {
  if (!heap.shared) return url;
  if (url.href === defaultWasmUrl.href) return defaultMtWasmUrl;
  if (url.href === relaxedWasmUrl.href) return relaxedMtWasmUrl;
  return url;
}

/** A module's bytes (what the DOM lib calls BufferSource). */
type WasmBytes = ArrayBuffer | ArrayBufferView;

/**
 * `WebAssembly.Module`, spelled so that a .d.ts consumer without the DOM lib (where TypeScript declares the
 * WebAssembly namespace) sees `object` instead of an unknown name.
 */
type WasmModule = typeof globalThis extends { WebAssembly: { Module: abstract new (...args: never[]) => infer M } } ? M : object;

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
export function enableRelaxedSimd(bytes: WasmBytes = relaxedProbe): boolean {
  setNodeWasmFlags();
  try {
    return WebAssembly.validate(bytes as BufferSource);
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

/**
 * Reads a `file:` URL synchronously in Node (>= 20.16, which has `process.getBuiltinModule`). The bytes are
 * typed as a Uint8Array over an ArrayBuffer without `Uint8Array<ArrayBuffer>`, which needs TypeScript 5.7.
 */
export function readWasmFileSync(url: URL): Uint8Array & { readonly buffer: ArrayBuffer } {
  const fs = nodeFs();
  if (fs === undefined) {
    throw new Error(`readWasmFileSync(${url.href}): synchronous file access needs Node >= 20.16`);
  }
  try {
    return new Uint8Array(fs.readFileSync(threadsTwin(url))) as Uint8Array & { readonly buffer: ArrayBuffer };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') {
      throw new Error(`wasmgrad: ${url.pathname} not found; build the kernels first with \`npm run asbuild\``);
    }
    throw err;
  }
}

/** Compiles and instantiates the module synchronously (fine in Node; browsers limit sync compiles to small modules). */
export function instantiateKernelsSync(bytes: WasmBytes): Kernels {
  return instantiateModuleSync(bytes).kernels;
}

/** A compiled module and its instance's kernel table. */
interface Instantiated {
  kernels: Kernels;
  module: WasmModule;
}

function instantiateModuleSync(bytes: WasmBytes, name?: string): Instantiated {
  const module = new WebAssembly.Module(matchMemoryImport(bytes, heap.shared, name) as BufferSource);
  return { kernels: asKernels(new WebAssembly.Instance(module, imports())), module };
}

async function instantiateBytes(bytes: WasmBytes, name?: string): Promise<Instantiated> {
  const { instance, module } = await WebAssembly.instantiate(matchMemoryImport(bytes, heap.shared, name) as BufferSource, imports());
  return { kernels: asKernels(instance), module };
}

/** Reads an unsigned LEB128 at `at`: [value, next offset]. */
function leb(b: Uint8Array, at: number): [number, number] {
  let v = 0;
  for (let shift = 0; ; shift += 7) {
    if (at >= b.length) throw new RangeError('truncated LEB128');
    const byte = b[at++]!;
    v += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [v, at];
  }
}

/** Offset of the limits flags byte of the module's memory import, or -1 (no memory import, not a module). */
function memoryImportFlags(b: Uint8Array): number {
  if (b.length < 8 || b[0] !== 0x00 || b[1] !== 0x61 || b[2] !== 0x73 || b[3] !== 0x6d) return -1;
  let at = 8;
  while (at < b.length) {
    const id = b[at]!;
    const [size, body] = leb(b, at + 1);
    if (id === 2) {
      // the import section: entries (module name, field name, kind, description)
      let [count, p] = leb(b, body);
      for (; count > 0; count--) {
        for (let name = 0; name < 2; name++) {
          const [len, q] = leb(b, p);
          p = q + len;
        }
        const kind = b[p++];
        if (kind === 0x02) return p; // memory: limits flags, min[, max]
        if (kind === 0x00) p = leb(b, p)[1]; // function: type index
        else if (kind === 0x01) p = skipLimits(b, p + 1); // table: reference type, limits
        else if (kind === 0x03) p += 2; // global: value type, mutability
        else if (kind === 0x04) p = leb(b, p + 1)[1]; // tag: attribute, type index
        else return -1;
      }
      return -1;
    }
    at = body + size;
  }
  return -1;
}

function skipLimits(b: Uint8Array, p: number): number {
  const flags = b[p]!;
  p = leb(b, p + 1)[1];
  return flags & 1 ? leb(b, p)[1] : p;
}

/**
 * The module's bytes with its memory import declared `shared` or not, to match the heap's memory: a
 * `wasmgrad*.wasm` build and its `-mt` twin differ only in that flag (bit 1 of the import's limits), and
 * their code uses no atomics, so either runs on either memory. A bundle that imported the plain builds
 * (`init({ wasmUrl, relaxedWasmUrl })`) thus still gets its threads on a cross-origin isolated page, where
 * the heap is shared, instead of `LinkError: ... mismatch in shared state of memory`. Bytes whose flag
 * already matches come back as they are. A memory import without a maximum cannot be made shared (the
 * flag is left; instantiation then fails with an error naming `name`).
 */
export function matchMemoryImport(bytes: WasmBytes, shared: boolean, name = 'the module'): WasmBytes {
  const b = bytes instanceof Uint8Array ? bytes
    : ArrayBuffer.isView(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    : new Uint8Array(bytes);
  let at: number;
  try {
    at = memoryImportFlags(b);
  } catch {
    return bytes; // malformed: let the compiler report it
  }
  if (at < 0) return bytes;
  const flags = b[at]!;
  if (((flags & 2) !== 0) === shared) return bytes;
  if (shared && (flags & 1) === 0) {
    throw new Error(
      `wasmgrad: ${name} imports a memory without a maximum, which cannot be shared; on a cross-origin isolated ` +
        'page (threads) load the -mt builds (wasmgrad-mt.wasm, wasmgrad-relaxed-mt.wasm)',
    );
  }
  const copy = new Uint8Array(b); // never modify the caller's bytes
  copy[at] = shared ? flags | 2 : flags & ~2;
  return copy;
}

function isResponse(x: unknown): x is Response {
  return typeof Response !== 'undefined' && x instanceof Response;
}

/** True for the package's own builds whose memory import is known to match the heap (no check needed). */
function matchesHeap(url: URL): boolean {
  const href = url.href;
  return heap.shared
    ? href === defaultMtWasmUrl.href || href === relaxedMtWasmUrl.href
    : href === defaultWasmUrl.href || href === relaxedWasmUrl.href;
}

/**
 * Instantiates a fetched module: streaming when the server sends application/wasm and the file is one of
 * the package's builds for this heap; otherwise buffered, so that its memory import can be matched to the
 * heap (a URL given to init() may be the build for the other kind of memory).
 */
async function fromResponse(res: Response, streaming = false): Promise<Instantiated> {
  if (!res.ok) throw new Error(`wasmgrad: fetching ${res.url} failed: ${res.status} ${res.statusText}`);
  const type = res.headers.get('Content-Type') ?? '';
  if (streaming && typeof WebAssembly.instantiateStreaming === 'function' && type.startsWith('application/wasm')) {
    const { instance, module } = await WebAssembly.instantiateStreaming(res, imports());
    return { kernels: asKernels(instance), module };
  }
  // wrong MIME type, no streaming support, or a file to check: buffer it
  return instantiateBytes(await res.arrayBuffer(), res.url || undefined);
}

/**
 * Instantiates the module from a URL (a `file:` URL is read from disk in Node; others are fetched,
 * streaming when the server sends application/wasm), a Response, or the module's bytes.
 */
export async function instantiateKernels(source: URL | string | Response | WasmBytes): Promise<Kernels> {
  return (await instantiateModule(source)).kernels;
}

async function instantiateModule(source: URL | string | Response | WasmBytes): Promise<Instantiated> {
  if (isResponse(source)) return fromResponse(source);
  if (typeof source === 'string' || source instanceof URL) {
    const given = typeof source === 'string' ? new URL(source, globalThis.location?.href ?? import.meta.url) : source;
    const url = threadsTwin(given);
    if (url.protocol === 'file:') {
      const fs = nodeFs();
      if (fs !== undefined) return instantiateBytes(await fs.promises.readFile(url), url.href);
    }
    return fromResponse(await fetch(url), matchesHeap(url));
  }
  return instantiateBytes(source);
}

/** A loaded module: its kernel table and which build it is. */
export interface LoadedKernels {
  kernels: Kernels;
  build: WasmBuild;
  /** The compiled module (worker threads instantiate it on the same shared memory). */
  module: WasmModule;
}

/**
 * Loads the module synchronously from disk (Node >= 20.16): the relaxed-SIMD build when `simd` allows
 * it and the engine validates it, else the plain one. `relaxed` throws if the engine lacks relaxed SIMD.
 */
export function loadKernelsSync(simd: SimdPreference = envSimdPreference()): LoadedKernels {
  setNodeWasmFlags();
  if (simd !== 'plain') {
    const bytes = readWasmFileSync(relaxedWasmUrl);
    if (enableRelaxedSimd(bytes)) return { ...instantiateModuleSync(bytes, relaxedWasmUrl.href), build: 'relaxed-simd' };
    if (simd === 'relaxed') throw new Error('wasmgrad: this engine does not support relaxed SIMD');
  }
  return { ...instantiateModuleSync(readWasmFileSync(defaultWasmUrl), defaultWasmUrl.href), build: 'simd' };
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
