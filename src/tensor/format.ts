/** Printing tensors the way PyTorch does: `tensor([[0.1000, 2.0000]], requiresGrad=true)`. */
import type { Tensor } from './tensor.js';

const SUMMARIZE_ABOVE = 1000;
const EDGE = 3;

function floatFormatter(values: ArrayLike<number>): (v: number) => string {
  let allInt = true;
  let maxAbs = 0;
  let minAbs = Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    if (!Number.isInteger(v)) allInt = false;
    const a = Math.abs(v);
    if (a > maxAbs) maxAbs = a;
    if (a !== 0 && a < minAbs) minAbs = a;
  }
  const special = (v: number) => (Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf');
  if (allInt && maxAbs < 1e8) return (v) => (Number.isFinite(v) ? `${v.toFixed(0)}.` : special(v));
  const sci = maxAbs >= 1e8 || (minAbs !== Infinity && (minAbs < 1e-4 || maxAbs / minAbs > 1000));
  if (sci) {
    return (v) => {
      if (!Number.isFinite(v)) return special(v);
      const [m, e] = v.toExponential(4).split('e');
      const exp = Number(e);
      return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
    };
  }
  return (v) => (Number.isFinite(v) ? v.toFixed(4) : special(v));
}

export function formatTensor(t: Tensor): string {
  if (t.storage.freed || t.isDisposed) return `tensor(<disposed>, shape=[${t.shape.join(', ')}])`;
  const values = t.toArray();
  let fmt: (v: number) => string;
  if (t.dtype === 'float32') fmt = floatFormatter(values);
  else if (t.dtype === 'bool') fmt = (v) => (v ? 'True' : 'False');
  else fmt = (v) => String(v);
  const summarize = values.length > SUMMARIZE_ABOVE;
  const strs = Array.from(values, (v) => fmt(v));
  // Like PyTorch, only finite values set the column width (inf/nan are padded to it, never widen it).
  const width = strs.reduce((w, s, i) => (Number.isFinite(values[i]!) ? Math.max(w, s.length) : w), 0);
  const shape = t.shape;
  const indent = 'tensor('.length;
  const build = (dim: number, base: number, stride: number): string => {
    if (dim === shape.length) return strs[base]!.padStart(width);
    const n = shape[dim]!;
    const inner = stride / Math.max(n, 1);
    const parts: string[] = [];
    const push = (i: number) => parts.push(build(dim + 1, base + i * inner, inner));
    if (summarize && n > 2 * EDGE) {
      for (let i = 0; i < EDGE; i++) push(i);
      parts.push('...');
      for (let i = n - EDGE; i < n; i++) push(i);
    } else {
      for (let i = 0; i < n; i++) push(i);
    }
    const sep = dim === shape.length - 1 ? ', ' : ',' + '\n'.repeat(shape.length - dim - 1) + ' '.repeat(indent + dim + 1);
    return `[${parts.join(sep)}]`;
  };
  const body = shape.length === 0 ? strs[0]! : build(0, 0, values.length);
  const extras: string[] = [];
  if (t.dtype === 'int32') extras.push(`dtype=${t.dtype}`);
  if (t.gradFn !== null) extras.push(`gradFn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) extras.push('requiresGrad=true');
  return `tensor(${body}${extras.length ? ', ' + extras.join(', ') : ''})`;
}
