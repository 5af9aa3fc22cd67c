/** Linear layers. */
import { Tensor } from '../../tensor/tensor.js';
import { empty } from '../../tensor/creation.js';
import { Module, pyBool } from '../module.js';
import { Parameter } from '../parameter.js';
import { linear, relu } from '../functional.js';
import { checkLinearOperands, linearFused } from '../../ops/matmul.js';
import { kaimingUniform_, uniform_, calculateFanInAndFanOut } from '../init.js';
import { positionalOptions } from '../../options.js';
import { describeValue, type PositionalOr } from '../../ops/loss.js';

export function checkSize(v: unknown, op: string, name: string, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new RangeError(`${op}: ${name} must be an integer >= ${min}, got ${String(v)}`);
  }
  return v;
}

/** PyTorch's default init of a weight and bias: kaiming-uniform(a = sqrt 5) and U(±1/sqrt(fanIn)). */
export function resetWeightAndBias(weight: Tensor, bias: Tensor | null): void {
  kaimingUniform_(weight, Math.sqrt(5));
  if (bias !== null) {
    const { fanIn } = calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound);
  }
}

/** @internal any Module class, for forwardIs (whose constructor arguments do not matter). */
export type ModuleClass = abstract new () => Module;

export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

/** y = x·Wᵀ + b with weight [outFeatures, inFeatures] and bias [outFeatures]. */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  /** PyTorch's Linear(in_features, out_features, bias=True): `new Linear(4, 3, false)` or `new Linear(4, 3, { bias: false })`. */
  constructor(inFeatures: number, outFeatures: number, ...args: PositionalOr<[bias: boolean], LinearOptions>) {
    super();
    this.inFeatures = checkSize(inFeatures, 'Linear', 'inFeatures', 0);
    this.outFeatures = checkSize(outFeatures, 'Linear', 'outFeatures', 0);
    const o = positionalOptions<LinearOptions>('Linear', args, ['bias']);
    const bias = o.bias ?? true;
    if (typeof bias !== 'boolean') throw new TypeError(`Linear: bias must be a boolean, got ${describeValue(bias)}`);
    this.weight = new Parameter(empty(outFeatures, inFeatures));
    this.bias = bias ? new Parameter(empty(outFeatures)) : null;
    this.resetParameters();
  }

  resetParameters(): void {
    if (this.inFeatures === 0) {
      this.weight.data.zero_();
      this.bias?.data.zero_();
      return;
    }
    resetWeightAndBias(this.weight, this.bias);
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(Linear as unknown as ModuleClass);
  }

  override forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

/**
 * @internal relu(layer.forward(x)) for nn.Sequential's Linear followed by a ReLU: one GEMM with the bias
 * and the ReLU applied as C is stored where the operands allow (no separate ReLU pass over the
 * activations, one tensor and graph node fewer), else the two ops with the intermediate released.
 */
export function linearReluForward(layer: Linear, x: Tensor): Tensor {
  checkLinearOperands(x, layer.weight, layer.bias);
  const fused = layer.bias !== null ? linearFused(x, layer.weight, layer.bias, true) : null;
  if (fused !== null) return fused;
  const y = layer.forward(x);
  const out = relu(y);
  y._releaseToGraph();
  return out;
}

/** Returns its input unchanged. */
export class Identity extends Module {
  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(Identity);
  }

  override forward(x: Tensor): Tensor {
    return x;
  }
}
