/**
 * Optimizer and lr-scheduler state between PyTorch 1.13 and wasmgrad, both ways, on the fixtures of
 * test/fixtures/optim-state/gen.py (see there): PyTorch's state loads here and the next 10 steps match
 * PyTorch's parameters; the state wasmgrad writes loaded in PyTorch (at generation time) gives what wasmgrad
 * computes from it; and, when /usr/bin/python3 has torch, a live round trip through python/wasmgrad_torch.py.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  fromSafetensors, optimizerStateFromSafetensors, optimizerStateToSafetensors, readSafetensorsMetadata,
  schedulerStateFromSafetensors, schedulerStateToSafetensors, toSafetensors, type Tensor,
} from '../src/index.js';
import {
  CASES, DIR, lrsOf, makeOpt, NAMES, paramsFrom, readFixture, tensorsOf, train, WASMGRAD_FORMAT, type Case,
} from './fixtures/optim-state/cases.js';

const d = tensorsOf('data.safetensors');

/** max |a - b| over all parameters, relative to max |b|. */
function relDiff(p: Tensor[], want: Record<string, Tensor>, prefix: string): number {
  let num = 0;
  let den = 0;
  NAMES.forEach((n, i) => {
    const a = p[i]!.toArray() as Float32Array;
    const b = want[prefix + n]!.toArray() as Float32Array;
    expect(a.length).toBe(b.length);
    for (let k = 0; k < a.length; k++) {
      num = Math.max(num, Math.abs(a[k]! - b[k]!));
      den = Math.max(den, Math.abs(b[k]!));
    }
  });
  return num / den;
}

