/** Loss functions (PyTorch's reductions: 'mean' by default, 'sum', 'none'). */
import { K } from '../backends/index.js';
import { heap } from '../backends/memory.js';
import { onEdge, record, type GraphNode } from '../autograd/node.js';
import { tensor } from '../tensor/creation.js';
import { isGradEnabled, noGrad } from '../autograd/mode.js';
import { sameShape, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { floatContiguous } from './unary.js';
import { rawContiguous } from './copy.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface LossOptions {
  reduction?: Reduction;
}

export interface CrossEntropyOptions extends LossOptions {
  /** In [0, 1]: the target becomes (1 - labelSmoothing) * one-hot + labelSmoothing / C (default 0). */
  labelSmoothing?: number;
}

/**
 * Applies the reduction to `loss`, the per-element loss the caller just made. Reduced, it is an intermediate
 * no user code can reach: its memory goes back now (or when the backward nodes that saved it are released)
 * instead of at the next garbage collection, which a training loop would otherwise need every few hundred steps.
 */
function reduce(loss: Tensor, reduction: Reduction | undefined, op: string): Tensor {
  let out: Tensor;
  switch (reduction ?? 'mean') {
    case 'mean':
      out = loss.mean();
      break;
    case 'sum':
      out = loss.sum();
      break;
    case 'none':
      return loss;
    default:
      throw new RangeError(`${op}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
  }
  loss._releaseToGraph();
  return out;
}

/** Mean squared error. */
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  if (!(input instanceof Tensor) || !(target instanceof Tensor)) throw new TypeError('mseLoss: input and target must be Tensors');
  if (!sameShape(input.shape, target.shape)) {
    throw new RangeError(`mseLoss: input shape ${shapeStr(input.shape)} and target shape ${shapeStr(target.shape)} differ`);
  }
  const diff = input.sub(target);
  const sq = diff.pow(2);
  diff._releaseToGraph(); // saved by the square's backward node only
  return reduce(sq, options?.reduction, 'mseLoss');
}

/** Validates class-index targets for [N, C] scores: int32, shape [N], values in [0, C). */
function checkTargets(input: Tensor, target: Tensor, op: string): Tensor {
  if (!(input instanceof Tensor) || !(target instanceof Tensor)) throw new TypeError(`${op}: input and target must be Tensors`);
  if (input.ndim !== 2) throw new RangeError(`${op}: expects input of shape [N, C], got ${shapeStr(input.shape)}`);
  if (target.dtype !== 'int32') {
    throw new TypeError(`${op}: target must hold int32 class indices, got dtype ${target.dtype} (use .int() or tensor(labels, {dtype: 'int32'}))`);
  }
  if (target.ndim !== 1 || target.shape[0] !== input.shape[0]) {
    throw new RangeError(`${op}: target shape ${shapeStr(target.shape)} does not match input shape ${shapeStr(input.shape)} (expected [${input.shape[0]}])`);
  }
  const t = target.isContiguous() ? target : rawContiguous(target);
  const c = input.shape[1]!;
  const p = t.ptr >>> 2;
  for (let i = 0; i < t.numel(); i++) {
    const v = heap.i32[p + i]!;
    if (v < 0 || v >= c) throw new RangeError(`${op}: target ${v} is out of bounds for ${c} classes`);
  }
  return t;
}

/**
 * Cross-entropy of raw scores [N, C] against int32 class indices [N], one fused softmax + NLL kernel.
 * @example crossEntropy(logits, tensor([3, 1], { dtype: 'int32' }))
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const t = checkTargets(input, target, 'crossEntropy');
  const eps = options?.labelSmoothing ?? 0;
  if (typeof eps !== 'number' || !(eps >= 0 && eps <= 1)) {
    throw new RangeError(`crossEntropy: labelSmoothing must be in [0, 1], got ${eps}`);
  }
  const [n, c] = input.shape as [number, number];
  const x = floatContiguous(input);
  const prob = Tensor.empty([n, c], 'float32');
  const rows = Tensor.empty([n], 'float32');
  if (n > 0 && c > 0) K().softmax_xent_f32(x.ptr, t.ptr, prob.ptr, rows.ptr, n, c);
  if (x !== input) x.dispose();
  const perRow = record(rows, 'CrossEntropyBackward0', [input], [prob, t], (g, [p, tt]) => {
    if (isGradEnabled()) return [crossEntropyGradGraph(g, p!, tt!, node!.next[0]!)];
    const d = Tensor.empty([n, c], 'float32');
    // 'mean' and 'sum' send one value broadcast over the rows (a stride-0 view): fold it into the kernel's
    // scale, one pass (only when the result need not be differentiable: grad mode off inside backward).
    const uniform = !isGradEnabled() && g.dtype === 'float32' && (n <= 1 || g.strides[0] === 0);
    if (d.numel() > 0) K().softmax_xent_backward_f32(p!.ptr, tt!.ptr, d.ptr, n, c, uniform ? heap.f32[g.ptr >>> 2]! : 1);
    return [uniform ? d : d.mul(g.unsqueeze(1))];
  });
  const node = perRow.gradFn; // its input edge, for a differentiable backward under createGraph
  prob._releaseToGraph(); // only the backward node reads it: freed when the node is released (now under noGrad)
  if (eps === 0) return reduce(perRow, options?.reduction, 'crossEntropy');
  // label smoothing: (1 - eps) * nll + eps * mean over classes of -log_softmax (PyTorch's formula)
  const smooth = input.logSoftmax(1).mean(1).neg();
  return reduce(perRow.mul(1 - eps).add(smooth.mul(eps)), options?.reduction, 'crossEntropy');
}

/**
 * CrossEntropyBackward0 as a differentiable graph (createGraph): (softmax(x) - onehot(t)) * g, where
 * softmax(x) is made again from the saved probabilities as a softmax node on the input's edge (softmax of
 * log p is p; its gradient does not depend on the constant lost per row), so every order is exact.
 */
function crossEntropyGradGraph(g: Tensor, p: Tensor, t: Tensor, edge: GraphNode): Tensor {
  const [n, c] = p.shape as [number, number];
  const logits = onEdge(p.log(), edge);
  const onehot = new Float32Array(n * c);
  const labels = t.toArray();
  for (let i = 0; i < n; i++) onehot[i * c + labels[i]!] = 1;
  return logits.softmax(1).sub(tensor(onehot).reshape(n, c)).mul(g.unsqueeze(1));
}

/** Negative log-likelihood of log-probabilities [N, C] at int32 class indices [N]. */
export function nllLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const t = checkTargets(input, target, 'nllLoss');
  const picked = input.gather(1, t.unsqueeze(1));
  const rows = picked.squeeze(1);
  const loss = rows.neg();
  rows._releaseToGraph(); // a view: the storage goes back once both are released
  picked._releaseToGraph();
  return reduce(loss, options?.reduction, 'nllLoss');
}

/** Mean absolute error; the gradient at input == target is 0 (as PyTorch). */
export function l1Loss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  if (!(input instanceof Tensor) || !(target instanceof Tensor)) throw new TypeError('l1Loss: input and target must be Tensors');
  if (!sameShape(input.shape, target.shape)) {
    throw new RangeError(`l1Loss: input shape ${shapeStr(input.shape)} and target shape ${shapeStr(target.shape)} differ`);
  }
  const diff = input.sub(target);
  const abs = diff.abs();
  diff._releaseToGraph(); // saved by abs's backward node only
  return reduce(abs, options?.reduction, 'l1Loss');
}

export interface BCEWithLogitsOptions extends LossOptions {
  /** Weight of the positive examples, broadcast along the last dim (PyTorch's pos_weight). */
  posWeight?: Tensor | null;
}

/**
 * Binary cross-entropy on logits, numerically stable for any |x|:
 * loss = (1 - y) x + l * softplus(-x) with l = 1 + (posWeight - 1) y and
 * softplus(-x) = max(-x, 0) + log(1 + exp(-|x|)). d/dx = (1 - y) - l * sigmoid(-x), d/dy = -x + (posWeight - 1) softplus(-x).
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BCEWithLogitsOptions = {}): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  if (!(input instanceof Tensor) || !(target instanceof Tensor)) throw new TypeError(`${op}: input and target must be Tensors`);
  if (!sameShape(input.shape, target.shape)) {
    throw new RangeError(`${op}: target shape ${shapeStr(target.shape)} must be the same as input shape ${shapeStr(input.shape)}`);
  }
  const pw = options?.posWeight ?? null;
  if (pw !== null && !(pw instanceof Tensor)) throw new TypeError(`${op}: posWeight must be a Tensor or null`);
  const y = target.dtype === 'float32' ? target : target.float();
  const elementwise = noGrad(() => {
    const x = input.detach();
    const yd = y.detach();
    const sp = x.neg().relu().add(x.abs().neg().exp().add(1).log()); // softplus(-x)
    const l = pw === null ? null : yd.mul(pw.detach().sub(1)).add(1);
    const out = yd.neg().add(1).mul(x).add(l === null ? sp : l.mul(sp));
    if (!sameShape(out.shape, input.shape)) {
      throw new RangeError(`${op}: posWeight shape ${shapeStr(pw!.shape)} does not broadcast to input shape ${shapeStr(input.shape)}`);
    }
    return out;
  });
  const saved = pw === null ? [input, y] : [input, y, pw];
  const loss = record(elementwise, 'BinaryCrossEntropyWithLogitsBackward0', [input, y], saved, (g, [x, yy, w], needs) => {
    const l = w === undefined ? null : yy!.mul(w.sub(1)).add(1);
    const sigNeg = x!.neg().sigmoid();
    const gx = needs[0] ? g.mul(yy!.neg().add(1).sub(l === null ? sigNeg : l.mul(sigNeg))) : null;
    let gy: Tensor | null = null;
    if (needs[1]) {
      const negx = x!.neg();
      gy = w === undefined ? g.mul(negx) : g.mul(negx.add(w.sub(1).mul(negx.relu().add(x!.abs().neg().exp().add(1).log()))));
    }
    return [gx, gy];
  });
  return reduce(loss, options?.reduction, op);
}
