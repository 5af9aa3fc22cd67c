/**
 * The autograd engine: topological order from the outputs, then each node's backward rule in reverse,
 * summing gradients per node, un-broadcasting them to each input's shape (the only place this is done)
 * and depositing them in leaves' `.grad`.
 *
 * Memory: unless `createGraph` is set, every tensor a backward rule creates is a temporary the user never
 * sees; the engine frees them as soon as they have been consumed, and releases each node's saved
 * tensors after use (unless `retainGraph`), so backward needs no garbage collection to stay bounded.
 */
import { creationScope, Tensor } from '../tensor/tensor.js';
import { sameShape, shapeStr } from '../tensor/shape.js';
import { K } from '../backends/index.js';
import { sumToShape } from '../ops/reduce.js';
import { add } from '../ops/binary.js';
import { clone, onesLike } from '../ops/copy.js';
import { AccumulateGrad, Node, type GraphNode } from './node.js';
import { setGradEnabled } from './mode.js';

export interface GradOptions {
  retainGraph?: boolean;
  createGraph?: boolean;
  /** Return null for inputs the outputs do not depend on instead of throwing. */
  allowUnused?: boolean;
}

/** Reverse topological order of the graph reachable from `roots`. */
function topoOrder(roots: readonly GraphNode[]): GraphNode[] {
  const order: GraphNode[] = [];
  const visited = new Set<GraphNode>();
  const stack: [GraphNode, number][] = [];
  for (const r of roots) {
    if (visited.has(r)) continue;
    visited.add(r);
    stack.push([r, 0]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const node = top[0];
      const next = node instanceof Node ? node.next : [];
      if (top[1] < next.length) {
        const child = next[top[1]++];
        if (child != null && !visited.has(child)) {
          visited.add(child);
          stack.push([child, 0]);
        }
      } else {
        stack.pop();
        order.push(node);
      }
    }
  }
  return order.reverse();
}

function checkRoot(t: Tensor, g: Tensor | null, op: string): Tensor | null {
  if (!t.requiresGrad) {
    throw new Error(`${op}: tensor of shape ${shapeStr(t.shape)} does not require grad and has no gradFn`);
  }
  if (g === null) {
    if (t.numel() !== 1) {
      throw new Error(
        `${op}: grad can be implicitly created only for scalar outputs; the output has shape ${shapeStr(t.shape)}, so pass a gradient of that shape`,
      );
    }
    return null;
  }
  if (!sameShape(g.shape, t.shape)) {
    throw new RangeError(`${op}: gradient has shape ${shapeStr(g.shape)} but the output has shape ${shapeStr(t.shape)}`);
  }
  return g;
}

/** Runs the graph. `targets` (for grad()) maps nodes whose incoming gradient is wanted to result slots. */
function run(
  roots: readonly Tensor[],
  seeds: readonly (Tensor | null)[],
  retainGraph: boolean,
  createGraph: boolean,
  targets: Map<GraphNode, number> | null,
): (Tensor | null)[] {
  const results: (Tensor | null)[] = targets === null ? [] : new Array<Tensor | null>(targets.size).fill(null);
  const pending = new Map<GraphNode, Tensor>();
  const temps = new Set<Tensor>(); // engine-made tensors the user never sees
  const prevMode = setGradEnabled(createGraph);
  const prevScope = creationScope.current;
  const scope: Tensor[] = [];
  if (!createGraph) creationScope.current = scope;
  const keep = (t: Tensor) => temps.delete(t);
  try {
    for (let i = 0; i < roots.length; i++) {
      const r = roots[i]!;
      let g = seeds[i] ?? null;
      if (g === null) {
        g = onesLike(r);
      } else if (g.dtype !== 'float32') {
        g = g.float();
      }
      const node: GraphNode = r.gradFn ?? r._accum ?? (r._accum = new AccumulateGrad(r));
      const prev = pending.get(node);
      pending.set(node, prev === undefined ? g : add(prev, g));
    }
    const order = topoOrder([...pending.keys()]);
    const collect = () => {
      for (const t of scope) temps.add(t);
      scope.length = 0;
    };
    collect();
    for (const node of order) {
      const g = pending.get(node);
      if (g === undefined) continue;
      pending.delete(node);
      const slot = targets?.get(node);
      if (slot !== undefined) {
        results[slot] = g;
        keep(g);
      }
      if (node instanceof AccumulateGrad) {
        if (targets === null) accumulateLeaf(node.variable, g, createGraph, temps);
      } else {
        if (node.retained !== null && targets === null) accumulateLeaf(node.retained, g, createGraph, temps);
        const saved = node.savedTensors();
        const grads = node.fn!(g, saved, node.needs);
        for (let i = 0; i < node.next.length; i++) {
          const next = node.next[i];
          let gi = grads[i] ?? null;
          if (next == null || gi === null) continue;
          if (!sameShape(gi.shape, node.inputShapes[i]!)) gi = sumToShape(gi, node.inputShapes[i]!);
          const prev = pending.get(next);
          pending.set(next, prev === undefined ? gi : add(prev, gi));
        }
        if (!retainGraph) node.release();
      }
      collect();
      freeUnused(g, temps, pending);
    }
  } finally {
    creationScope.current = prevScope;
    setGradEnabled(prevMode);
  }
  for (const t of temps) t.dispose();
  return results;
}

