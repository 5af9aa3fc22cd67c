/**
 * Backend selection. Both backends implement the same kernel table (kernels.ts) over the same memory:
 * `wasm` (AssemblyScript + SIMD, the default) and `js` (plain TypeScript, the reference).
 */
import type { Kernels } from './kernels.js';
import type { LoadedKernels } from './wasm/loader.js';
import { jsKernels } from './js/index.js';
import {
  defaultWasmUrl,
  envSimdPreference,
  loadKernels,
  loadKernelsSync,
  type SimdPreference,
  type WasmBuild,
} from './wasm/loader.js';
import { configureThreads, coreCount, getThreads, MAX_THREADS, setWorkerUrl, threadsSupported, whenReady } from './wasm/threads.js';
import { withThreads } from './wasm/split.js';
import { checkExports, wasmConstants } from './wasm/exports.js';
import { warmUp } from './wasm/warmup.js';
import { checkOptions } from '../options.js';

export type BackendName = 'js' | 'wasm';
export type { SimdPreference, WasmBuild };

let wasmKernels: Kernels | null = null;
/** Which build wasmKernels is (null until loaded). */
let wasmBuild: WasmBuild | null = null;
/** Which build to load: WASMGRAD_WASM_BUILD (Node), then init({ simd }). */
let simdPreference: SimdPreference = envSimdPreference();
let currentName: BackendName =
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.WASMGRAD_BACKEND === 'js'
    ? 'js'
    : 'wasm';
let current: Kernels | null = currentName === 'js' ? jsKernels : null;

function loadWasmSync(): Kernels {
  if (wasmKernels !== null) return wasmKernels;
  const proc = (globalThis as { process?: { getBuiltinModule?: unknown } }).process;
  if (typeof proc?.getBuiltinModule !== 'function' || defaultWasmUrl.protocol !== 'file:') {
    throw new Error(
      "wasmgrad: the WebAssembly backend is not loaded yet; call `await init()` once before using tensors " +
        "(only Node can load it synchronously)",
    );
  }
  adopt(loadKernelsSync(simdPreference));
  return wasmKernels!;
}

/** Threads asked for before the module is loaded (null: the default). */
let requestedThreads: number | null = null;

/** The default: the number of cores where threads are possible (Node, cross-origin isolated pages), else 1 (with a notice). */
function defaultThreads(): number {
  if (threadsSupported()) return coreCount();
  threadsNotice();
  return 1;
}

/**
 * Takes a freshly loaded module: checks it exports every kernel of the table, warms its kernels up, wraps
 * its large kernels for the thread pool and (re)starts the pool on it.
 */
function adopt(loaded: LoadedKernels): void {
  checkExports(loaded.kernels);
  warmUp(loaded.kernels);
  wasmBuild = loaded.build;
  if (threadsSupported()) {
    wasmKernels = withThreads(loaded.kernels, wasmConstants(loaded.kernels));
    configureThreads(requestedThreads ?? defaultThreads(), loaded.module);
  } else {
    wasmKernels = loaded.kernels;
  }
}

function checkThreads(n: unknown, op: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new RangeError(`${op}: the number of threads must be an integer from 1 to ${MAX_THREADS}, got ${String(n)}`);
  }
  if (n > 1 && !threadsSupported()) {
    throw new Error(
      `${op}(${n}): threads need a shared WebAssembly memory: Node with SharedArrayBuffer (not disabled with ` +
        'WASMGRAD_THREADS=1) or a cross-origin isolated page; only 1 is possible here',
    );
  }
  return n;
}

/**
 * Sets how many threads large kernels run on, the calling thread included: GEMMs (matmul, linear),
 * conv2d (split over the batch), elementwise ops, optimizer steps and sums (wasm/split.ts).
 * Workers start in the background; until they are ready, kernels run on the calling thread
 * (`await init({ threads })` waits for them). Results do not depend on the number of threads, except
 * conv2d's weight gradient (summed per thread, then across threads in a fixed order: deterministic for a
 * given number of threads).
 */
export function setNumThreads(n: number): void {
  requestedThreads = checkThreads(n, 'setNumThreads');
  if (wasmKernels !== null && threadsSupported()) configureThreads(n);
}

/** The number of threads kernels run on (the calling thread included). */
export function getNumThreads(): number {
  if (requestedThreads !== null) return requestedThreads;
  return wasmKernels !== null ? getThreads() : threadsSupported() ? coreCount() : 1;
}

/** The kernel table of the current backend (loads the wasm module synchronously in Node on first use). */
export function kernels(): Kernels {
  if (current !== null) return current;
  current = loadWasmSync();
  return current;
}

export interface InitOptions {
  /** Backend to select after loading (default: keep the current one, `wasm` unless changed). */
  backend?: BackendName;
  /**
   * Where to fetch the plain-SIMD `.wasm` file from (default: `build/wasmgrad.wasm` next to this package,
   * via import.meta.url). Given alone, it is the only file loaded. Where threads are possible (Node, a
   * cross-origin isolated page) the heap is a shared memory and the defaults are the shared-memory builds
   * `wasmgrad-mt.wasm` / `wasmgrad-relaxed-mt.wasm`: URLs given here must then point at those.
   */
  wasmUrl?: string | URL;
  /** Where to fetch the relaxed-SIMD build from (default: `build/wasmgrad-relaxed.wasm`, unless wasmUrl is given). */
  relaxedWasmUrl?: string | URL;
  /**
   * Where worker threads load `kernel-worker.mjs` from (default: next to the package's threads module,
   * which bundlers that understand `new URL(..., import.meta.url)` keep; give it for others).
   */
  workerUrl?: string | URL;
  /**
   * Which WebAssembly build to run: `auto` (default) takes relaxed SIMD (fused multiply-add GEMM) when
   * the engine supports it, `plain` forces the plain-SIMD build, `relaxed` requires relaxed SIMD.
   * Changing it after the module is loaded reloads it. In Node, WASMGRAD_WASM_BUILD=plain sets the default.
   */
  simd?: SimdPreference;
  /**
   * Threads for large kernels, the calling thread included (as setNumThreads); init waits until the
   * workers are ready. Default in Node: the number of cores; 1 where SharedArrayBuffer is unavailable.
   */
  threads?: number;
}

