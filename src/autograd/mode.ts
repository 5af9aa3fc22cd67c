/** Whether ops record themselves for autograd (PyTorch's grad mode). */

let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

/** @internal */
export function setGradEnabled(v: boolean): boolean {
  const prev = enabled;
  enabled = v;
  return prev;
}

/** Runs `fn` with gradient recording off (like `with torch.no_grad():`) and returns its result. */
export function noGrad<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError(`noGrad: expects a function, got ${typeof fn}`);
  const prev = setGradEnabled(false);
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/** Runs `fn` with gradient recording on, even inside noGrad. */
export function enableGrad<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError(`enableGrad: expects a function, got ${typeof fn}`);
  const prev = setGradEnabled(true);
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}