/** Frees the gradient a node consumed, and every temporary no longer pending, now. */
function freeUnused(g: Tensor, temps: Set<Tensor>, pending: Map<GraphNode, Tensor>): void {
  if (temps.size === 0) return;
  const live = new Set(pending.values());
  for (const t of temps) {
    if (!live.has(t)) {
      t.dispose();
      temps.delete(t);
    }
  }
  void g;
}

function accumulateLeaf(leaf: Tensor, g: Tensor, createGraph: boolean, temps: Set<Tensor>): void {
  // A tensor made here becomes the user's .grad: keep it out of the engine's temporaries.
  const prevScope = creationScope.current;
  creationScope.current = null;
  try {
    accumulateInto(leaf, g, createGraph, temps);
  } finally {
    creationScope.current = prevScope;
  }
}

function accumulateInto(leaf: Tensor, g: Tensor, createGraph: boolean, temps: Set<Tensor>): void {
  const cur = leaf.grad;
  if (cur === null) {
    // Steal an engine temporary that nobody else shares; otherwise copy.
    if (!createGraph && temps.has(g) && g.storage.refs === 1 && g.isContiguous() && g.offset === 0) {
      temps.delete(g);
      leaf.grad = g.detach_();
      g.storage.refs; // the detached object is g itself
    } else {
      // Always a copy: g may also flow to other leaves (PyTorch clones here too; clone keeps the graph).
      leaf.grad = createGraph ? clone(g) : clone(g).detach_();
    }
  } else if (createGraph || cur.requiresGrad) {
    leaf.grad = add(cur, g);
  } else if (cur.isContiguous()) {
    const src = g.isContiguous() ? g : g.contiguous();
    K().axpy_f32(src.ptr, cur.ptr, cur.numel(), 1);
    if (src !== g) src.dispose();
    cur.storage.version++;
  } else {
    const sum = add(cur, g);
    cur.copy_(sum);
    sum.dispose();
  }
}

/** Backpropagates from `root` into the `.grad` of every leaf that requires grad. */
export function backward(root: Tensor, gradient: Tensor | null, options: GradOptions = {}): void {
  const g = checkRoot(root, gradient, 'backward');
  const createGraph = options.createGraph ?? false;
  run([root], [g], options.retainGraph ?? createGraph, createGraph, null);
}

/**
 * Gradients of `outputs` with respect to `inputs`, returned without touching any `.grad`
 * (PyTorch's torch.autograd.grad).
 */
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options: GradOptions & { gradOutputs?: Tensor | readonly (Tensor | null)[] | null } = {},
): (Tensor | null)[] {
  const outs = outputs instanceof Tensor ? [outputs] : [...outputs];
  const ins = inputs instanceof Tensor ? [inputs] : [...inputs];
  const gos = options.gradOutputs == null ? outs.map(() => null) : options.gradOutputs instanceof Tensor ? [options.gradOutputs] : [...options.gradOutputs];
  if (gos.length !== outs.length) {
    throw new RangeError(`grad: got ${gos.length} gradOutputs for ${outs.length} outputs`);
  }
  const seeds = outs.map((o, i) => checkRoot(o, gos[i] ?? null, 'grad'));
  const targets = new Map<GraphNode, number>();
  ins.forEach((t, i) => {
    if (!t.requiresGrad) throw new Error(`grad: input ${i} (shape ${shapeStr(t.shape)}) does not require grad`);
    const node: GraphNode = t.gradFn ?? t._accum ?? (t._accum = new AccumulateGrad(t));
    targets.set(node, i);
  });
  const createGraph = options.createGraph ?? false;
  const res = run(outs, seeds, options.retainGraph ?? createGraph, createGraph, targets);
  if (!options.allowUnused) {
    res.forEach((r, i) => {
      if (r === null) throw new Error(`grad: input ${i} was not used to compute the outputs (pass {allowUnused: true})`);
    });
  }
  return res;
}
