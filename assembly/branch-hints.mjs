// Branch hints for the GEMM micro-kernels, added to each build by assembly/build.mjs.
//
// Every generated micro-kernel has scheduling fences in its k loop: `if (ap == 0) { stores }` after each
// row of FMAs (see assembly/gen/gemm-kernels.mjs for why). They never run, but V8 lays a branch's body
// inline and jumps over it, so the loop takes a branch at almost every fence. The WebAssembly branch-hinting
// proposal (a `metadata.code.branch_hint` custom section; on in Chromium >= 136, behind V8's
// `--experimental-wasm-branch-hinting` in Node 20 and 22, which the loader sets) lets the module say a
// branch is unlikely: V8 then moves the stores out of the loop and the FMAs run straight through.
// Engines without it ignore the section.
//
// AssemblyScript cannot express hints, so this pass takes the text asc wrote beside the binary, marks each
// fence (`i32.eqz` then `if` inside a `gemm_kernels/` function) unlikely, and reassembles it with Binaryen
// (the one asc itself runs). It refuses to write anything unless the text reassembled without hints is
// byte for byte asc's binary and every kernel has exactly the fences the generator wrote.
import binaryen from 'binaryen';

const KERNEL_FUNC = /^ \(func \$assembly\/gen\/gemm_kernels\/(\w+) /;
const UNLIKELY = '(@metadata.code.branch_hint "\\00")';

/**
 * Marks the fences of `wat` (asc's text of the module in `wasm`) unlikely and returns the new binary.
 * `fences` maps each generated kernel's name to its number of fences; every kernel in the module must
 * have exactly that many.
 */
export function hintKernelFences(wat, wasm, fences) {
  const lines = wat.split('\n');
  const found = new Map();
  let kernel;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith(' (func ')) {
      kernel = KERNEL_FUNC.exec(line)?.[1];
      if (kernel !== undefined) found.set(kernel, 0);
    } else if (kernel !== undefined && /^\s+if$/.test(line) && /^\s+i32\.eqz$/.test(lines[i - 1])) {
      lines[i] = line.replace('if', `${UNLIKELY} if`);
      found.set(kernel, found.get(kernel) + 1);
    }
  }
  if (found.size === 0) throw new Error('branch hints: no GEMM micro-kernel in the module');
  for (const [name, n] of found) {
    if (fences.get(name) !== n) {
      throw new Error(`branch hints: ${name} has ${n} fences in the module, the generator wrote ${fences.get(name)}`);
    }
  }
  // The text must be the module asc wrote: reassembled without hints, it gives the bytes Binaryen emits for
  // asc's binary read back (the two can differ from asc's own bytes only in how a function's locals are
  // grouped, which Binaryen normalises, as in the standard library's sin/cos/tan).
  const same = assemble(wat);
  const reference = reemit(wasm);
  if (same.length !== reference.length || !same.every((b, i) => b === reference[i])) {
    throw new Error('branch hints: Binaryen does not reassemble the text to the module asc wrote');
  }
  return assemble(lines.join('\n'));
}

/** `wasm` read by Binaryen and written back (its normal form of asc's module). */
function reemit(wasm) {
  const module = binaryen.readBinary(wasm);
  try {
    module.setFeatures(binaryen.Features.All);
    return module.emitBinary();
  } finally {
    module.dispose();
  }
}

function assemble(text) {
  const module = binaryen.parseText(text);
  try {
    module.setFeatures(binaryen.Features.All);
    if (!module.validate()) throw new Error('branch hints: the reassembled module does not validate');
    return module.emitBinary();
  } finally {
    module.dispose();
  }
}
