/**
 * Differential autograd corpus (issue 19): ~2,000 random small programs (views, broadcasting, in-place ops on
 * clones and views, several backward calls, retained graphs, noGrad sections, grad() with createGraph and
 * double backward, nn.functional ops and losses) were run in real PyTorch (float64) by
 * test/fixtures/autograd-corpus/gen.py; this file replays each with wasmgrad (float32) and checks, step by
 * step, every recorded value (shape exact, dtype, requiresGrad, |a - b| <= 1e-4 + 1e-4 |b|, ints/bools
 * exact), every leaf's `.grad` after each backward (PyTorch's None must be null), grad() results, the
 * final values of tensors whose storage was later modified in place, and that wasmgrad throws where PyTorch
 * raised (any error) and nowhere else (double backward included: conv2d, pooling and crossEntropy have it).
 *
 * One test per program family; a failing test lists every failing program grouped by cause, with a shrunk
 * reproducer (TypeScript and Python) of the smallest one per cause. Env: CORPUS_REPORT=1 prints pass/fail
 * per tag; CORPUS_ONLY=p0123,p0456 runs only those programs; CORPUS_VERBOSE=1 prints a reproducer for every
 * failing program.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, it } from 'vitest';
import * as L from '../src/index.js';
import { Tensor } from '../src/index.js';
import { expectClose, nd } from './helpers.js';

// ------------------------------------------------------------------------------------------ fixture format
interface Rec { s: number[]; t: 'f' | 'i' | 'b'; g: number; d: (number | string)[] }
type Lit = string | number | boolean | null | Lit[] | { [k: string]: Lit };
interface Instr { op: string; in?: (string | number | string[] | null)[]; a?: Record<string, Lit>; out?: string | string[]; ng?: number }
interface Exp { v?: Rec | null | (Rec | null)[]; grads?: Record<string, Rec | null>; err?: string; msg?: string }
interface Program { id: string; family: string; tags: string[]; instrs: Instr[]; exp: Exp[]; fin?: Record<string, Rec | null> }
interface OpMeta { py: string; view?: boolean; mut?: boolean; stmt?: boolean; multi?: string[] | 'list' }
interface Corpus { version: number; seed: number; generator: string; ops: Record<string, OpMeta>; programs: Program[] }

const corpus = JSON.parse(readFileSync(new URL('./fixtures/autograd-corpus/programs.json', import.meta.url), 'utf8')) as Corpus;

// ------------------------------------------------------------------------------------------ op table
// op name -> wasmgrad call. Same template syntax as gen.py's OPS table: $0.. are the inputs, @key the attributes.
const TS: Record<string, string> = {
  leaf: 'tensor(@data, { requiresGrad: @rg })',
  add: '$0.add($1)', addAlpha: '$0.add($1, @alpha)', sub: '$0.sub($1)', subAlpha: '$0.sub($1, @alpha)',
  mul: '$0.mul($1)', div: '$0.div($1)', rsub: 'sub(@c, $0)', rdiv: 'div(@c, $0)',
  pow: '$0.pow($1)', powScalar: '$0.pow(@e)', powBase: 'pow(@base, $0)',
  maximum: 'maximum($0, $1)', minimum: 'minimum($0, $1)', where: 'where($0, $1, $2)',
  gt: '$0.gt(@c)', lt: '$0.lt(@c)', ge: '$0.ge(@c)', le: '$0.le(@c)', gtT: '$0.gt($1)',
  neg: '$0.neg()', exp: '$0.exp()', log: '$0.log()', sqrt: '$0.sqrt()', abs: '$0.abs()', relu: '$0.relu()',
  sigmoid: '$0.sigmoid()', tanh: '$0.tanh()', erf: 'erf($0)', clamp: '$0.clamp(@min, @max)',
  sum: '$0.sum()', sumDim: '$0.sum(@dim, @keepdim)', mean: '$0.mean()', meanDim: '$0.mean(@dim, @keepdim)',
  amax: '$0.amax(@dim, @keepdim)', amin: '$0.amin(@dim, @keepdim)', maxAll: '$0.max()', minAll: '$0.min()',
  maxDim: '$0.max(@dim, @keepdim)', minDim: '$0.min(@dim, @keepdim)',
  argmax: '$0.argmax(@dim, @keepdim)', argmin: '$0.argmin(@dim, @keepdim)',
  softmax: '$0.softmax(@dim)', logSoftmax: '$0.logSoftmax(@dim)',
  matmul: '$0.matmul($1)', mm: '$0.mm($1)', bmm: '$0.bmm($1)',
  reshape: '$0.reshape(@shape)', view: '$0.view(@shape)', flatten: '$0.flatten(@start, @end)',
  squeeze: '$0.squeeze(@dim)', squeezeAll: '$0.squeeze()', unsqueeze: '$0.unsqueeze(@dim)', expand: '$0.expand(@shape)',
  transpose: '$0.transpose(@d0, @d1)', permute: '$0.permute(@dims)', t: '$0.t()',
  narrow: '$0.narrow(@dim, @start, @len)', select: '$0.select(@dim, @index)', detach: '$0.detach()',
  contiguous: '$0.contiguous()', clone: '$0.clone()',
  indexSelect: "$0.indexSelect(@dim, tensor(@idx, { dtype: 'int32' }))", gather: "$0.gather(@dim, tensor(@idx, { dtype: 'int32' }))",
  cat: 'cat($0, @dim)', stack: 'stack($0, @dim)',
  Frelu: 'F.relu($0)', leakyRelu: 'F.leakyRelu($0, @slope)', gelu: 'F.gelu($0)', geluTanh: "F.gelu($0, { approximate: 'tanh' })",
  Fsigmoid: 'F.sigmoid($0)', Ftanh: 'F.tanh($0)', Fsoftmax: 'F.softmax($0, @dim)', FlogSoftmax: 'F.logSoftmax($0, @dim)',
  linear: 'F.linear($0, $1, $2)', linearNoBias: 'F.linear($0, $1)',
  dropoutP0: 'F.dropout($0, 0)', dropoutEval: 'F.dropout($0, 0.5, false)',
  mseLoss: 'F.mseLoss($0, $1, { reduction: @red })', l1Loss: 'F.l1Loss($0, $1, { reduction: @red })',
  crossEntropy: "F.crossEntropy($0, tensor(@target, { dtype: 'int32' }), { reduction: @red, labelSmoothing: @ls })",
  nllLoss: "F.nllLoss($0, tensor(@target, { dtype: 'int32' }), { reduction: @red })",
  bceLogits: 'F.binaryCrossEntropyWithLogits($0, $1, { reduction: @red })',
  bceLogitsPw: 'F.binaryCrossEntropyWithLogits($0, $1, { reduction: @red, posWeight: tensor(@pw) })',
  conv2d: 'F.conv2d($0, $1, $2, { stride: @stride, padding: @padding })',
  conv2dNoBias: 'F.conv2d($0, $1, null, { stride: @stride, padding: @padding })',
  maxPool2d: 'F.maxPool2d($0, @k, @s, @p)', avgPool2d: 'F.avgPool2d($0, @k, @s, @p)',
  layerNorm: 'F.layerNorm($0, @ns, $1, $2)', layerNormPlain: 'F.layerNorm($0, @ns)',
  batchNormTrain: 'F.batchNorm($0, null, null, $1, $2, true)',
  batchNormEval: 'F.batchNorm($0, tensor(@rm), tensor(@rv), $1, $2, false)',
  embedding: "F.embedding(tensor(@idx, { dtype: 'int32' }), $0)",
  add_: '$0.add_($1)', addAlpha_: '$0.add_($1, @alpha)', sub_: '$0.sub_($1)', subAlpha_: '$0.sub_($1, @alpha)',
  mul_: '$0.mul_($1)', div_: '$0.div_($1)', clamp_: '$0.clamp_(@min, @max)', copy_: '$0.copy_($1)',
  fill_: '$0.fill_(@value)', zero_: '$0.zero_()',
  backward: '$0.backward({ retainGraph: @retain })', backwardGrad: '$0.backward($1, { retainGraph: @retain })',
  grad: 'grad($0, $1, { createGraph: @create, retainGraph: @retain, allowUnused: @unused })',
  getGrad: '$0.grad',
  floor: '$0.floor()', ceil: '$0.ceil()', trunc: '$0.trunc()', round: '$0.round()', frac: '$0.frac()',
  remainder: '$0.remainder($1)', fmod: '$0.fmod($1)', divMode: '$0.div($1, { roundingMode: @mode })',
  clampT: '$0.clamp($1, $2)',
  log1p: '$0.log1p()', expm1: '$0.expm1()', log2: '$0.log2()', log10: '$0.log10()', exp2: '$0.exp2()',
  sin: '$0.sin()', cos: '$0.cos()', tan: '$0.tan()', asin: '$0.asin()', atan: '$0.atan()', sinh: '$0.sinh()',
  cosh: '$0.cosh()', asinh: '$0.asinh()', atanh: '$0.atanh()', erfc: '$0.erfc()', reciprocal: '$0.reciprocal()',
  rsqrt: '$0.rsqrt()', square: '$0.square()', logit: '$0.logit()', nanToNum: '$0.nanToNum()',
  lerp: '$0.lerp($1, @w)', lerpT: '$0.lerp($1, $2)',
  addcmul: '$0.addcmul($1, $2, { value: @value })', addcdiv: '$0.addcdiv($1, $2, { value: @value })',
  atan2: 'atan2($0, $1)', hypot: 'hypot($0, $1)', xlogy: 'xlogy($0, $1)',
  prod: '$0.prod()', prodDim: '$0.prod(@dim, @keepdim)', std: '$0.std()', stdDim: '$0.std(@dim, @unbiased, @keepdim)',
  var: '$0.var()', varDim: '$0.var(@dim, @unbiased, @keepdim)', logsumexp: '$0.logsumexp(@dim, @keepdim)',
  norm: '$0.norm()', normDim: '$0.norm(@p, @dim, @keepdim)', cumsum: '$0.cumsum(@dim)', cumprod: '$0.cumprod(@dim)',
  sort: '$0.sort(@dim, @desc)', topk: '$0.topk(@k, @dim, @largest)', median: '$0.median()',
  medianDim: '$0.median(@dim, @keepdim)',
  movedim: '$0.movedim(@src, @dst)', diagonal: '$0.diagonal(@offset, @d1, @d2)', chunk0: '$0.chunk(@n, @dim)[0]',
  split0: '$0.split(@size, @dim)[0]', unbind0: '$0.unbind(@dim)[0]', index: '$0.index(@s)',
  flip: '$0.flip(@dims)', roll: '$0.roll(@shifts, @dims)', repeat: '$0.repeat(@reps)', tile: '$0.tile(@reps)',
  tril: '$0.tril(@k)', triu: '$0.triu(@k)',
  maskedFill: '$0.maskedFill($1, @value)',
  scatterAdd: "$0.scatterAdd(@dim, tensor(@idx, { dtype: 'int32' }), $1)",
  indexAdd: "$0.indexAdd(@dim, tensor(@idx, { dtype: 'int32' }), $1, { alpha: @alpha })",
  take: "$0.take(tensor(@idx, { dtype: 'int32' }))",
  takeAlongDim: "takeAlongDim($0, tensor(@idx, { dtype: 'int32' }), @dim)",
  dot: '$0.dot($1)', mv: '$0.mv($1)', outer: '$0.outer($1)', addmm: '$0.addmm($1, $2, { beta: @beta, alpha: @alpha })',
  einsum: 'einsum(@eq, $0)', trace: '$0.trace()',
};
const LIB_NAMES = ['tensor', 'F', 'grad', 'sub', 'div', 'pow', 'maximum', 'minimum', 'where', 'erf', 'cat', 'stack', 'noGrad',
  'atan2', 'hypot', 'xlogy', 'takeAlongDim', 'einsum'] as const;

type Fn = (lib: unknown, A: unknown[], O: Record<string, Lit>) => unknown;
const compiled = new Map<string, Fn>();
function fnOf(op: string): Fn {
  let f = compiled.get(op);
  if (f === undefined) {
    const tpl = TS[op];
    if (tpl === undefined) throw new Error(`corpus: no wasmgrad mapping for op '${op}' (add it to TS in test/autograd-corpus.test.ts)`);
    const body = tpl.replace(/\$(\d+)/g, 'A[$1]').replace(/@(\w+)/g, 'O.$1');
    f = new Function('L', 'A', 'O', `const { ${LIB_NAMES.join(', ')} } = L; return (${body});`) as Fn;
    compiled.set(op, f);
  }
  return f;
}
const LIB = L as unknown as Record<string, unknown>;

// ------------------------------------------------------------------------------------------ comparison
const isMeta = (op: string): OpMeta => corpus.ops[op]!;
const num = (v: number | string): number => (typeof v === 'number' ? v : v === 'nan' ? NaN : v === 'inf' ? Infinity : -Infinity);

function fmtRec(r: Rec | null | undefined): string {
  if (r == null) return 'None';
  const d = r.d.map((v) => (typeof v === 'number' ? +v.toPrecision(6) : v));
  return `${r.t === 'f' ? '' : r.t === 'i' ? 'int ' : 'bool '}[${r.s.join(',')}]${r.g ? ' rg' : ''} ${JSON.stringify(d)}`;
}
function fmtT(t: unknown): string {
  if (t === null || t === undefined) return 'null';
  if (!(t instanceof Tensor)) return String(t);
  let d: number[] = [];
  try {
    d = Array.from(t.toArray(), (v) => +v.toPrecision(6));
  } catch (e) {
    return `<unreadable: ${(e as Error).message}>`;
  }
  return `${t.dtype === 'float32' ? '' : t.dtype + ' '}[${t.shape.join(',')}]${t.requiresGrad ? ' rg' : ''} ${JSON.stringify(d)}`;
}

/** null when `t` matches the record, else what differs. */
function compare(t: unknown, r: Rec | null): string | null {
  if (r === null) return t === null || t === undefined ? null : `expected None, got ${fmtT(t)}`;
  if (!(t instanceof Tensor)) return `expected ${fmtRec(r)}, got ${t === null ? 'null' : typeof t}`;
  const dt = r.t === 'f' ? 'float32' : r.t === 'i' ? 'int32' : 'bool';
  if (t.shape.length !== r.s.length || t.shape.some((s, i) => s !== r.s[i])) return `shape [${t.shape.join(',')}] vs PyTorch [${r.s.join(',')}]`;
  if (t.dtype !== dt) return `dtype ${t.dtype} vs PyTorch ${dt}`;
  try {
    if (r.t === 'f') expectClose(t, nd(r.s, r.d.map(num)), { atol: 1e-4, rtol: 1e-4 });
    else expectClose(t, nd(r.s, r.d.map(num)), { atol: 0, rtol: 0 });
  } catch (e) {
    return `values differ: got ${fmtT(t)}, PyTorch ${fmtRec(r)}`;
  }
  if (t.requiresGrad !== (r.g === 1)) return `requiresGrad ${t.requiresGrad} vs PyTorch ${r.g === 1}`;
  return null;
}