/** What runs the kernels: the backend and, once the WebAssembly module is loaded, which build of it. */
export interface BackendInfo {
  backend: BackendName;
  /** The loaded WebAssembly build (`relaxed-simd` or `simd`), or null before the module is loaded. */
  build: WasmBuild | null;
  /** The build preference in effect (init({ simd }) or WASMGRAD_WASM_BUILD). */
  simd: SimdPreference;
  /** Threads the kernels run on. */
  threads: number;
}

/** The current backend and WebAssembly build, e.g. `{ backend: 'wasm', build: 'relaxed-simd', ... }`. */
export function backendInfo(): BackendInfo {
  return { backend: currentName, build: wasmBuild, simd: simdPreference, threads: getNumThreads() };
}

function buildMatches(pref: SimdPreference, build: WasmBuild | null): boolean {
  return pref === 'auto' || (pref === 'plain' ? build === 'simd' : build === 'relaxed-simd');
}

/** Loads the WebAssembly module; needed once in browsers, optional in Node. */
export async function init(options: InitOptions = {}): Promise<void> {
  checkOptions('init', options, ['backend', 'threads', 'simd', 'wasmUrl', 'relaxedWasmUrl', 'workerUrl']);
  if (options.workerUrl !== undefined) {
    setWorkerUrl(new URL(options.workerUrl, (globalThis as { location?: { href: string } }).location?.href ?? import.meta.url));
  }
  if (options.threads !== undefined) requestedThreads = checkThreads(options.threads, 'init');
  if (options.simd !== undefined) {
    if (options.simd !== 'auto' && options.simd !== 'plain' && options.simd !== 'relaxed') {
      throw new TypeError(`init: unknown simd option ${JSON.stringify(options.simd)} (expected 'auto', 'plain' or 'relaxed')`);
    }
    simdPreference = options.simd;
    if (!buildMatches(simdPreference, wasmBuild)) wasmKernels = null;
  }
  if (wasmKernels === null) {
    adopt(await loadKernels({ simd: simdPreference, wasmUrl: options.wasmUrl, relaxedWasmUrl: options.relaxedWasmUrl }));
  } else if (options.threads !== undefined && threadsSupported()) {
    configureThreads(options.threads);
  }
  if (options.backend !== undefined) setBackend(options.backend);
  else if (currentName === 'wasm') current = wasmKernels;
  threadsNotice();
  if (threadsSupported()) {
    try {
      await whenReady();
    } catch (err) {
      // the workers cannot start (e.g. kernel-worker.mjs is not where workerUrl says): one thread, one warning
      requestedThreads = 1;
      configureThreads(1);
      console.warn(`${(err as Error).message}; running single-threaded (init({ workerUrl }) sets where kernel-worker.mjs is)`);
    }
  }
}

let noticeShown = false;

/**
 * One console line where threads are impossible and the user did not ask for one thread: a browser page
 * that is not cross-origin isolated (naming the two headers), or Node without SharedArrayBuffer.
 */
function threadsNotice(): void {
  if (noticeShown || threadsSupported()) return;
  const isolated = (globalThis as { crossOriginIsolated?: unknown }).crossOriginIsolated;
  if (typeof isolated !== 'boolean') {
    // Node: threads unless SharedArrayBuffer is missing or WASMGRAD_THREADS=1 turned them off
    const proc = (globalThis as { process?: { getBuiltinModule?: unknown; env?: Record<string, string | undefined> } }).process;
    if (typeof proc?.getBuiltinModule !== 'function' || proc.env?.WASMGRAD_THREADS?.trim() === '1') return;
    noticeShown = true;
    console.info('wasmgrad: running single-threaded; SharedArrayBuffer is not available in this process');
    return;
  }
  noticeShown = true;
  console.info(
    isolated
      ? 'wasmgrad: running single-threaded; this page is cross-origin isolated but cannot start Web Workers'
      : 'wasmgrad: running single-threaded; threads need a cross-origin isolated page: serve it with ' +
          '`Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`',
  );
}

/** Selects the backend all following ops run on. Tensors stay valid: both use the same memory. */
export function setBackend(name: BackendName): void {
  if (name !== 'js' && name !== 'wasm') {
    throw new TypeError(`setBackend: unknown backend ${JSON.stringify(name)} (expected 'js' or 'wasm')`);
  }
  currentName = name;
  current = name === 'js' ? jsKernels : wasmKernels ?? loadWasmSync();
}

export function getBackend(): BackendName {
  return currentName;
}

/** Direct access to a backend's kernels (tests compare one against the other). */
export function kernelsOf(name: BackendName): Kernels {
  return name === 'js' ? jsKernels : wasmKernels ?? loadWasmSync();
}
