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
import { storageMode } from '../tensor/storage.js';
import { kernels } from '../backends/index.js';
import { sumToShape } from '../ops/reduce.js';
import { add } from '../ops/binary.js';
import { clone, copyInto, onesLike } from '../ops/copy.js';
import { zeros } from '../tensor/creation.js';
import { SliceGrad } from './slice-grad.js';
import { AccumulateGrad, isNoGradViewOfGrad, Node, type GraphNode } from './node.js';
import { setGradEnabled } from './mode.js';
import { anomalyMode, checkBackward } from './anomaly.js';
import { checkOptions } from '../options.js';

export interface GradOptions {
  retainGraph?: boolean;
  createGraph?: boolean;
  /** Return null for inputs the outputs do not depend on instead of throwing. */
  allowUnused?: boolean;
}

/** Runs are numbered; a node visited by run `e` has `_epoch === e` and its position in `_index`. */
let epoch = 0;
const NO_EDGES: readonly (GraphNode | null)[] = [];

/**
 * Reverse topological order of the graph reachable from `roots` (an iterative depth-first search);
 * marks every node with `ep` and its position in the order.
 */
function topoOrder(roots: readonly GraphNode[], ep: number, order: GraphNode[], stack: GraphNode[], pos: number[]): GraphNode[] {
  for (let r = 0; r < roots.length; r++) {
    const root = roots[r]!;
    if (root._epoch === ep) continue;
    root._epoch = ep;
    stack.push(root);
    pos.push(0);
    while (stack.length > 0) {
      const top = stack.length - 1;
      const node = stack[top]!;
      const next = node instanceof Node ? node.next : NO_EDGES;
      const i = pos[top]!;
      if (i < next.length) {
        pos[top] = i + 1;
        const child = next[i];
        if (child != null && child._epoch !== ep) {
          child._epoch = ep;
          stack.push(child);
          pos.push(0);
        }
      } else {
        stack.pop();
        pos.pop();
        order.push(node);
      }
    }
  }
  order.reverse();
  for (let i = 0; i < order.length; i++) order[i]!._index = i;
  return order;
}

