/**
 * Download sizes, raw and gzipped (zlib level 9), of wasmgrad next to TensorFlow.js's WebAssembly setup
 * (the dist files of @tensorflow/tfjs-core and @tensorflow/tfjs-backend-wasm in node_modules).
 * Prints the Markdown table of docs/architecture.md's "Sizes" section. Needs `npm run build` first.
 *
 *   npm run size
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(import.meta.url);

const gz = (b: Uint8Array) => gzipSync(b, { level: 9 }).length;
const kB = (n: number) => `${(n / 1000).toFixed(1)} kB`;

function files(dir: string, ext: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(ext) && !f.endsWith('.d.ts'))
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

const rows: [string, number, number][] = [];
const row = (name: string, bytes: Uint8Array) => rows.push([name, bytes.length, gz(bytes)]);
const concat = (paths: string[]) => Buffer.concat(paths.map((p) => readFileSync(p)));

// wasmgrad
for (const f of files(join(ROOT, 'build'), '.wasm').filter((f) => !f.includes('.debug.')).sort()) {
  row(`wasmgrad \`build/${f.slice(join(ROOT, 'build').length + 1)}\``, readFileSync(f));
}
const bundle = await build({
  stdin: { contents: "export * from './dist/index.js';", resolveDir: ROOT, loader: 'js' },
  bundle: true, format: 'esm', platform: 'browser', minify: true, write: false, logLevel: 'silent',
});
row('wasmgrad JS, whole package as one minified ESM bundle (esbuild --minify)', bundle.outputFiles[0]!.contents);
const distJs = files(join(ROOT, 'dist'), '.js');
row(`wasmgrad JS, \`dist/*.js\` as shipped (${distJs.length} unminified ES modules, summed; gzip of the concatenation)`, concat(distJs));

// TensorFlow.js 
const tfCore = dirname(require.resolve('@tensorflow/tfjs-core/package.json'));
const tfWasm = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
const version = (dir: string) => (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
row(`@tensorflow/tfjs-core ${version(tfCore)} \`dist/tf-core.fesm.min.js\``, readFileSync(join(tfCore, 'dist/tf-core.fesm.min.js')));
row(`@tensorflow/tfjs-backend-wasm ${version(tfWasm)} \`dist/tf-backend-wasm.fesm.min.js\``, readFileSync(join(tfWasm, 'dist/tf-backend-wasm.fesm.min.js')));
for (const w of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
  row(`@tensorflow/tfjs-backend-wasm \`dist/${w}\``, readFileSync(join(tfWasm, 'dist', w)));
}

console.log('| file | raw | gzip -9 |\n|---|---:|---:|');
for (const [name, raw, z] of rows) console.log(`| ${name} | ${kB(raw)} | ${kB(z)} |`);
