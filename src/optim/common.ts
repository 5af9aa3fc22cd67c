/**
 * Helpers shared by the optimizers whose updates are written with tensor ops (Adagrad, Adadelta, Adamax,
 * NAdam, RAdam): betas checks, the effective gradient (maximize, L2 weight decay) and temporaries freed
 * after each parameter's update.
 */
import type { Tensor } from '../tensor/tensor.js';

/** Checks PyTorch's `betas`: two numbers in [0, 1) (PyTorch's "Invalid beta parameter at index i"). */
export function checkBetas(name: string, betas: unknown): void {
  if (!Array.isArray(betas) || betas.length !== 2) {
    throw new TypeError(`${name}: betas must be an array of two numbers, got ${String(betas)}`);
  }
  for (let i = 0; i < 2; i++) {
    const b = betas[i] as unknown;
    if (typeof b !== 'number' || !(b >= 0 && b < 1)) throw new RangeError(`${name}: Invalid beta parameter at index ${i}: ${String(b)}`);
  }
}

/** `betas` from an options object (copied) or the default. */
export function betasOf(b: readonly number[] | undefined, dflt: [number, number]): [number, number] {
  if (b === undefined) return [...dflt];
  return Array.isArray(b) ? ([...b] as [number, number]) : (b as unknown as [number, number]);
}

/**
 * Runs `f` with a `tmp` function that registers a temporary tensor, and disposes every registered
 * temporary afterwards (also when `f` throws).
 */
export function withTemps<R>(f: (tmp: <T extends Tensor>(t: T) => T) => R): R {
  const temps: Tensor[] = [];
  try {
    return f((t) => {
      temps.push(t);
      return t;
    });
  } finally {
    for (const t of temps) if (!t.isDisposed) t.dispose();
  }
}

/**
 * The gradient an update uses: negated when maximizing, plus `weightDecay * p` (the L2 term) when
 * weightDecay is not 0 and not decoupled. New tensors are registered with `tmp`.
 */
export function effectiveGrad(
  g: Tensor, p: Tensor, maximize: boolean, weightDecay: number, tmp: <T extends Tensor>(t: T) => T,
): Tensor {
  let out = maximize ? tmp(g.neg()) : g;
  if (weightDecay !== 0) out = tmp(out.add(p, weightDecay));
  return out;
}
