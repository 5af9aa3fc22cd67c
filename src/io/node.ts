/**
 * save/load of safetensors files in Node. `node:fs` is reached through `process.getBuiltinModule`
 * (Node >= 20.16) at call time, never imported statically, so browser bundles of wasmgrad do not see it.
 */
import type * as NodeFs from 'node:fs';
import type { Tensor } from '../tensor/tensor.js';
import {
  fromSafetensors, readSafetensorsMetadata, toSafetensors, type FromSafetensorsOptions, type ToSafetensorsOptions,
} from './safetensors.js';
import { checkOptions } from '../options.js';

function nodeFs(op: string): typeof NodeFs {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== 'function') {
    throw new Error(
      `${op}: needs Node >= 20.16 (process.getBuiltinModule); elsewhere use toSafetensors/fromSafetensors on bytes`,
    );
  }
  return proc.getBuiltinModule('node:fs') as typeof NodeFs;
}

/**
 * Writes named tensors (a state dict: plain object or Map) to a safetensors file that PyTorch's
 * `safetensors.torch.load_file` reads. `metadata` goes to the header's `__metadata__` map; `options` are
 * toSafetensors's (`dtype: 'float16' | 'bfloat16'`, `tied: 'alias'`).
 * @example save(model.stateDict(), 'model.safetensors', { epochs: '3' });
 * @example save(model.stateDict(), 'model.safetensors', null, { dtype: 'bfloat16', tied: 'alias' });
 */
export function save(
  stateDict: Record<string, Tensor> | Map<string, Tensor>,
  path: string | URL,
  metadata?: Record<string, string> | null,
  options?: ToSafetensorsOptions | null,
): void {
  checkOptions('save', options, ['dtype', 'tied']);
  const bytes = toSafetensors(stateDict, metadata, options);
  nodeFs('save').writeFileSync(path, bytes);
}

/**
 * Reads a safetensors file: a plain object of name → Tensor (like `safetensors.torch.load_file`), plus the
 * tied-weight aliases of `save_model` files unless `{ aliases: false }` (see fromSafetensors).
 */
export function load(path: string | URL, options?: FromSafetensorsOptions | null): Record<string, Tensor> {
  checkOptions('load', options, ['aliases']);
  return fromSafetensors(nodeFs('load').readFileSync(path), options);
}

/** The `__metadata__` map of a safetensors file. */
export function loadMetadata(path: string | URL): Record<string, string> {
  return readSafetensorsMetadata(nodeFs('loadMetadata').readFileSync(path));
}
