/**
 * Getting memory back from tensors the user dropped.
 *
 * Storages are registered with a FinalizationRegistry. Its callbacks normally run only when the event
 * loop is free, which a synchronous training loop never is; so in Node we also use two V8 facilities
 * (enabled through node:v8 before a fresh context is made): `FinalizationRegistry.prototype.cleanupSome`
 * to run pending callbacks synchronously, and `gc()` to collect when WebAssembly memory would otherwise
 * grow. In browsers, where neither exists, the callbacks run whenever the page yields to its event loop.
 */

type Registry = FinalizationRegistry<unknown> & { cleanupSome?: () => void };
type RegistryCtor = new (cb: (held: unknown) => void) => Registry;

interface NodeHooks {
  Registry: RegistryCtor;
  gc: (() => void) | null;
}

function nodeHooks(): NodeHooks | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== 'function') return null;
  try {
    const v8 = proc.getBuiltinModule('v8') as { setFlagsFromString(f: string): void };
    const vm = proc.getBuiltinModule('vm') as { runInNewContext(code: string): unknown };
    v8.setFlagsFromString('--harmony-weak-refs-with-cleanup-some');
    v8.setFlagsFromString('--expose-gc');
    const ctx = vm.runInNewContext('({ Registry: FinalizationRegistry, gc: typeof gc === "function" ? gc : null })') as NodeHooks;
    return ctx;
  } catch {
    return null;
  }
}

const hooks = nodeHooks();
const Ctor: RegistryCtor = hooks?.Registry ?? (FinalizationRegistry as unknown as RegistryCtor);

/** Makes the registry storages are registered with. */
export function makeRegistry(cb: (held: unknown) => void): Registry {
  return new Ctor(cb);
}

/** Runs pending finalizers now if the platform allows it. */
export function drainFinalizers(registry: Registry): void {
  registry.cleanupSome?.();
}

/**
 * True where wasmgrad can collect garbage itself (Node). Elsewhere the engine cannot see WebAssembly
 * memory held by dropped tensors, so large storages carry a ballast (see Storage) to make it collect.
 */
export const canCollectGarbage = hooks?.gc != null;

/** Full garbage collection followed by the finalizers it made due; false where gc() is unavailable. */
export function collectGarbage(registry: Registry): boolean {
  if (hooks?.gc == null) return false;
  hooks.gc();
  registry.cleanupSome?.();
  return true;
}
