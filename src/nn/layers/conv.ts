/** Convolution layers. */
import { Tensor } from '../../tensor/tensor.js';
import { empty } from '../../tensor/creation.js';
import { Module, pyBool, pyTuple } from '../module.js';
import { Parameter } from '../parameter.js';
import { conv2d } from '../functional.js';
import { checkSize, resetWeightAndBias } from './linear.js';

export type IntOrPair = number | readonly [number, number];

export function toPair(v: IntOrPair, op: string, name: string, min: number): [number, number] {
  const p = typeof v === 'number' ? [v, v] : [...v];
  if (p.length !== 2) throw new RangeError(`${op}: ${name} must be an integer or a pair of integers, got ${JSON.stringify(v)}`);
  return [checkSize(p[0], op, name, min), checkSize(p[1], op, name, min)];
}

export interface Conv2dLayerOptions {
  stride?: IntOrPair;
  padding?: IntOrPair;
  bias?: boolean;
}

/** 2-D convolution over NCHW input; weight [outChannels, inChannels, kH, kW], bias [outChannels]. */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  weight: Parameter;
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: IntOrPair, options: Conv2dLayerOptions = {}) {
    super();
    this.inChannels = checkSize(inChannels, 'Conv2d', 'inChannels');
    this.outChannels = checkSize(outChannels, 'Conv2d', 'outChannels');
    this.kernelSize = toPair(kernelSize, 'Conv2d', 'kernelSize', 1);
    this.stride = toPair(options.stride ?? 1, 'Conv2d', 'stride', 1);
    this.padding = toPair(options.padding ?? 0, 'Conv2d', 'padding', 0);
    this.weight = new Parameter(empty(outChannels, inChannels, ...this.kernelSize));
    this.bias = options.bias ?? true ? new Parameter(empty(outChannels)) : null;
    this.resetParameters();
  }

  resetParameters(): void {
    resetWeightAndBias(this.weight, this.bias);
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(Conv2d);
  }

  override forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding });
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    if (this.padding[0] !== 0 || this.padding[1] !== 0) s += `, padding=${pyTuple(this.padding)}`;
    if (this.bias === null) s += `, bias=${pyBool(false)}`;
    return s;
  }
}
