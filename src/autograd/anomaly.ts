/**
 * Anomaly detection (PyTorch's torch.autograd.detect_anomaly): while it is on, the first op that makes a
 * NaN throws, naming itself.
 *
 * - Forward: every op that goes through record() (see node.ts) has its float32 output searched for NaN.
 *   Only an op whose tensor inputs hold no NaN is blamed: a NaN that merely flows through later ops was
 *   reported where it appeared, and one the op received (from the user's data, an optimizer step, a value
 *   written in place) is not the op's doing, so it is not reported at all. Infinity is not an anomaly
 *   (log(0) = -Infinity is a legitimate value); an op that turns it into NaN (inf - inf, 0 * inf) is.
 *   A NaN passed as a plain number operand (`x.mul(NaN)`) counts as made by the op.
 *   Views and in-place results (outputs sharing an input's storage) make no new values and are skipped.
 * - Backward: every gradient a backward function returns is searched; the first with a NaN throws
 *   PyTorch's message, followed by the stack of the forward call that created that node (captured when
 *   the node was recorded, so the op must have run with the mode on to have one). The ops inside backward
 *   rules are not checked one by one: the node that returned the NaN is named instead.
 *
 * Non-contiguous tensors are searched through a contiguous copy. The search is a kernel (find_nan_f32).
 * When off, the cost is one field read per op (and one per backward node).
 */
import { kernels } from '../backends/index.js';
import { shapeStr } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { rawContiguous } from '../ops/copy.js';
import type { Node } from './node.js';

/** @internal read on every op by record() and the engine: plain fields, so the check is one load. */
export const anomalyMode = {
  /** The mode is on (backward functions are checked, recorded nodes keep their forward stack). */
  enabled: false,
  /** Op outputs are checked: the mode is on and no backward pass is running (the engine clears it). */
  checkForward: false,
};

/** Whether anomaly detection is on. */
export function isAnomalyEnabled(): boolean {
  return anomalyMode.enabled;
}

/**
 * Turns anomaly detection on or off for everything that follows (PyTorch's set_detect_anomaly).
 * It makes every op search its output for NaN and every recorded op capture a stack trace: for debugging,
 * not for training at full speed.
 */
export function setDetectAnomaly(on: boolean): void {
  if (typeof on !== 'boolean') throw new TypeError(`setDetectAnomaly: expected a boolean, got ${typeof on}`);
  anomalyMode.enabled = on;
  anomalyMode.checkForward = on;
}

/**
 * Runs `fn` with anomaly detection on and restores the previous setting afterwards, also when fn throws.
 * If fn returns a promise, the setting is restored when it settles (the mode is global meanwhile: other
 * code that runs while it is pending is checked too).
 * @example detectAnomaly(() => model.forward(x).sum().backward())
 */
export function detectAnomaly<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError(`detectAnomaly: expected a function, got ${typeof fn}`);
  const prev = anomalyMode.enabled;
  setDetectAnomaly(true);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    setDetectAnomaly(prev);
    throw e;
  }
  if (result instanceof Promise) return result.finally(() => setDetectAnomaly(prev)) as T;
  setDetectAnomaly(prev);
  return result;
}

/** Index of the first NaN of a float32 tensor in row-major order, or -1. */
function firstNaN(t: Tensor): number {
  const n = t.numel();
  if (t.dtype !== 'float32' || n === 0) return -1;
  if (t.isContiguous()) return kernels().find_nan_f32(t.ptr, n);
  const c = rawContiguous(t);
  const at = kernels().find_nan_f32(c.ptr, n);
  c.dispose();
  return at;
}

/** The row-major flat index `at` as a multi-index of `shape`, e.g. [1, 0]. */
function indexStr(at: number, shape: readonly number[]): string {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = at % shape[d]!;
    at = Math.floor(at / shape[d]!);
  }
  return shapeStr(idx);
}

/** The op a node name stands for, in the library's spelling: 'LogSoftmaxBackward0' -> 'logSoftmax'. */
function opName(nodeName: string): string {
  const base = nodeName.replace(/Backward\d*$/, '');
  return base.charAt(0).toLowerCase() + base.slice(1);
}

/**
 * Sets `target.stack` to the current stack trace, starting at the caller of `below` (V8's
 * Error.captureStackTrace; elsewhere the whole trace). The limit is raised while capturing so the trace
 * reaches the user's code through deep op stacks (nn modules, composite ops): V8 keeps 10 frames by default.
 */
function captureStack<T extends { stack?: string }>(target: T, below: Function): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = Math.max(limit, 50);
  try {
    if (typeof Error.captureStackTrace === 'function') Error.captureStackTrace(target, below);
    else target.stack = new Error().stack;
  } finally {
    Error.stackTraceLimit = limit;
  }
  return target;
}

/**
 * @internal record(): throws if `out`, an op's result, holds a NaN while its tensor inputs hold none.
 * The result is disposed first (the caller never receives it).
 */
export function checkForward(out: Tensor, name: string, inputs: readonly (Tensor | null)[]): void {
  if (out.dtype !== 'float32') return;
  for (let i = 0; i < inputs.length; i++) {
    if (inputs[i]?.storage === out.storage) return; // a view or an in-place result
  }
  const at = firstNaN(out);
  if (at < 0) return;
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i];
    if (t != null && firstNaN(t) >= 0) return; // the NaN came in: not this op's doing
  }
  const shape = out.shape;
  out.dispose();
  const message =
    `detectAnomaly: ${opName(name)} produced NaN in its output (shape ${shapeStr(shape)}, first at index ` +
    `${indexStr(at, shape)}) from inputs without NaN`;
  throw captureStack(new Error(message), checkForward); // the trace starts in the op
}

/** Where recorded nodes were created: a holder whose `stack` V8 formats only when read. */
const forwardStacks = new WeakMap<Node, { stack?: string }>();

/** @internal record(): remembers where `node` was created (the stack below `recordFn`). */
export function rememberForward(node: Node, recordFn: Function): void {
  forwardStacks.set(node, captureStack({}, recordFn));
}

/** The stack recorded for `node`, without its leading "Error" line. */
function forwardStack(node: Node): string | null {
  const stack = forwardStacks.get(node)?.stack;
  if (stack === undefined) return null;
  return stack.startsWith('Error\n') ? stack.slice(6) : stack;
}

/**
 * @internal the engine: throws if a gradient `node`'s backward function returned holds a NaN (PyTorch's
 * message, then where the node was created).
 */
export function checkBackward(node: Node, grads: readonly (Tensor | null)[]): void {
  for (let i = 0; i < grads.length; i++) {
    const g = grads[i];
    if (g == null) continue;
    const at = firstNaN(g);
    if (at < 0) continue;
    const stack = forwardStack(node);
    throw new Error(
      `detectAnomaly: Function '${node.name}' returned nan values in its ${i}th output.\n` +
        `The gradient has shape ${shapeStr(g.shape)}, first NaN at index ${indexStr(at, g.shape)}.\n` +
        (stack === null
          ? 'No forward stack: the op that created this node ran with anomaly detection off (turn it on before the forward pass).'
          : `The forward call that created it:\n${stack}`),
    );
  }
}
