/** Average pooling over NCHW (or CHW) input, PyTorch's count_include_pad=True, no ceil mode. */
import { K } from '../backends/index.js';
import { record } from '../autograd/node.js';
import { shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { zeros } from '../tensor/creation.js';
import { floatContiguous } from './unary.js';

type Pair = number | readonly [number, number];

function pair(v: Pair | null | undefined, dflt: [number, number], op: string, name: string, min: number): [number, number] {
  const p = v == null ? dflt : typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (p.length !== 2 || !p.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= min)) {
    throw new RangeError(`${op}: ${name} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer or a pair of them, got ${JSON.stringify(v)}`);
  }
  return p as [number, number];
}

/**
 * Mean over each kh×kw window (stride defaults to the kernel size); zero padding counts in the divisor.
 * @example avgPool2d(x, 2) // [N, C, H, W] -> [N, C, H/2, W/2]
 */
export function avgPool2d(x: Tensor, kernelSize: Pair, stride?: Pair | null, padding: Pair = 0): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError('avgPool2d: input must be a Tensor');
  if (x.ndim !== 4 && x.ndim !== 3) throw new RangeError(`avgPool2d: expects 3-D or 4-D input, got shape ${shapeStr(x.shape)}`);
  const [kh, kw] = pair(kernelSize, [1, 1], 'avgPool2d', 'kernelSize', 1);
  const [sh, sw] = pair(stride, [kh, kw], 'avgPool2d', 'stride', 1);
  const [ph, pw] = pair(padding, [0, 0], 'avgPool2d', 'padding', 0);
  if (ph > kh / 2 || pw > kw / 2) throw new RangeError(`avgPool2d: padding ${ph}x${pw} must be at most half the kernel size ${kh}x${kw}`);
  const h = x.shape[x.ndim - 2]!, w = x.shape[x.ndim - 1]!;
  const oh = Math.floor((h + 2 * ph - kh) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - kw) / sw) + 1;
  if (oh <= 0 || ow <= 0) throw new RangeError(`avgPool2d: kernel ${kh}x${kw} is larger than the padded input (input shape ${shapeStr(x.shape)})`);
  const planes = h * w === 0 ? 0 : x.numel() / (h * w);
  const outShape = [...x.shape.slice(0, -2), oh, ow];
  const xc = floatContiguous(x);
  const out = Tensor.empty(outShape, 'float32');
  if (out.numel() > 0) K().avgpool2d_f32(xc.ptr, out.ptr, planes, h, w, kh, kw, sh, sw, ph, pw, oh, ow);
  if (xc !== x) xc.dispose();
  const inShape = x.shape;
  return record(out, 'AvgPool2DBackward0', [x], [], (g) => {
    const gc = floatContiguous(g);
    const dx = zeros(inShape);
    if (gc.numel() > 0) K().avgpool2d_backward_f32(gc.ptr, dx.ptr, planes, h, w, kh, kw, sh, sw, ph, pw, oh, ow);
    if (gc !== g) gc.dispose();
    // linear in g, and the adjoint of the pooling: under createGraph its backward is the pooling itself
    return [record(dx, 'AvgPool2DBackwardBackward0', [g], [], (gg) => [avgPool2d(gg, [kh, kw], [sh, sw], [ph, pw])])];
  });
}