// ------------------------------------------------------------------------------------------ interpreter
interface Failure {
  step: number; // index of the failing instruction (instrs.length for the final-state checks)
  kind: 'threw' | 'no-throw' | 'value' | 'grad' | 'final';
  detail: string;
  names?: string[]; // for grad/final checks: the values involved
}
type Outcome = { status: 'pass' } | { status: 'fail'; f: Failure };

function resolve(a: string | number | string[] | null, env: Map<string, unknown>): unknown {
  if (typeof a === 'string') return env.get(a);
  if (Array.isArray(a)) return a.map((x) => env.get(x));
  return a;
}

function runProgram(p: Program, only?: ReadonlySet<number>): Outcome {
  const env = new Map<string, unknown>();
  const leaves: string[] = [];
  for (let i = 0; i < p.instrs.length; i++) {
    if (only && !only.has(i)) continue;
    const ins = p.instrs[i]!;
    const meta = isMeta(ins.op);
    const exp = p.exp[i]!;
    let r: unknown;
    try {
      const f = fnOf(ins.op);
      const args = (ins.in ?? []).map((a) => resolve(a, env));
      r = ins.ng ? L.noGrad(() => f(LIB, args, ins.a ?? {})) : f(LIB, args, ins.a ?? {});
    } catch (e) {
      const msg = (e as Error)?.message ?? String(e);
      if (exp.err !== undefined) return { status: 'pass' };
      return { status: 'fail', f: { step: i, kind: 'threw', detail: msg.split('\n')[0]!.slice(0, 300) } };
    }
    if (exp.err !== undefined) {
      return { status: 'fail', f: { step: i, kind: 'no-throw', detail: `PyTorch raised ${exp.err}: ${exp.msg}` } };
    }
    if (meta.stmt) {
      for (const [n, rec] of Object.entries(exp.grads ?? {})) {
        const leaf = env.get(n);
        if (!(leaf instanceof Tensor)) continue; // sliced away
        const d = compare(leaf.grad, rec);
        if (d) return { status: 'fail', f: { step: i, kind: 'grad', detail: `${n}.grad: ${d}`, names: [n] } };
      }
      continue;
    }
    if (meta.mut) {
      const d = compare(env.get(ins.in![0] as string), exp.v as Rec | null);
      if (d) return { status: 'fail', f: { step: i, kind: 'value', detail: `${ins.in![0]} after ${ins.op}: ${d}` } };
      continue;
    }
    const outs = Array.isArray(ins.out) ? ins.out : [ins.out!];
    let vals: unknown[];
    if (Array.isArray(ins.out)) vals = meta.multi === 'list' ? (r as unknown[]) : (meta.multi as string[]).map((k) => (r as Record<string, unknown>)[k]);
    else vals = [r];
    outs.forEach((n, k) => env.set(n, vals[k]));
    if (ins.op === 'leaf') {
      if (ins.a!.rg) leaves.push(outs[0]!);
      continue;
    }
    const recs = Array.isArray(ins.out) ? (exp.v as (Rec | null)[]) : [exp.v as Rec | null];
    for (let k = 0; k < outs.length; k++) {
      const d = compare(vals[k], recs[k] ?? null);
      if (d) return { status: 'fail', f: { step: i, kind: 'value', detail: `${outs[k]} = ${ins.op}: ${d}` } };
    }
  }
  for (const [n, rec] of Object.entries(p.fin ?? {})) {
    if (!env.has(n)) continue;
    const d = compare(env.get(n), rec);
    if (d) return { status: 'fail', f: { step: p.instrs.length, kind: 'final', detail: `final value of ${n}: ${d}`, names: [n] } };
  }
  return { status: 'pass' };
}

