/**
 * Backend selection. Both backends implement the same kernel table (kernels.ts) over the same memory:
 * `wasm` (AssemblyScript + SIMD, the default) and `js` (plain TypeScript, the reference).
 */
import type { Kernels } from './kernels.js';
import { jsKernels } from './js/index.js';
import {
  defaultWasmUrl,
  instantiateKernels,
  instantiateKernelsSync,
  readWasmFileSync,
} from './wasm/loader.js';

export type BackendName = 'js' | 'wasm';

let wasmKernels: Kernels | null = null;
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
  wasmKernels = instantiateKernelsSync(readWasmFileSync(defaultWasmUrl));
  return wasmKernels;
}

/** The kernel table of the current backend (loads the wasm module synchronously in Node on first use). */
export function K(): Kernels {
  if (current !== null) return current;
  current = loadWasmSync();
  return current;
}

export interface InitOptions {
  /** Backend to select after loading (default: keep the current one, `wasm` unless changed). */
  backend?: BackendName;
  /** Where to fetch the `.wasm` file from (default: next to this module, via import.meta.url). */
  wasmUrl?: string | URL;
}

/** Loads the WebAssembly module; needed once in browsers, optional in Node. */
export async function init(options: InitOptions = {}): Promise<void> {
  if (wasmKernels === null) {
    wasmKernels = await instantiateKernels(options.wasmUrl ?? defaultWasmUrl);
  }
  if (options.backend !== undefined) setBackend(options.backend);
  else if (currentName === 'wasm') current = wasmKernels;
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
