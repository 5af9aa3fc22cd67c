/**
 * Loads the AssemblyScript kernel module (`build/wasmgrad.wasm`, built by `npm run asbuild`) and
 * instantiates it on the shared heap memory. The module imports `env.memory` and nothing else; its
 * static data lives in [1 KiB, 16 KiB) of that memory.
 */
import { heap } from '../memory.js';
import type { Kernels } from '../kernels.js';

/** Where the build puts the module, relative to this file (src/backends/wasm/ -> build/). */
export const defaultWasmUrl = new URL('../../../build/wasmgrad.wasm', import.meta.url);

function imports(): WebAssembly.Imports {
  return { env: { memory: heap.memory } };
}

function asKernels(instance: WebAssembly.Instance): Kernels {
  return instance.exports as unknown as Kernels;
}

/** Node-only file access without a static `node:fs` import (so browser bundles never see it). */
function nodeFs(): typeof import('node:fs') | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (proc === undefined || typeof proc.getBuiltinModule !== 'function') return undefined;
  return proc.getBuiltinModule('fs') as typeof import('node:fs') | undefined;
}

/** Reads a `file:` URL synchronously in Node (>= 20.16, which has `process.getBuiltinModule`). */
export function readWasmFileSync(url: URL): Uint8Array<ArrayBuffer> {
  const fs = nodeFs();
  if (fs === undefined) {
    throw new Error(`readWasmFileSync(${url.href}): synchronous file access needs Node >= 20.16`);
  }
  try {
    return new Uint8Array(fs.readFileSync(url));
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
  const module = new WebAssembly.Module(bytes);
  return asKernels(new WebAssembly.Instance(module, imports()));
}

function isResponse(x: unknown): x is Response {
  return typeof Response !== 'undefined' && x instanceof Response;
}

async function fromResponse(res: Response): Promise<Kernels> {
  if (!res.ok) throw new Error(`wasmgrad: fetching ${res.url} failed: ${res.status} ${res.statusText}`);
  const type = res.headers.get('Content-Type') ?? '';
  if (typeof WebAssembly.instantiateStreaming === 'function' && type.startsWith('application/wasm')) {
    const { instance } = await WebAssembly.instantiateStreaming(res, imports());
    return asKernels(instance);
  }
  // wrong MIME type (or no streaming support): buffer it
  const { instance } = await WebAssembly.instantiate(await res.arrayBuffer(), imports());
  return asKernels(instance);
}

/**
 * Instantiates the module from a URL (a `file:` URL is read from disk in Node; others are fetched,
 * streaming when the server sends application/wasm), a Response, or the module's bytes.
 */
export async function instantiateKernels(source: URL | string | Response | BufferSource): Promise<Kernels> {
  if (isResponse(source)) return fromResponse(source);
  if (typeof source === 'string' || source instanceof URL) {
    const url = typeof source === 'string' ? new URL(source, globalThis.location?.href ?? import.meta.url) : source;
    if (url.protocol === 'file:') {
      const fs = nodeFs();
      if (fs !== undefined) {
        const bytes = await fs.promises.readFile(url);
        const { instance } = await WebAssembly.instantiate(bytes, imports());
        return asKernels(instance);
      }
    }
    return fromResponse(await fetch(url));
  }
  const { instance } = await WebAssembly.instantiate(source, imports());
  return asKernels(instance);
}