// ------------------------------------------------------------------------------------------ shrinking
const outsOf = (ins: Instr): string[] => (ins.out === undefined ? [] : Array.isArray(ins.out) ? ins.out : [ins.out]);
const insOf = (ins: Instr): string[] => (ins.in ?? []).flatMap((a) => (typeof a === 'string' ? [a] : Array.isArray(a) ? a : []));

/**
 * A sound static slice for the check at `f.step`: the instructions it depends on through def-use, every
 * in-place op on a storage group (a value and its views) a kept instruction touches, and, once any
 * backward/grad/.grad read is kept, every earlier backward/grad (accumulation into .grad, freed graphs).
 */
function slice(p: Program, f: Failure): Set<number> {
  const last = Math.min(f.step, p.instrs.length - 1);
  const group = new Map<string, string>();
  const def = new Map<string, number>();
  p.instrs.forEach((ins, i) => {
    for (const n of outsOf(ins)) {
      const src = insOf(ins)[0];
      group.set(n, isMeta(ins.op).view && src !== undefined ? group.get(src)! : n);
      def.set(n, i);
    }
  });
  const keep = new Set<number>();
  if (f.step < p.instrs.length) keep.add(f.step);
  for (const n of f.names ?? []) keep.add(def.get(n)!);
  const isAutograd = (op: string) => op === 'backward' || op === 'backwardGrad' || op === 'grad' || op === 'getGrad';
  for (let changed = true; changed; ) {
    changed = false;
    const add = (j: number | undefined) => {
      if (j !== undefined && !keep.has(j)) {
        keep.add(j);
        changed = true;
      }
    };
    const groups = new Set<string>();
    let autograd = f.kind === 'grad';
    for (const i of keep) {
      const ins = p.instrs[i]!;
      for (const n of insOf(ins)) add(def.get(n));
      for (const n of [...insOf(ins), ...outsOf(ins)]) groups.add(group.get(n)!);
      if (isAutograd(ins.op)) autograd = true;
    }
    const upto = Math.max(...keep, last);
    for (let j = 0; j <= upto; j++) {
      const ins = p.instrs[j]!;
      if (isMeta(ins.op).mut && groups.has(group.get(insOf(ins)[0]!)!)) add(j);
      if (autograd && (ins.op === 'backward' || ins.op === 'backwardGrad' || ins.op === 'grad') && j < upto) add(j);
    }
  }
  return keep;
}

