/**
 * Graph nodes. Every op that records itself makes one Node: the inputs' nodes it sends gradients to
 * (`next`), the inputs' shapes (the engine un-broadcasts to them), what it saved for backward and the
 * backward rule. A Node never references its input tensors themselves, only what it declared as saved,
 * so memory of intermediates the rule does not need can be released during the forward pass.
 */
import { NO_GRAD_VIEW, type Tensor } from '../tensor/tensor.js';
import { isGradEnabled } from './mode.js';
import { anomalyMode, checkForward, rememberForward } from './anomaly.js';
import { tracer } from '../onnx/trace.js';

/**
 * A backward rule: receives the gradient of the op's output, the saved tensors and which inputs need a
 * gradient, and returns one gradient per input (null where none is needed). Rules are written with tensor
 * ops, so they run on every backend and are themselves differentiable.
 */
type BackwardFn = (grad: Tensor, saved: readonly Tensor[], needs: readonly boolean[]) => readonly (Tensor | null)[];

const NONE: readonly never[] = Object.freeze([]);

/** Sink of gradients for a leaf tensor that requires grad. */
export class AccumulateGrad {
  readonly name = 'AccumulateGrad';
  /** @internal backward engine: the run that last visited this node, and its position in that run's order. */
  _epoch = 0;
  /** @internal */ _index = 0;
  constructor(readonly variable: Tensor) {}
}

export type GraphNode = Node | AccumulateGrad;

export class Node {
  /** One per input: where its gradient goes (null: the input needs none). */
  readonly next: readonly (GraphNode | null)[];
  readonly inputShapes: readonly (readonly number[])[];
  /** Tensors kept for backward; null once backward has used them (unless the graph is retained). */
  saved: readonly Tensor[] | null;
  private readonly savedVersions: readonly number[];
  fn: BackwardFn | null;
  /** Non-leaf tensor whose .grad should be kept (retainGrad). */
  retained: Tensor | null = null;
  /** Which inputs need a gradient (next[i] !== null). */
  readonly needs: readonly boolean[];
  /** @internal backward engine: the run that last visited this node, and its position in that run's order. */
  _epoch = 0;
  /** @internal */ _index = 0;

  constructor(readonly name: string, inputs: readonly (Tensor | null)[], saved: readonly Tensor[], fn: BackwardFn) {
    const n = inputs.length;
    const next = new Array<GraphNode | null>(n);
    const shapes = new Array<readonly number[]>(n);
    const needs = new Array<boolean>(n);
    for (let i = 0; i < n; i++) {
      const t = inputs[i]!;
      const e = t !== null && t.requiresGrad ? edgeOf(t) : null;
      next[i] = e;
      needs[i] = e !== null;
      shapes[i] = t === null ? NONE : t.shape;
    }
    this.next = next;
    this.inputShapes = shapes;
    this.needs = needs;
    this.saved = saved;
    if (saved.length === 0) {
      this.savedVersions = NONE;
    } else {
      const versions = new Array<number>(saved.length);
      for (let i = 0; i < saved.length; i++) {
        const t = saved[i]!;
        versions[i] = t.storage.version;
        t._saves++;
      }
      this.savedVersions = versions;
    }
    this.fn = fn;
  }

  /** @internal the saved tensors, checking none was modified in place since it was saved. */
  savedTensors(): readonly Tensor[] {
    const saved = this.saved;
    if (saved === null || this.fn === null) {
      throw new Error(
        `backward: trying to backward through the graph a second time (${this.name}'s saved tensors were already freed); ` +
          'pass {retainGraph: true} to the first backward() if you need to call it twice',
      );
    }
    for (let i = 0; i < saved.length; i++) {
      if (saved[i]!.storage.version !== this.savedVersions[i]) {
        throw new Error(
          `backward: a tensor of shape [${saved[i]!.shape.join(', ')}] saved by ${this.name} was modified by an in-place operation after it was saved`,
        );
      }
    }
    return saved;
  }

  /** Drops what backward needed, so its memory can be reused (at once for intermediates only nodes held). */
  release(): void {
    const saved = this.saved;
    // A node that saved nothing can run again (as in PyTorch, where only freed saved tensors make a second
    // backward fail); its rule keeps nothing alive but shapes.
    if (saved === null || saved.length === 0) return;
    this.saved = null;
    this.fn = null;
    for (let i = 0; i < saved.length; i++) {
      const t = saved[i]!;
      if (--t._saves === 0 && t._graphOwned) t.dispose();
    }
  }

  /** The nodes gradients flow to, as PyTorch's `grad_fn.next_functions`. */
  get nextFunctions(): readonly (GraphNode | null)[] {
    return this.next;
  }
}

function edgeOf(t: Tensor): GraphNode | null {
  const fn = t.gradFn;
  if (fn !== null) return fn;
  if (isNoGradViewOfGrad(t)) return null;
  if (t._accum === null) t._accum = new AccumulateGrad(t);
  return t._accum;
}

/**
 * @internal a view made in no-grad mode of a tensor that requires grad: it reports requiresGrad (as in
 * PyTorch) but has no history, so gradients reaching it go nowhere and it cannot be a backward root.
 */
export function isNoGradViewOfGrad(t: Tensor): boolean {
  return t._viewFn === NO_GRAD_VIEW && t._gradFn === null && t._base!.requiresGrad;
}

/**
 * @internal `values` as a tensor whose gradient flows to `edge` (a node recorded earlier): lets a backward
 * rule under createGraph rebuild part of its forward from saved values, connected to the original input.
 */
export function onEdge(values: Tensor, edge: GraphNode): Tensor {
  if (edge instanceof AccumulateGrad) values._accum = edge;
  else values._gradFn = edge;
  values._setRequiresGrad(true);
  return values;
}

/**
 * Records `out` as produced by an op with a backward rule, if grad mode is on and any input requires
 * grad. Returns `out`. `saved` lists exactly what the rule reads (PyTorch's save_for_backward).
 * In anomaly mode (anomaly.ts) it first checks `out` for a NaN the op made, so ops that skip record()
 * when nothing needs a gradient call it anyway while the mode is on, if they can make a NaN.
 */
export function record(
  out: Tensor,
  name: string,
  inputs: readonly (Tensor | null)[],
  saved: readonly Tensor[],
  fn: BackwardFn,
): Tensor {
  if (anomalyMode.checkForward) checkForward(out, name, inputs);
  if (tracer !== null) tracer.onRecord(out, name, inputs); // onnx.export's trace (src/onnx/trace.ts)
  if (!isGradEnabled()) return out;
  let any = false;
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i]!;
    if (t !== null && t.requiresGrad) {
      any = true;
      break;
    }
  }
  if (!any) return out;
  const node = new Node(name, inputs, saved, fn);
  if (anomalyMode.enabled) rememberForward(node, record);
  out.gradFn = node;
  out._setRequiresGrad(true);
  return out;
}