function checkRoot(t: Tensor, g: Tensor | null, op: string): Tensor | null {
  // (a view made in no-grad mode reports its base's requiresGrad but has no history: PyTorch refuses it too)
  if (!t.requiresGrad || isNoGradViewOfGrad(t)) {
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

interface Workspace {
  /** Every engine temporary of the run (creationScope collects them), possibly disposed already. */
  temps: Tensor[];
  rootNodes: GraphNode[];
  rootGrads: Tensor[];
  order: GraphNode[];
  stack: GraphNode[];
  pos: number[];
  /** Pending gradient per node, by position in `order`. */
  grads: (Tensor | null)[];
}

function newWorkspace(): Workspace {
  return { temps: [], rootNodes: [], rootGrads: [], order: [], stack: [], pos: [], grads: [] };
}

const shared = newWorkspace();

/** Empties an array (pop() is inlined by the JIT; setting length is a runtime call). */
function clear(a: unknown[]): void {
  if (a.length > 64) a.length = 0;
  else while (a.length > 0) a.pop();
}

/** Runs in progress (a backward rule could start one). */
let depth = 0;

/** The tensor an entry of a rule's result holds: itself, or a SliceGrad's gradient of the slice. */
function held(g: Tensor | SliceGrad): Tensor {
  return g instanceof SliceGrad ? g.g : g;
}

/** Disposes `t` if it is an engine temporary no gradient slot holds any more. */
function drop(t: Tensor): void {
  if (t._temp && t._pend === 0) t.dispose();
}

/** A temporary handed to the user (a stolen .grad, a grad() result): no longer the engine's to free. */
function escape(t: Tensor): void {
  if (!t._temp) return;
  t._temp = false;
  t.storage.register();
}

/**
 * Whether the gradient in a slot can take the next one in place: an engine temporary (so nothing outside
 * the engine holds it, and no graph is being recorded) that only this slot holds, not a view and with its
 * memory to itself.
 */
function summable(t: Tensor): boolean {
  return t._temp && t._pend === 1 && t._base === null && t.storage.refs === 1 && t.dtype === 'float32';
}

/** The full gradient a SliceGrad stands for: zeros with the slice's gradient written into its region. */
function materialize(s: SliceGrad): Tensor {
  const z = zeros(s.shape);
  const part = s.region(z);
  copyInto(part, s.g);
  part.dispose();
  return z;
}

/**
 * Puts `g` into `grads[index]`, summing with what is there: in place when the slot holds a temporary only
 * it uses, and for the gradient of a slice (SliceGrad) by adding into the slice's region of that temporary
 * rather than into a zero-filled copy of the whole input (the q, k, v of a split projection, say).
 */
function deposit(grads: (Tensor | null)[], index: number, g: Tensor | SliceGrad): void {
  const prev = grads[index]!;
  if (prev !== null && summable(prev)) {
    if (g instanceof SliceGrad) {
      const part = g.region(prev);
      part.add_(g.g);
      part.dispose();
    } else {
      prev.add_(g);
    }
    return;
  }
  const full = g instanceof SliceGrad ? materialize(g) : g;
  if (prev === null) {
    grads[index] = full;
    full._pend++;
    return;
  }
  const sum = add(prev, full);
  grads[index] = sum;
  sum._pend++;
  prev._pend--;
  drop(prev);
  if (full !== g) drop(full);
}

/**
 * Deposits a node's input gradients. A rule may return one tensor for several inputs (AddBackward0 returns
 * g twice; x.add(x) sends both to one slot), so each is held until all are deposited: summing into a slot
 * must not free a tensor another input still has to deposit.
 */
function depositAll(grads: (Tensor | null)[], node: Node, out: readonly (Tensor | SliceGrad | null)[]): void {
  const next = node.next;
  for (let i = 0; i < out.length; i++) {
    const gi = out[i];
    if (gi != null) held(gi)._pend++;
  }
  for (let i = 0; i < next.length; i++) {
    const nx = next[i];
    let gi = out[i] ?? null;
    if (nx == null || gi === null) continue;
    const shape = node.inputShapes[i]!;
    if (!sameShape(gi.shape, shape)) gi = sumToShape(gi instanceof SliceGrad ? materialize(gi) : gi, shape);
    deposit(grads, nx._index, gi);
  }
  for (let i = 0; i < out.length; i++) {
    const gi = out[i];
    if (gi != null) {
      const t = held(gi);
      t._pend--;
      drop(t);
    }
  }
}

/** Grad mode, creation scope, registration and anomaly checks as they were before a run. */
interface Modes {
  grad: boolean;
  scope: Tensor[] | null;
  defer: boolean;
  checkForward: boolean;
}

/**
 * Enters backward's modes: grad mode as createGraph says; unless createGraph, every tensor made is an
 * engine temporary (collected in `temps`, not registered for finalization, see storage.ts); anomaly mode
 * checks each node's returned gradients (below), not the ops of its rule one by one.
 */
function enterModes(createGraph: boolean, temps: Tensor[]): Modes {
  const prev: Modes = {
    grad: setGradEnabled(createGraph),
    scope: creationScope.current,
    defer: storageMode.deferRegistration,
    checkForward: anomalyMode.checkForward,
  };
  anomalyMode.checkForward = false;
  if (!createGraph) {
    creationScope.current = temps;
    storageMode.deferRegistration = true;
  }
  return prev;
}

function restoreModes(prev: Modes): void {
  creationScope.current = prev.scope;
  storageMode.deferRegistration = prev.defer;
  setGradEnabled(prev.grad);
  anomalyMode.checkForward = prev.checkForward;
}

/** Orders the graph from the roots and puts each root's seed gradient (ones for a scalar) in its slot. */
function seedRoots(ws: Workspace, roots: readonly Tensor[], seeds: readonly (Tensor | null)[]): void {
  const { rootNodes, rootGrads, order, stack, pos, grads } = ws;
  for (let i = 0; i < roots.length; i++) {
    const r = roots[i]!;
    let g = seeds[i] ?? null;
    if (g === null) g = onesLike(r);
    else if (g.dtype !== 'float32') g = g.float();
    rootNodes.push(r.gradFn ?? r._accum ?? (r._accum = new AccumulateGrad(r)));
    rootGrads.push(g);
  }
  topoOrder(rootNodes, ++epoch, order, stack, pos);
  for (let i = 0; i < order.length; i++) grads.push(null);
  for (let i = 0; i < rootNodes.length; i++) deposit(grads, rootNodes[i]!._index, rootGrads[i]!);
}

/**
 * Runs one node's backward rule on its summed gradient `g`, deposits the input gradients, releases what the
 * node saved (unless retainGraph) and frees the temporaries the rule made that no slot holds.
 */
function runNode(ws: Workspace, node: Node, g: Tensor, retainGraph: boolean, createGraph: boolean, toLeaves: boolean): void {
  if (node.retained !== null && toLeaves) accumulateLeaf(node.retained, g, createGraph);
  const temps = ws.temps;
  const first = temps.length; // temporaries made by this node start here
  let out = node.fn!(g, node.savedTensors(), node.needs) as (Tensor | SliceGrad | null)[];
  if (anomalyMode.enabled) {
    out = out.map((o) => (o instanceof SliceGrad ? materialize(o) : o));
    checkBackward(node, out as (Tensor | null)[]);
  }
  depositAll(ws.grads, node, out);
  if (!retainGraph) node.release();
  for (let i = first; i < temps.length; i++) drop(temps[i]!);
}

/** Frees every temporary still alive (also after an error) and empties the workspace for the next run. */
function releaseWorkspace(ws: Workspace): void {
  const { temps, grads } = ws;
  for (let i = 0; i < grads.length; i++) {
    const g = grads[i];
    if (g != null) g._pend = 0;
  }
  for (let i = 0; i < temps.length; i++) {
    const t = temps[i]!;
    if (t._temp) t.dispose();
  }
  clear(temps);
  clear(ws.rootNodes);
  clear(ws.rootGrads);
  clear(ws.order);
  clear(grads);
  clear(ws.stack);
  clear(ws.pos);
}

/**
 * Runs the graph: seeds the roots, then visits the nodes in reverse topological order, each once with the
 * sum of its incoming gradients. `targets` (for grad()) maps nodes whose incoming gradient is wanted to
 * result slots; without targets, leaves accumulate into `.grad`.
 *
 * Unless createGraph, every tensor made here is an engine temporary: each is disposed as soon as no
 * pending gradient slot holds it, the rest at the end (also when a backward rule throws), except those
 * handed to the user, which are registered then.
 */
function run(
  roots: readonly Tensor[],
  seeds: readonly (Tensor | null)[],
  retainGraph: boolean,
  createGraph: boolean,
  targets: Map<GraphNode, number> | null,
): (Tensor | null)[] {
  const results: (Tensor | null)[] = targets === null ? [] : new Array<Tensor | null>(targets.size).fill(null);
  // The outermost run reuses the module's arrays (a run inside a backward rule would make its own).
  const ws = depth === 0 ? shared : newWorkspace();
  depth++;
  const prev = enterModes(createGraph, ws.temps);
  try {
    seedRoots(ws, roots, seeds);
    const { order, grads } = ws;
    for (let k = 0; k < order.length; k++) {
      const g = grads[k]!;
      if (g === null) continue;
      const node = order[k]!;
      grads[k] = null;
      g._pend--;
      const slot = targets === null ? undefined : targets.get(node);
      if (slot !== undefined) {
        results[slot] = g;
        escape(g);
      }
      if (node instanceof AccumulateGrad) {
        if (targets === null) accumulateLeaf(node.variable, g, createGraph);
      } else {
        runNode(ws, node, g, retainGraph, createGraph, targets === null);
      }
      drop(g);
    }
  } finally {
    restoreModes(prev);
    releaseWorkspace(ws);
    depth--;
  }
  return results;
}

function accumulateLeaf(leaf: Tensor, g: Tensor, createGraph: boolean): void {
  // A tensor made here becomes the user's .grad: keep it out of the engine's temporaries.
  const prevScope = creationScope.current;
  const prevDefer = storageMode.deferRegistration;
  creationScope.current = null;
  storageMode.deferRegistration = false;
  try {
    accumulateInto(leaf, g, createGraph);
  } finally {
    creationScope.current = prevScope;
    storageMode.deferRegistration = prevDefer;
  }
}

const CONTIGUOUS = { memoryFormat: 'contiguous' } as const;

function accumulateInto(leaf: Tensor, g: Tensor, createGraph: boolean): void {
  const cur = leaf._peekGrad();
  if (cur === null) {
    // Steal an engine temporary that nobody else shares; otherwise copy.
    if (!createGraph && g._temp && g.storage.refs === 1 && g.offset === 0 && g.isContiguous()) {
      escape(g);
      leaf._setGrad(g.detach_()); // the detached object is g itself
    } else {
      // Always a copy: g may also flow to other leaves (PyTorch clones here too; clone keeps the graph).
      // The copy is laid out like the leaf, as PyTorch's AccumulateGrad does (optimizers read it flat).
      const copy = clone(g, leaf.isContiguous() ? CONTIGUOUS : undefined);
      leaf._setGrad(createGraph ? copy : copy.detach_());
    }
  } else if (createGraph || cur.requiresGrad) {
    leaf._setGrad(add(cur, g));
  } else if (cur.isContiguous()) {
    const src = g.isContiguous() ? g : g.contiguous();
    kernels().axpy_f32(src.ptr, cur.ptr, cur.numel(), 1);
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
  checkOptions('backward', options, ['retainGraph', 'createGraph']);
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
  checkOptions('grad', options, ['retainGraph', 'createGraph', 'allowUnused', 'gradOutputs']);
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