// ------------------------------------------------------------------------------------------ rendering
function tsLit(v: Lit): string {
  if (Array.isArray(v)) return `[${v.map(tsLit).join(', ')}]`;
  if (v !== null && typeof v === 'object') return `{ ${Object.entries(v).map(([k, x]) => `${k}: ${tsLit(x)}`).join(', ')} }`;
  return JSON.stringify(v);
}
function pyLit(v: Lit): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `[${v.map(pyLit).join(', ')}]`;
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `'${k}': ${pyLit(x)}`).join(', ')}}`;
  return String(v);
}
function fill(tpl: string, ins: Instr, lit: (v: Lit) => string): string {
  const arg = (a: string | number | string[] | null | undefined): string =>
    a === undefined ? 'undefined' : typeof a === 'string' ? a : Array.isArray(a) ? `[${a.join(', ')}]` : lit(a);
  return tpl.replace(/\$(\d+)/g, (_, k) => arg(ins.in?.[+k])).replace(/@(\w+)/g, (_, k) => lit((ins.a ?? {})[k] ?? null));
}

function renderTS(p: Program, keep: Set<number>, f: Failure): string {
  const lines = [`import { ${LIB_NAMES.join(', ')} } from 'wasmgrad';`];
  p.instrs.forEach((ins, i) => {
    if (!keep.has(i)) return;
    const meta = isMeta(ins.op);
    let expr = fill(TS[ins.op]!, ins, tsLit);
    const outs = outsOf(ins);
    let lhs = '';
    if (outs.length === 1 && !Array.isArray(ins.out)) lhs = `const ${outs[0]} = `;
    else if (meta.multi === 'list') lhs = `const [${outs.join(', ')}] = `;
    else if (meta.multi) lhs = `const { ${(meta.multi as string[]).map((k, j) => `${k}: ${outs[j]}`).join(', ')} } = `;
    if (ins.ng) expr = lhs ? `noGrad(() => ${expr})` : `noGrad(() => { ${expr}; })`;
    lines.push(`${lhs}${expr};${annotate(p, i, f, false)}`);
  });
  if (f.kind === 'final') lines.push(`console.log(${f.names![0]}.toString()); // ${f.detail}`);
  return lines.join('\n');
}

