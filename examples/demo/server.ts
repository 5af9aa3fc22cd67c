/**
 * The demo's static file server (node:http, nothing else), on 127.0.0.1 only.
 *
 * By default it sends the two headers that make the page cross-origin isolated (what browser threads need):
 *   Cross-Origin-Opener-Policy: same-origin
 *   Cross-Origin-Embedder-Policy: require-corp
 * `--no-isolation` turns them off, to see the single-threaded path and the console notice.
 *
 *   npm run demo                                   # build everything, then serve on http://127.0.0.1:8000/
 *   npx tsx examples/demo/server.ts --port 8080 --no-isolation
 *
 * The page is served from examples/demo/out/ (npm run build:demo) and loads the built package straight from
 * /dist/ through an import map; the loader's `new URL('../../../build/wasmgrad.wasm', import.meta.url)` then
 * resolves to /build/wasmgrad.wasm, which is how it works from any static server.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ServeOptions {
  /** Port to listen on; 0 (the default here) picks a free one. */
  port?: number;
  /** Send COOP/COEP so the page is cross-origin isolated (default true). */
  isolate?: boolean;
  /** URL prefix → directory. Default: the demo (/ → examples/demo/out, /dist/ → dist, /build/ → build). */
  mounts?: Record<string, string>;
  /** Called for every request (tests use it to see what the page fetched). */
  onRequest?: (path: string, status: number) => void;
}

export interface Served {
  url: string;
  port: number;
  close(): Promise<void>;
}

export const demoMounts: Record<string, string> = {
  '/': join(ROOT, 'examples/demo/out'),
  '/dist/': join(ROOT, 'dist'),
  '/build/': join(ROOT, 'build'),
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** Maps a request path to a file inside one of the mounts (never outside it), or null. */
function locate(mounts: [string, string][], urlPath: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (path.includes('\0')) return null;
  for (const [prefix, dir] of mounts) {
    if (!path.startsWith(prefix)) continue;
    const root = resolve(dir);
    let file = resolve(root, '.' + normalize('/' + path.slice(prefix.length)));
    if (file !== root && !file.startsWith(root + sep)) return null;
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    return existsSync(file) && statSync(file).isFile() ? file : null;
  }
  return null;
}

export function serve(options: ServeOptions = {}): Promise<Served> {
  const isolate = options.isolate ?? true;
  // longest prefix first
  const mounts = Object.entries(options.mounts ?? demoMounts).sort((a, b) => b[0].length - a[0].length);
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const send = (status: number, body: string): void => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(body);
      options.onRequest?.(path, status);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
    const file = locate(mounts, path);
    if (file === null) return send(404, `not found: ${path}\n`);
    const headers: Record<string, string | number> = {
      'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': statSync(file).size,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    };
    if (isolate) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      headers['Cross-Origin-Resource-Policy'] = 'same-origin';
    }
    res.writeHead(200, headers);
    options.onRequest?.(path, 200);
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  };
  return new Promise((resolvePromise, reject) => {
    const server = createServer(handler);
    server.on('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolvePromise({
        url: `http://127.0.0.1:${port}/`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

// ---- command line (npm run demo) ----
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8000' },
      'no-isolation': { type: 'boolean', default: false },
    },
  });
  const missing = [
    [join(ROOT, 'examples/demo/out/index.html'), 'npm run build:demo'],
    [join(ROOT, 'dist/index.js'), 'npm run build'],
    [join(ROOT, 'build/wasmgrad.wasm'), 'npm run build'],
  ].filter(([f]) => !existsSync(f!));
  if (missing.length > 0) {
    console.error(`missing ${missing.map(([f, cmd]) => `${f} (${cmd})`).join(', ')}; \`npm run demo\` builds everything`);
    process.exit(1);
  }
  const isolate = !values['no-isolation'];
  const served = await serve({ port: Number(values.port), isolate });
  console.log(`wasmgrad demo: ${served.url}`);
  console.log(
    isolate
      ? '  sending Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp (cross-origin isolated); --no-isolation to turn them off'
      : '  without COOP/COEP headers: the page is not cross-origin isolated and runs single-threaded',
  );
  console.log('  Ctrl+C to stop');
}
