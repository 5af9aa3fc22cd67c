/**
 * Optimizer and lr-scheduler state in safetensors, in two layouts.
 *
 * wasmgrad's layout (from `optimizer.stateDict()`): each state tensor is an entry `optim.<param index>.<key>`
 * (PyTorch's key names: `optim.0.exp_avg`, `optim.0.momentum_buffer`, ...); numbers in the state (`step`)
 * and the parameter groups' hyperparameters (camelCase) go to `__metadata__` as JSON under
 * `optim.state_scalars` and `optim.param_groups`.
 *
 * PyTorch's layout (from `optimizer.stateDict({ format: 'pytorch' })`, or written by
 * `python/wasmgrad_torch.py`'s `save_optimizer`): state tensors as `state.<param index>.<key>` (Adam's
 * `step` a 0-d float32 tensor, as PyTorch keeps it), numbers in the state under `state_scalars` and the
 * groups (PyTorch's snake_case keys) under `param_groups` in `__metadata__` as JSON, plus
 * `format: "pytorch"`. `load_optimizer` in the Python module reads both layouts into any torch.optim optimizer.
 *
 * Schedulers: no tensors; the state dict (either format) as JSON under `lr_scheduler` in `__metadata__`.
 */
import { Tensor } from '../tensor/tensor.js';
import type { AnyOptimizerStateDict, OptimizerStateDict, PytorchOptimizerStateDict } from '../optim/optimizer.js';
import type { SchedulerStateDict } from '../optim/lr-scheduler.js';
import { fromSafetensors, readSafetensorsMetadata, SafetensorsError, toSafetensors } from './safetensors.js';

const PREFIX = 'optim.';

/**
 * Serialises an optimizer state dict: `optimizer.stateDict()` in wasmgrad's layout,
 * `optimizer.stateDict({ format: 'pytorch' })` in PyTorch's (see the file's doc comment).
 */
export function optimizerStateToSafetensors(stateDict: AnyOptimizerStateDict, metadata: Record<string, string> = {}): Uint8Array {
  const op = 'optimizerStateToSafetensors';
  if (stateDict === null || typeof stateDict !== 'object' || typeof stateDict.state !== 'object' || stateDict.state === null) {
    throw new TypeError(`${op}: expected optimizer.stateDict()`);
  }
  const pytorch = 'param_groups' in stateDict;
  const rawGroups = pytorch ? (stateDict as PytorchOptimizerStateDict).param_groups : (stateDict as OptimizerStateDict).paramGroups;
  if (!Array.isArray(rawGroups)) throw new TypeError(`${op}: expected optimizer.stateDict() (paramGroups or param_groups)`);
  const prefix = pytorch ? 'state.' : PREFIX;
  const tensors: Record<string, Tensor> = {};
  const scalars: Record<string, Record<string, number>> = {};
  for (const [index, entry] of Object.entries(stateDict.state)) {
    for (const [key, value] of Object.entries(entry as Record<string, unknown>)) {
      if (value instanceof Tensor) tensors[`${prefix}${index}.${key}`] = value;
      else if (typeof value === 'number') (scalars[index] ??= {})[key] = value;
      else if (value !== null && value !== undefined) {
        throw new TypeError(`${op}: state '${key}' of parameter ${index} must be a Tensor or a number`);
      }
    }
  }
  const groups = rawGroups.map((g) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(g)) {
      if (v instanceof Tensor) throw new TypeError(`${op}: hyperparameter '${k}' is a tensor; only numbers, booleans, arrays and strings are saved`);
      out[k] = v;
    }
    return out;
  });
  if (pytorch) {
    return toSafetensors(tensors, {
      ...metadata, format: 'pytorch', param_groups: JSON.stringify(groups), state_scalars: JSON.stringify(scalars),
    });
  }
  return toSafetensors(tensors, {
    ...metadata,
    'optim.param_groups': JSON.stringify(groups),
    'optim.state_scalars': JSON.stringify(scalars),
  });
}

function parseJson(op: string, what: string, json: string): unknown {
  try {
    return JSON.parse(json);
  } catch (e) {
    throw new SafetensorsError(`${op}: ${what} is not valid JSON (${(e as Error).message})`);
  }
}

