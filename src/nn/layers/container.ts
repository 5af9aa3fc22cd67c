/** Containers: Sequential and ModuleList. Children are stored as properties '0', '1', ... (PyTorch's keys). */
import { Module, type AnyModule } from '../module.js';
import { Tensor } from '../../tensor/tensor.js';
import { ReLU } from './activation.js';
import { Linear, linearReluForward } from './linear.js';

function asModule(m: unknown, op: string, i: number | string): AnyModule {
  if (!(m instanceof Module)) throw new TypeError(`${op}: entry ${i} is not an nn.Module`);
  return m;
}

function normIndex(i: number, n: number, op: string): number {
  if (!Number.isInteger(i) || i < -n || i >= n) throw new RangeError(`${op}: index ${i} is out of range for ${n} modules`);
  return i < 0 ? i + n : i;
}

/**
 * Runs its modules in order, feeding each one's output to the next.
 * `new Sequential(a, b, c)` names them '0', '1', '2'; `new Sequential({ features: a, head: b })` uses the keys.
 */
export class Sequential extends Module {
  constructor(...modules: AnyModule[] | [Record<string, AnyModule>]) {
    super();
    const first = modules[0];
    if (modules.length === 1 && first !== null && typeof first === 'object' && !(first instanceof Module)) {
      for (const [k, m] of Object.entries(first as Record<string, AnyModule>)) this.registerModule(k, asModule(m, 'Sequential', k));
    } else {
      (modules as AnyModule[]).forEach((m, i) => this.registerModule(String(i), asModule(m, 'Sequential', i)));
    }
  }

  get length(): number {
    return this.children().length;
  }

  /** The i-th module (negative counts from the end). */
  at(i: number): AnyModule {
    const c = this.children();
    return c[normIndex(i, c.length, 'Sequential.at')]!;
  }

  /** Adds a module at the end (named by its position). */
  append(m: AnyModule): this {
    this.registerModule(String(this.length), asModule(m, 'Sequential.append', this.length));
    return this;
  }

  [Symbol.iterator](): Iterator<AnyModule> {
    return this.children()[Symbol.iterator]();
  }

  /**
   * Feeds each module's output to the next. When every module is a built-in layer that keeps nothing,
   * each intermediate's memory is handed to the autograd graph once the next layer has consumed it: freed
   * when the last backward node that saved it is released (at once if none did, as under noGrad), rather
   * than by a later garbage collection; and a Linear followed by a ReLU runs as one GEMM that applies the
   * bias and the ReLU as it stores (one LinearReluBackward0 node instead of AddmmBackward0 + ReluBackward0).
   */
  override forward(input: Tensor): Tensor {
    const children = this.children();
    const owns = children.every((m) => m.keepsNothing());
    let x: unknown = input; // each child's output is the next one's input (a Tensor for every built-in layer)
    for (let i = 0; i < children.length; i++) {
      const m = children[i]!;
      let y: unknown;
      if (owns && m instanceof Linear && children[i + 1]?.constructor === ReLU && x instanceof Tensor) {
        y = linearReluForward(m, x);
        i++;
      } else {
        y = m.forward(x);
      }
      if (owns && x !== input && y !== x && x instanceof Tensor) x._releaseToGraph();
      x = y;
    }
    if (!(x instanceof Tensor)) throw new TypeError(`Sequential: its last module returned ${x === null ? 'null' : typeof x}, not a Tensor`);
    return x;
  }
}

/** Holds submodules in a list so they are registered (parameters, state dict, train/eval); no forward. */
export class ModuleList extends Module {
  constructor(modules: Iterable<AnyModule> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  get length(): number {
    return this.children().length;
  }

  at(i: number): AnyModule {
    const c = this.children();
    return c[normIndex(i, c.length, 'ModuleList.at')]!;
  }

  append(m: AnyModule): this {
    const n = this.length;
    this.registerModule(String(n), asModule(m, 'ModuleList.append', n));
    return this;
  }

  push(...ms: AnyModule[]): number {
    for (const m of ms) this.append(m);
    return this.length;
  }

  extend(ms: Iterable<AnyModule>): this {
    for (const m of ms) this.append(m);
    return this;
  }

  [Symbol.iterator](): Iterator<AnyModule> {
    return this.children()[Symbol.iterator]();
  }

  override forward(): never {
    throw new Error('ModuleList has no forward(); iterate over its modules instead');
  }
}
