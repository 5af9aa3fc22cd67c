/**
 * Strict options, shared by every public function, method and constructor that takes them: an unknown
 * key throws a TypeError naming the function and the key, with a hint when the key is PyTorch's
 * snake_case spelling of a known one (`weight_decay` -> `weightDecay`) or a near miss (`paddin` ->
 * `padding`). PyTorch's positional parameters are accepted in PyTorch's order, with an options object as
 * the keyword form, alone or after the positional ones (`Conv2d(3, 8, 3, 1, 1, { bias: false })`).
 */

/** A plain object literal (not an array, a Tensor or another class instance). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** snake_case -> camelCase (`weight_decay` -> `weightDecay`). */
function camel(k: string): string {
  return k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Edit distance, for near-miss hints. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

/** The hint for an unknown key: the known key it most likely means, if any. */
export function keyHint(key: string, known: readonly string[]): string {
  const c = camel(key);
  if (c !== key && known.includes(c)) return ` (PyTorch's ${key} is ${c} here)`;
  let best = '';
  let bestD = Infinity;
  for (const k of known) {
    const dist = distance(c, k);
    if (dist < bestD) {
      bestD = dist;
      best = k;
    }
  }
  if (best !== '' && bestD <= Math.max(1, Math.floor(best.length / 3))) return ` (did you mean '${best}'?)`;
  return '';
}

/**
 * Checks that `options` (undefined, null or a plain object) has only `known` keys, and returns it as an
 * object (empty for undefined/null). Keys whose value is undefined count as absent.
 */
export function checkOptions<T extends object>(op: string, options: T | null | undefined, known: readonly string[]): Partial<T> {
  if (options == null) return {};
  if (!isPlainObject(options)) {
    const what = Array.isArray(options) ? 'an array' : typeof options === 'object' ? (options as object).constructor?.name ?? 'an object' : typeof options;
    throw new TypeError(`${op}: options must be an object like { ${known.slice(0, 3).join(', ')} }, got ${what}`);
  }
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) {
      throw new TypeError(
        `${op}: unknown option '${k}'${keyHint(k, known)}; ` + (known.length > 0 ? `known options: ${known.join(', ')}` : 'it takes no options'),
      );
    }
  }
  return options;
}

/**
 * PyTorch's optional positional parameters `names` (in PyTorch's order) given as `args`, possibly ending
 * with an options object (the keyword form), merged into one options object. A value given both ways,
 * too many positional values, or an options object before the last argument throws. `extra` lists keys
 * that are keyword-only (as after PyTorch's `*`).
 */
export function positionalOptions<T extends object>(op: string, args: readonly unknown[], names: readonly string[], extra: readonly string[] = []): Partial<T> {
  const last = args[args.length - 1];
  const hasOptions = args.length > 0 && (isPlainObject(last) || last === undefined);
  const positional = hasOptions && isPlainObject(last) ? args.slice(0, -1) : args;
  if (positional.length > names.length) {
    throw new TypeError(`${op}: takes at most ${names.length} positional arguments after the required ones (${names.join(', ')}), got ${positional.length}`);
  }
  const known = [...names, ...extra];
  const out: Record<string, unknown> = {};
  positional.forEach((v, i) => {
    if (isPlainObject(v)) {
      throw new TypeError(`${op}: an options object must come last; argument ${i + 1} after the required ones (${names[i]}) is an object`);
    }
    if (v !== undefined) out[names[i]!] = v;
  });
  if (isPlainObject(last)) {
    checkOptions(op, last, known);
    for (const [k, v] of Object.entries(last)) {
      if (v === undefined) continue;
      if (k in out) throw new TypeError(`${op}: ${k} is given both as positional argument and as option`);
      out[k] = v;
    }
  }
  return out as Partial<T>;
}