/**
 * Reads bytes written by optimizerStateToSafetensors (either layout) or by python/wasmgrad_torch.py's
 * `save_optimizer` into a dict for `optimizer.loadStateDict()`: `{state, paramGroups}` for wasmgrad's layout,
 * PyTorch's `{state, param_groups}` for PyTorch's.
 */
export function optimizerStateFromSafetensors(bytes: Uint8Array | ArrayBuffer): AnyOptimizerStateDict {
  const op = 'optimizerStateFromSafetensors';
  const meta = readSafetensorsMetadata(bytes);
  const pytorch = meta['param_groups'] !== undefined;
  const groupsJson = pytorch ? meta['param_groups'] : meta['optim.param_groups'];
  const scalarsJson = pytorch ? meta['state_scalars'] ?? '{}' : meta['optim.state_scalars'];
  if (groupsJson === undefined || scalarsJson === undefined) {
    throw new SafetensorsError(`${op}: the file has no optimizer metadata (optim.param_groups, optim.state_scalars; ` +
      "or PyTorch's layout: param_groups)");
  }
  const paramGroups = parseJson(op, 'optimizer metadata', groupsJson) as (Record<string, unknown> & { params: number[] })[];
  const scalars = parseJson(op, 'optimizer metadata', scalarsJson) as Record<string, Record<string, number>>;
  if (!Array.isArray(paramGroups) || paramGroups.some((g) => !g || !Array.isArray(g.params))) {
    throw new SafetensorsError(`${op}: ${pytorch ? 'param_groups' : 'optim.param_groups'} must be a list of groups with params`);
  }
  if (scalars === null || typeof scalars !== 'object' || Array.isArray(scalars)) {
    throw new SafetensorsError(`${op}: state scalars must be an object`);
  }
  const state: Record<number, Record<string, Tensor | number>> = {};
  for (const [index, entry] of Object.entries(scalars)) state[Number(index)] = { ...entry };
  const re = pytorch ? /^state\.(\d+)\.(.+)$/ : /^optim\.(\d+)\.(.+)$/;
  const all = fromSafetensors(bytes, { aliases: false }); // metadata here is the state layout, not tied-weight aliases
  for (const [name, t] of Object.entries(all)) {
    const m = re.exec(name);
    if (m === null) {
      for (const x of Object.values(all)) x.dispose();
      throw new SafetensorsError(`${op}: unexpected tensor '${name}' (expected ${pytorch ? 'state' : 'optim'}.<index>.<key>)`);
    }
    (state[Number(m[1])] ??= {})[m[2]!] = t;
  }
  return pytorch ? { state, param_groups: paramGroups } : { state, paramGroups };
}

/** Serialises `scheduler.stateDict()` (either format) as JSON under `lr_scheduler` in `__metadata__`. */
export function schedulerStateToSafetensors(stateDict: SchedulerStateDict, metadata: Record<string, string> = {}): Uint8Array {
  if (stateDict === null || typeof stateDict !== 'object' || Array.isArray(stateDict)) {
    throw new TypeError('schedulerStateToSafetensors: expected scheduler.stateDict()');
  }
  const pytorch = 'last_epoch' in stateDict;
  return toSafetensors({}, { ...metadata, ...(pytorch ? { format: 'pytorch' } : {}), lr_scheduler: JSON.stringify(stateDict) });
}

/** Reads bytes written by schedulerStateToSafetensors or python/wasmgrad_torch.py's `save_scheduler`. */
export function schedulerStateFromSafetensors(bytes: Uint8Array | ArrayBuffer): SchedulerStateDict {
  const op = 'schedulerStateFromSafetensors';
  const json = readSafetensorsMetadata(bytes)['lr_scheduler'];
  if (json === undefined) throw new SafetensorsError(`${op}: the file has no lr_scheduler metadata`);
  const sd = parseJson(op, 'lr_scheduler metadata', json);
  if (sd === null || typeof sd !== 'object' || Array.isArray(sd)) throw new SafetensorsError(`${op}: lr_scheduler must be an object`);
  return sd as SchedulerStateDict;
}
