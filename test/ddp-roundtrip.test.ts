/**
 * Outgrowing one machine (examples/pytorch/ddp_continue.py): a model, AdamW state and cosine schedule
 * trained here continue under `torchrun --nproc_per_node 2` with DistributedDataParallel (gloo, CPU,
 * loopback), come back and keep training here; the parameters match a run that never left wasmgrad.
 * Runs when /usr/bin/python3 has torch (.ci/run installs Debian's python3-torch).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  F, load, manualSeed, nn, optim, optimizerStateFromSafetensors, optimizerStateToSafetensors, randint, randn, save,
  schedulerStateFromSafetensors, schedulerStateToSafetensors, tensor, type Tensor,
} from '../src/index.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../examples/pytorch/ddp_continue.py', import.meta.url));
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch.distributed as d; assert d.is_gloo_available()'], { encoding: 'utf8' }).status === 0;
// torchrun itself, with the one fix Debian's PyTorch 1.13 needs on Python 3.11 (see the script)
const TORCHRUN = fileURLToPath(new URL('../examples/pytorch/torchrun.py', import.meta.url));
if (!hasTorch) console.log('ddp-roundtrip: /usr/bin/python3 with torch (gloo) not found; the DDP round trip is skipped');

const SIZES = [12, 16, 5];
const N = 64, B = 16, TOTAL = 20, LR = 0.01;
const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-ddp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function mlp(): nn.Sequential {
  manualSeed(11);
  return new nn.Sequential(new nn.Flatten(), new nn.Linear(SIZES[0]!, SIZES[1]!), new nn.ReLU(), new nn.Linear(SIZES[1]!, SIZES[2]!));
}

function setup(model: nn.Sequential): [optim.AdamW, optim.lrScheduler.CosineAnnealingLR] {
  const opt = new optim.AdamW(model.parameters(), LR);
  return [opt, new optim.lrScheduler.CosineAnnealingLR(opt, TOTAL)];
}

/** Steps from..from+steps on rows [s*B, (s+1)*B) mod N, as ddp_continue.py does. */
function train(model: nn.Sequential, opt: optim.AdamW, sched: optim.lrScheduler.CosineAnnealingLR, x: Tensor, y: Tensor, from: number, steps: number): void {
  for (let s = from; s < from + steps; s++) {
    const rows = tensor(Array.from({ length: B }, (_, i) => (s * B + i) % N), { dtype: 'int32' });
    const loss = F.crossEntropy(model.forward(x.indexSelect(0, rows)), y.indexSelect(0, rows));
    opt.zeroGrad();
    loss.backward();
    opt.step();
    sched.step();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe.skipIf(!hasTorch)('a wasmgrad run continues under torchrun + DDP (2 processes) and comes back', () => {
  it('5 steps here, 10 in PyTorch DDP, 5 here = 20 steps here (1e-5 relative)', async () => {
    manualSeed(5);
    const x = randn(N, SIZES[0]!), y = randint(0, SIZES[2]!, [N], { dtype: 'int32' });
    save({ x, y }, join(dir, 'data.safetensors'));

    // the run that never leaves wasmgrad
    const ref = mlp();
    const [refOpt, refSched] = setup(ref);
    train(ref, refOpt, refSched, x, y, 0, TOTAL);

    // 5 steps, then the three files for PyTorch
    const model = mlp();
    const [opt, sched] = setup(model);
    train(model, opt, sched, x, y, 0, 5);
    save(model.stateDict(), join(dir, 'model.safetensors'));
    writeFileSync(join(dir, 'optimizer.safetensors'), optimizerStateToSafetensors(opt.stateDict({ format: 'pytorch' })));
    writeFileSync(join(dir, 'scheduler.safetensors'), schedulerStateToSafetensors(sched.stateDict({ format: 'pytorch' })));

    const port = await freePort();
    const run = spawnSync(PYTHON, [
      TORCHRUN, '--nproc_per_node', '2', '--master_addr', '127.0.0.1', '--master_port', String(port), SCRIPT,
      '--sizes', SIZES.join(','), '--data', join(dir, 'data.safetensors'), '--model', join(dir, 'model.safetensors'),
      '--optimizer', join(dir, 'optimizer.safetensors'), '--scheduler', join(dir, 'scheduler.safetensors'),
      '--optim', 'adamw', '--lr', String(LR), '--total-steps', String(TOTAL), '--start-step', '5', '--steps', '10',
      '--batch-size', String(B), '--out-dir', join(dir, 'back'),
    ], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, OMP_NUM_THREADS: '1' } });
    expect(run.status, `torchrun failed:\n${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain('rank 0: 10 steps on 2 processes');

    // back here: a fresh model, optimizer and scheduler load PyTorch's files and take the last 5 steps
    const back = mlp();
    back.loadStateDict(load(join(dir, 'back', 'model.safetensors')));
    const [opt2, sched2] = setup(back);
    opt2.loadStateDict(optimizerStateFromSafetensors(readFileSync(join(dir, 'back', 'optimizer.safetensors'))));
    sched2.loadStateDict(schedulerStateFromSafetensors(readFileSync(join(dir, 'back', 'scheduler.safetensors'))));
    expect(sched2.getLastLr()[0]).toBeCloseTo(refLrAt(15), 12);
    train(back, opt2, sched2, x, y, 15, 5);

    let num = 0, den = 0;
    const want = ref.stateDict();
    for (const [k, t] of Object.entries(back.stateDict())) {
      const a = t.toArray() as Float32Array, b = want[k]!.toArray() as Float32Array;
      for (let i = 0; i < a.length; i++) {
        num = Math.max(num, Math.abs(a[i]! - b[i]!));
        den = Math.max(den, Math.abs(b[i]!));
      }
    }
    console.log(`ddp-roundtrip: max |difference| / max |parameter| after 20 steps = ${(num / den).toExponential(2)}`);
    expect(num / den).toBeLessThan(1e-5);
    expect(sched2.getLastLr()[0]).toBeCloseTo(refSched.getLastLr()[0]!, 12);
  }, 180_000);
});

/** CosineAnnealingLR's closed form at step t (etaMin 0). */
function refLrAt(t: number): number {
  return (LR * (1 + Math.cos((Math.PI * t) / TOTAL))) / 2;
}