function renderPy(p: Program, keep: Set<number>, f: Failure): string {
  const lines = ['import torch', 'import torch.nn.functional as F', 'torch.set_default_dtype(torch.float64)'];
  p.instrs.forEach((ins, i) => {
    if (!keep.has(i)) return;
    const meta = isMeta(ins.op);
    const outs = outsOf(ins);
    const lhs = outs.length === 0 ? '' : Array.isArray(ins.out) ? `${outs.join(', ')}${outs.length === 1 ? ',' : ''} = ` : `${outs[0]} = `;
    const line = `${lhs}${fill(meta.py, ins, pyLit)}${annotate(p, i, f, true)}`;
    lines.push(ins.ng ? `with torch.no_grad():\n    ${line}` : line);
    if (meta.stmt && i === f.step && f.names) lines.push(`print(${f.names[0]}.grad)`);
  });
  if (f.kind === 'final') lines.push(`print(${f.names![0]})`);
  return lines.join('\n');
}

function annotate(p: Program, i: number, f: Failure, py: boolean): string {
  const c = py ? '  # ' : ' // ';
  if (i !== f.step) return '';
  const e = p.exp[i]!;
  if (e.err !== undefined) return `${c}<-- PyTorch raises ${e.err}: ${e.msg}; wasmgrad does not`;
  if (f.kind === 'threw') return `${c}<-- wasmgrad throws: ${f.detail}`;
  return `${c}<-- ${f.detail}`;
}