function expectLrs(got: number[], want: number[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((lr, i) => expect(Math.abs(lr - want[i]!)).toBeLessThanOrEqual(1e-12 * Math.abs(want[i]!) + 1e-18));
}

/** Continues case `c` for 10 steps from params p5.* of `paramsFile` and the given state files. */
function continueFrom(c: Case, paramsFile: string, optFile: Uint8Array, schedFile: Uint8Array): { p: Tensor[]; lrs: number[] } {
  const p = paramsFrom(tensorsOf(paramsFile), 'p5.');
  const [opt, sched] = makeOpt(c, p);
  opt.loadStateDict(optimizerStateFromSafetensors(optFile));
  sched.loadStateDict(schedulerStateFromSafetensors(schedFile));
  train(d, p, opt, sched, 10);
  return { p, lrs: sched.getLastLr() };
}

describe("PyTorch's optimizer and scheduler state loads here and training continues like PyTorch", () => {
  for (const c of CASES) {
    it(`${c}: PyTorch's state after 5 steps, 10 more steps here = PyTorch's 10 more steps (1e-5 relative)`, () => {
      const meta = readSafetensorsMetadata(readFixture(`${c}.torch.optimizer.safetensors`));
      expect(meta['format']).toBe('pytorch');
      const { p, lrs } = continueFrom(c, `${c}.torch.params.safetensors`, readFixture(`${c}.torch.optimizer.safetensors`),
        readFixture(`${c}.torch.scheduler.safetensors`));
      const diff = relDiff(p, tensorsOf(`${c}.torch.params.safetensors`), 'p15.');
      console.log(`torch -> wasmgrad ${c}: max relative difference after 10 steps ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(1e-5);
      expectLrs(lrs, lrsOf(`${c}.torch.params.safetensors`));
    });
  }
});

describe('the state wasmgrad writes continues in PyTorch like here (PyTorch run at generation time)', () => {
  for (const c of CASES) {
    it(`${c} (${WASMGRAD_FORMAT[c]} layout): PyTorch's 10 steps from wasmgrad's files = wasmgrad's (1e-5 relative)`, () => {
      const { p, lrs } = continueFrom(c, `${c}.wasmgrad.params.safetensors`, readFixture(`${c}.wasmgrad.optimizer.safetensors`),
        readFixture(`${c}.wasmgrad.scheduler.safetensors`));
      const diff = relDiff(p, tensorsOf(`${c}.torch-from-wasmgrad.params.safetensors`), 'p15.');
      console.log(`wasmgrad -> torch ${c}: max relative difference after 10 steps ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(1e-5);
      expectLrs(lrs, lrsOf(`${c}.torch-from-wasmgrad.params.safetensors`));
    });

    it(`${c}: the committed wasmgrad files are what wasmgrad writes now`, () => {
      const p = paramsFrom(d, '');
      const [opt, sched] = makeOpt(c, p);
      train(d, p, opt, sched, 5);
      const format = WASMGRAD_FORMAT[c];
      const now = optimizerStateToSafetensors(opt.stateDict({ format }));
      const committed = readFixture(`${c}.wasmgrad.optimizer.safetensors`);
      expect(readSafetensorsMetadata(now)).toEqual(readSafetensorsMetadata(committed));
      const a = fromSafetensors(now);
      const b = fromSafetensors(committed);
      expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
      for (const k of Object.keys(a)) {
        const x = a[k]!.toArray() as Float32Array;
        const y = b[k]!.toArray() as Float32Array;
        for (let i = 0; i < x.length; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(y[i]!)));
      }
      expect(readSafetensorsMetadata(schedulerStateToSafetensors(sched.stateDict({ format }))))
        .toEqual(readSafetensorsMetadata(readFixture(`${c}.wasmgrad.scheduler.safetensors`)));
      expect(relDiff(p, tensorsOf(`${c}.wasmgrad.params.safetensors`), 'p5.')).toBeLessThan(1e-6);
    });
  }
});

const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
if (!hasTorch) console.log(`optim-state-torch: ${PYTHON} with torch not found; the live PyTorch round trip is skipped`);

describe.skipIf(!hasTorch)('live round trip through python/wasmgrad_torch.py', () => {
  it('5 steps here, 10 in PyTorch, 5 more here = 20 steps here, for every case and both layouts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-optim-'));
    try {
      const straight = new Map<string, Tensor[]>();
      for (const c of CASES) {
        for (const format of ['pytorch', 'wasmgrad'] as const) {
          const p = paramsFrom(d, '');
          const [opt, sched] = makeOpt(c, p);
          train(d, p, opt, sched, 5);
          writeFileSync(join(dir, `${c}.${format}.opt`), optimizerStateToSafetensors(opt.stateDict({ format })));
          writeFileSync(join(dir, `${c}.${format}.sched`), schedulerStateToSafetensors(sched.stateDict({ format })));
          const p5: Record<string, Tensor> = {};
          NAMES.forEach((n, i) => (p5[n] = p[i]!.detach()));
          writeFileSync(join(dir, `${c}.${format}.params`), toSafetensors(p5));
          train(d, p, opt, sched, 15);
          straight.set(`${c}.${format}`, p);
        }
      }
      const script = `
import sys, os
sys.path.insert(0, ${JSON.stringify(join(DIR, '..', '..', '..', 'python'))})
sys.path.insert(0, ${JSON.stringify(DIR)})
import torch
from wasmgrad_torch import *
import gen
d = read_safetensors(os.path.join(gen.HERE, "data.safetensors"))[0]
out = ${JSON.stringify(dir)}
for c in gen.CASES:
    for f in ("pytorch", "wasmgrad"):
        base = os.path.join(out, c + "." + f)
        src = read_safetensors(base + ".params")[0]
        p = [src[n].clone().requires_grad_(True) for n in gen.NAMES]
        opt, sched = gen.make_opt(c, p)
        load_optimizer(opt, base + ".opt")
        load_scheduler(sched, base + ".sched")
        gen.train(d, p, opt, sched, 10)
        save_optimizer(opt, base + ".opt")
        save_scheduler(sched, base + ".sched")
        write_safetensors(base + ".params", {n: t.detach() for n, t in zip(gen.NAMES, p)})
`;
      const r = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8', timeout: 120_000 });
      expect(r.stderr + r.stdout, 'python failed').not.toMatch(/Traceback/);
      expect(r.status).toBe(0);
      for (const c of CASES) {
        for (const format of ['pytorch', 'wasmgrad'] as const) {
          const base = join(dir, `${c}.${format}`);
          const src = fromSafetensors(new Uint8Array(readFileSync(`${base}.params`)));
          const p = NAMES.map((n) => src[n]!.clone().requiresGrad_(true));
          const [opt, sched] = makeOpt(c, p);
          opt.loadStateDict(optimizerStateFromSafetensors(new Uint8Array(readFileSync(`${base}.opt`))));
          sched.loadStateDict(schedulerStateFromSafetensors(new Uint8Array(readFileSync(`${base}.sched`))));
          train(d, p, opt, sched, 5);
          const want: Record<string, Tensor> = {};
          NAMES.forEach((n, i) => (want[n] = straight.get(`${c}.${format}`)![i]!));
          const diff = relDiff(p, want, '');
          console.log(`live ${c} (${format} layout): 5 here + 10 in PyTorch + 5 here vs 20 here: ${diff.toExponential(2)}`);
          expect(diff).toBeLessThan(1e-5);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
