/** Pooling layers. */
import { Tensor } from '../../tensor/tensor.js';
import { Module, pyTuple } from '../module.js';
import { avgPool2d, maxPool2d } from '../functional.js';
import { toPair, type IntOrPair } from './conv.js';

export interface Pool2dOptions {
  stride?: IntOrPair | null;
  padding?: IntOrPair;
}

function poolArgs(op: string, kernelSize: IntOrPair, strideOrOptions?: IntOrPair | Pool2dOptions | null, padding?: IntOrPair) {
  let stride: IntOrPair | null | undefined;
  let pad: IntOrPair | undefined = padding;
  if (strideOrOptions !== null && typeof strideOrOptions === 'object' && !Array.isArray(strideOrOptions)) {
    const o = strideOrOptions as Pool2dOptions;
    stride = o.stride;
    pad = o.padding ?? pad;
  } else {
    stride = strideOrOptions as IntOrPair | null | undefined;
  }
  toPair(kernelSize, op, 'kernelSize', 1);
  if (stride != null) toPair(stride, op, 'stride', 1);
  toPair(pad ?? 0, op, 'padding', 0);
  return { kernelSize, stride: stride ?? kernelSize, padding: pad ?? 0 };
}

/** Max pooling; stride defaults to the kernel size. MaxPool2d(2), MaxPool2d(3, 2, 1) or MaxPool2d(3, {stride, padding}). */
export class MaxPool2d extends Module {
  readonly kernelSize: IntOrPair;
  readonly stride: IntOrPair;
  readonly padding: IntOrPair;

  constructor(kernelSize: IntOrPair, stride?: IntOrPair | Pool2dOptions | null, padding?: IntOrPair) {
    super();
    const a = poolArgs('MaxPool2d', kernelSize, stride, padding);
    this.kernelSize = a.kernelSize;
    this.stride = a.stride;
    this.padding = a.padding;
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(MaxPool2d);
  }

  override forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.stride, this.padding);
  }

  override extraRepr(): string {
    return `kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}, padding=${pyTuple(this.padding)}, dilation=1, ceil_mode=False`;
  }
}

/** Average pooling (zero padding counts in the divisor, PyTorch's default); stride defaults to the kernel size. */
export class AvgPool2d extends Module {
  readonly kernelSize: IntOrPair;
  readonly stride: IntOrPair;
  readonly padding: IntOrPair;

  constructor(kernelSize: IntOrPair, stride?: IntOrPair | Pool2dOptions | null, padding?: IntOrPair) {
    super();
    const a = poolArgs('AvgPool2d', kernelSize, stride, padding);
    this.kernelSize = a.kernelSize;
    this.stride = a.stride;
    this.padding = a.padding;
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(AvgPool2d);
  }

  override forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.stride, this.padding);
  }

  override extraRepr(): string {
    return `kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}, padding=${pyTuple(this.padding)}`;
  }
}
