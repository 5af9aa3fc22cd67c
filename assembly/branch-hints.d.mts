/** Types of assembly/branch-hints.mjs (the build step; the tests import it). */
export function hintKernelFences(wat: string, wasm: Uint8Array, fences: ReadonlyMap<string, number>): Uint8Array<ArrayBuffer>;
