/** Dropout with the library's seeded random source (manualSeed makes masks reproducible). */
import { kernels } from '../backends/index.js';
import { heap } from '../backends/memory.js';
import { record } from '../autograd/node.js';
import { isTracing } from '../onnx/trace.js';
import { defaultGenerator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { positionalOptions } from '../options.js';
import { checkInplace, inplace as inplaceOp } from './copy.js';
import { mul } from './binary.js';
import { describeValue, type PositionalOr } from './loss.js';

export interface DropoutOptions {
  /** Zeroing probability, in [0, 1]; default 0.5. */
  p?: number;
  /** Dropout is applied only when training (default true); otherwise the input is returned. */
  training?: boolean;
  /** Write the result into the input (autograd-correct, as PyTorch's inplace=True); default false. */
  inplace?: boolean;
}

/** Throws unless p is a probability; names the function. */
export function checkDropoutP(p: unknown, op: string): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`${op}: dropout probability has to be between 0 and 1, but got ${describeValue(p)}`);
  return p;
}

/** Throws unless v is a boolean (undefined gives `dflt`). */
export function checkBool(v: unknown, dflt: boolean, op: string, name: string): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new TypeError(`${op}: ${name} must be a boolean, got ${describeValue(v)}`);
  return v;
}

/**
 * Zeroes each element with probability p and scales the kept ones by 1/(1-p) when training; identity
 * otherwise. p = 1 zeroes everything. The gradient is the same mask times the incoming gradient.
 * Arguments as PyTorch's F.dropout: (x, p = 0.5, training = true, inplace = false), and/or a trailing
 * options object { p, training, inplace }. With inplace the result is written into x (and x returned).
 * @example dropout(x, 0.2, model.training)
 */
export function dropout(x: Tensor, ...args: PositionalOr<[p: number, training: boolean, inplace: boolean], DropoutOptions>): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError('dropout: input must be a Tensor');
  let p: number, training: boolean, inplace: boolean;
  if (args.length <= 2 && (args[0] === undefined || typeof args[0] === 'number') && (args[1] === undefined || typeof args[1] === 'boolean')) {
    // the common (x, p, training) call, without building an options object
    p = checkDropoutP(args[0] ?? 0.5, 'dropout');
    training = (args[1] as boolean | undefined) ?? true;
    inplace = false;
  } else {
    const o = positionalOptions<DropoutOptions>('dropout', args, ['p', 'training', 'inplace']);
    p = checkDropoutP(o.p ?? 0.5, 'dropout');
    training = checkBool(o.training, true, 'dropout', 'training');
    inplace = checkBool(o.inplace, false, 'dropout', 'inplace');
  }
  if (!training || p === 0) return x;
  if (inplace) checkInplace(x, 'dropout'); // before the generator advances
  // float32 contiguous x, not in place and not traced: the kernel writes the output along with the mask,
  // the values x.mul(mask) gives, recorded as the same node; otherwise it draws the mask for x.mul
  const fused = p < 1 && !inplace && x.dtype === 'float32' && x.isContiguous() && !isTracing();
  const m = Tensor.empty([...x.shape], 'float32');
  let out: Tensor | null = null;
  try {
    if (fused) out = Tensor.empty([...x.shape], 'float32');
    if (p < 1) drawMask(fused ? x : null, out, m, p);
    else heap.f32.fill(0, m.ptr >>> 2, (m.ptr >>> 2) + m.numel());
  } catch (e) {
    m.dispose();
    out?.dispose();
    throw e;
  }
  let y: Tensor;
  if (out !== null) {
    // mul's node: the gradient of x is g * mask (the mask is saved only when x needs a gradient)
    y = record(out, 'MulBackward0', [x, m], x.requiresGrad ? [m] : [], (g, [sm]) => [g.mul(sm!), null]);
  } else {
    try {
      y = inplace ? inplaceOp(x, mul, m, undefined, 'dropout') : x.mul(m);
    } catch (e) {
      m.dispose();
      throw e;
    }
  }
  // the mask is this op's own: freed once the backward node no longer needs it, not left to the GC
  m._releaseToGraph();
  return y;
}

/**
 * Draws the mask of dropout with probability p < 1 into `m` from the default generator (the draws
 * nextUniform would make, in order: an element is zeroed when its uniform is below p, else scaled by
 * 1/(1-p)); with x, also writes out = x * mask.
 */
function drawMask(x: Tensor | null, out: Tensor | null, m: Tensor, p: number): void {
  const state = heap.alloc(16);
  try {
    defaultGenerator._saveTo(heap.i32, state >>> 2);
    // uniforms are k / 2^24 for integers k, so u < p exactly when k < ceil(p * 2^24) (p * 2^24 is exact)
    kernels().dropout_f32(x === null ? 0 : x.ptr, out === null ? 0 : out.ptr, m.ptr, m.numel(), Math.ceil(p * 16777216), 1 / (1 - p), state);
    defaultGenerator._restoreFrom(heap.i32, state >>> 2);
  } finally {
    heap.free(state, 16);
  }
}
