/**
 * Optimizer state in safetensors: each state tensor is an entry `optim.<param index>.<key>` (PyTorch's
 * key names: `optim.0.exp_avg`, `optim.0.momentum_buffer`, ...); numbers in the state (`step`) and the
 * parameter groups' hyperparameters go to `__metadata__` as JSON under `optim.state_scalars` and
 * `optim.param_groups`.
 */
import { Tensor } from '../tensor/tensor.js';
import type { OptimizerStateDict } from '../optim/optimizer.js';
import { fromSafetensors, readSafetensorsMetadata, SafetensorsError, toSafetensors } from './safetensors.js';

const PREFIX = 'optim.';

/** Serialises `optimizer.stateDict()`. */
export function optimizerStateToSafetensors(stateDict: OptimizerStateDict, metadata: Record<string, string> = {}): Uint8Array {
  const tensors: Record<string, Tensor> = {};
  const scalars: Record<string, Record<string, number>> = {};
  for (const [index, entry] of Object.entries(stateDict.state)) {
    for (const [key, value] of Object.entries(entry)) {
      if (value instanceof Tensor) tensors[`${PREFIX}${index}.${key}`] = value;
      else (scalars[index] ??= {})[key] = value;
    }
  }
  const groups = stateDict.paramGroups.map((g) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(g)) {
      if (v instanceof Tensor) throw new TypeError(`optimizerStateToSafetensors: hyperparameter '${k}' is a tensor; only numbers, booleans, arrays and strings are saved`);
      out[k] = v;
    }
    return out;
  });
  return toSafetensors(tensors, {
    ...metadata,
    'optim.param_groups': JSON.stringify(groups),
    'optim.state_scalars': JSON.stringify(scalars),
  });
}

/** Reads bytes written by optimizerStateToSafetensors back into a dict for `optimizer.loadStateDict()`. */
export function optimizerStateFromSafetensors(bytes: Uint8Array | ArrayBuffer): OptimizerStateDict {
  const meta = readSafetensorsMetadata(bytes);
  const groupsJson = meta['optim.param_groups'];
  const scalarsJson = meta['optim.state_scalars'];
  if (groupsJson === undefined || scalarsJson === undefined) {
    throw new SafetensorsError('optimizerStateFromSafetensors: the file has no optimizer metadata (optim.param_groups, optim.state_scalars)');
  }
  let paramGroups: OptimizerStateDict['paramGroups'];
  let scalars: Record<string, Record<string, number>>;
  try {
    paramGroups = JSON.parse(groupsJson);
    scalars = JSON.parse(scalarsJson);
  } catch (e) {
    throw new SafetensorsError(`optimizerStateFromSafetensors: optimizer metadata is not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(paramGroups) || paramGroups.some((g) => !g || !Array.isArray(g.params))) {
    throw new SafetensorsError('optimizerStateFromSafetensors: optim.param_groups must be a list of groups with params');
  }
  const state: OptimizerStateDict['state'] = {};
  for (const [index, entry] of Object.entries(scalars ?? {})) state[Number(index)] = { ...entry };
  for (const [name, t] of Object.entries(fromSafetensors(bytes))) {
    const m = /^optim\.(\d+)\.(.+)$/.exec(name);
    if (m === null) {
      t.dispose();
      throw new SafetensorsError(`optimizerStateFromSafetensors: unexpected tensor '${name}' (expected optim.<index>.<key>)`);
    }
    (state[Number(m[1])] ??= {})[m[2]!] = t;
  }
  return { state, paramGroups };
}
