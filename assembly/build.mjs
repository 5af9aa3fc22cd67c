#!/usr/bin/env node
// Builds the four WebAssembly kernel modules (`npm run asbuild`): generates the GEMM micro-kernels, then
// runs asc for the targets of asconfig.json (plain and relaxed SIMD, each with a private and a shared
// memory), as many at once as there are cores (each asc run is single-threaded), and adds
// branch hints to each module's micro-kernels (assembly/branch-hints.mjs).
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { hintKernelFences } from './branch-hints.mjs';
import { writeGemmKernels } from './gen/gemm-kernels.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const asc = createRequire(import.meta.url).resolve('assemblyscript/bin/asc.js');
const targets = ['release', 'release-relaxed', 'release-threads', 'release-relaxed-threads'];

function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${args.slice(1).join(' ')}: ${signal ?? `exit code ${code}`}`))));
  });
}

const fences = writeGemmKernels();
const config = JSON.parse(readFileSync(new URL('../asconfig.json', import.meta.url), 'utf8'));

async function build(target) {
  await run([asc, 'assembly/index.ts', '--target', target]);
  const { outFile, textFile } = config.targets[target];
  const wasm = readFileSync(new URL(`../${outFile}`, import.meta.url));
  const wat = readFileSync(new URL(`../${textFile}`, import.meta.url), 'utf8');
  let hinted;
  try {
    hinted = hintKernelFences(wat, wasm, fences);
  } catch (err) {
    // the hints only speed the module up: keep asc's binary (test/branch-hints.test.ts then fails)
    console.warn(`asbuild: ${target}: no branch hints (${err.message}); the module works without them, its GEMM a little slower`);
    return;
  }
  writeFileSync(new URL(`../${outFile}`, import.meta.url), hinted);
}

const queue = [...targets];
const lanes = Array.from({ length: Math.max(1, Math.min(availableParallelism(), targets.length)) }, async () => {
  for (let t = queue.shift(); t !== undefined; t = queue.shift()) await build(t);
});
try {
  await Promise.all(lanes);
} catch (err) {
  console.error(`asbuild: ${err.message}`);
  process.exit(1);
}