function signature(p: Program, f: Failure): string {
  const ins = p.instrs[f.step];
  const norm = (s: string) => s.replace(/\[[^\]]*\]/g, '[..]').replace(/-?\d+(\.\d+)?(e-?\d+)?/g, 'N').replace(/\bv\d+\b/g, 'v').slice(0, 140);
  switch (f.kind) {
    case 'threw': return `wasmgrad throws at ${ins!.op}${ins!.ng ? ' (noGrad)' : ''}: ${norm(f.detail)}`;
    case 'no-throw': return `PyTorch raises ${p.exp[f.step]!.err} at ${ins!.op}, wasmgrad does not`;
    case 'grad': return `wrong .grad after ${ins!.op} (${f.detail.includes('None') ? 'None vs tensor' : 'values'})`;
    case 'final': return `wrong final value of a tensor modified in place later (${f.detail.includes('requiresGrad') ? 'requiresGrad' : 'values'})`;
    default: return `wrong value of ${ins!.op}${f.detail.includes('requiresGrad') ? ' (requiresGrad)' : f.detail.includes('shape') ? ' (shape)' : ''}`;
  }
}

/** Shrinks, checks the slice still fails, and renders both languages. */
function reproducer(p: Program, f: Failure): string {
  let keep = slice(p, f);
  const again = runProgram(p, keep);
  if (again.status !== 'fail') keep = new Set(p.instrs.map((_, i) => i).filter((i) => i <= f.step));
  const g = again.status === 'fail' ? again.f : f;
  const n = p.instrs.length;
  return [
    `program ${p.id} (${p.family}; tags ${p.tags.filter((t) => !t.startsWith('family:')).join(' ')})`,
    `first divergence at step ${g.step}${g.step < n ? ` (${p.instrs[g.step]!.op})` : ' (final state)'}: ${g.detail}`,
    `shrunk ${n} -> ${keep.size} instructions${again.status === 'fail' ? '' : ' (slice did not reproduce; prefix shown)'}`,
    '--- TypeScript (wasmgrad) ---',
    renderTS(p, keep, g),
    '--- Python (PyTorch) ---',
    renderPy(p, keep, g),
  ].join('\n');
}

// ------------------------------------------------------------------------------------------ tests
const only = process.env.CORPUS_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
const programs = only?.length ? corpus.programs.filter((p) => only.includes(p.id)) : corpus.programs;
const families = [...new Set(programs.map((p) => p.family))];
const outcomes = new Map<string, Outcome>();

describe(`autograd corpus vs PyTorch (${programs.length} programs)`, () => {
  for (const fam of families) {
    const progs = programs.filter((p) => p.family === fam);
    it(`${fam} (${progs.length} programs)`, () => {
      const fails: [Program, Failure][] = [];
      for (const p of progs) {
        const o = runProgram(p);
        outcomes.set(p.id, o);
        if (o.status === 'fail') fails.push([p, o.f]);
      }
      if (fails.length === 0) return;
      const bySig = new Map<string, [Program, Failure][]>();
      for (const pf of fails) {
        const s = signature(pf[0], pf[1]);
        bySig.set(s, [...(bySig.get(s) ?? []), pf]);
      }
      const parts = [`${fails.length} of ${progs.length} ${fam} programs disagree with PyTorch, ${bySig.size} distinct causes:`];
      for (const [s, list] of [...bySig].sort((a, b) => b[1].length - a[1].length)) {
        list.sort((a, b) => a[0].instrs.length - b[0].instrs.length);
        parts.push(`\n=== ${list.length}x ${s}\n    programs: ${list.map(([p]) => p.id).join(' ')}`);
        for (const [p, f] of process.env.CORPUS_VERBOSE ? list : list.slice(0, 1)) parts.push(reproducer(p, f));
      }
      throw new Error(parts.join('\n'));
    });
  }

  afterAll(() => {
    if (!process.env.CORPUS_REPORT) return;
    const tags = new Map<string, { pass: number; fail: number }>();
    let pass = 0, fail = 0;
    for (const p of programs) {
      const o = outcomes.get(p.id);
      if (!o) continue;
      if (o.status === 'pass') pass++;
      else fail++;
      for (const t of p.tags) {
        const e = tags.get(t) ?? { pass: 0, fail: 0 };
        e[o.status]++;
        tags.set(t, e);
      }
    }
    const rows = [...tags].sort((a, b) => b[1].fail - a[1].fail || a[0].localeCompare(b[0]));
    const out = [`autograd corpus (${process.env.WASMGRAD_BACKEND ?? 'wasm'}): ${pass} passed, ${fail} failed of ${pass + fail}`,
      `${'tag'.padEnd(34)} ${'pass'.padStart(5)} ${'fail'.padStart(5)}`];
    for (const [t, e] of rows) out.push(`${t.padEnd(34)} ${String(e.pass).padStart(5)} ${String(e.fail).padStart(5)}`);
    console.log(out.join('\n'));
  });
});
