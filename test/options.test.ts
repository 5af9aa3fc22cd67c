/**
 * The strict-options helpers every public API uses: unknown keys throw naming the function and the key
 * with a snake_case or near-miss hint; positional parameters in PyTorch's order merge with a trailing
 * options object, and conflicts or extras throw.
 */
import { describe, expect, it } from 'vitest';
import { checkOptions, keyHint, positionalOptions } from '../src/options.js';

describe('checkOptions', () => {
  it('accepts known keys, undefined and null', () => {
    expect(checkOptions('f', { a: 1 }, ['a', 'b'])).toEqual({ a: 1 });
    expect(checkOptions('f', undefined, ['a'])).toEqual({});
    expect(checkOptions('f', null, ['a'])).toEqual({});
  });
  it('names the function and the key, with hints', () => {
    expect(() => checkOptions('AdamW', { weight_decay: 0.1 }, ['lr', 'weightDecay'])).toThrow(/AdamW: unknown option 'weight_decay' \(PyTorch's weight_decay is weightDecay here\)/);
    expect(() => checkOptions('Conv2d', { paddin: 1 }, ['stride', 'padding'])).toThrow(/Conv2d: unknown option 'paddin' \(did you mean 'padding'\?\)/);
    expect(() => checkOptions('f', { zzz: 1 }, ['padding'])).toThrow(/unknown option 'zzz'; known options: padding$/);
    expect(keyHint('label_smoothing', ['labelSmoothing'])).toContain('labelSmoothing');
  });
  it('refuses non-objects', () => {
    expect(() => checkOptions('f', 3 as never, ['a'])).toThrow(TypeError);
    expect(() => checkOptions('f', [1] as never, ['a'])).toThrow(/an array/);
  });
});

describe('positionalOptions', () => {
  const names = ['stride', 'padding', 'bias'];
  it('maps positional values in order and merges a trailing options object', () => {
    expect(positionalOptions('Conv2d', [2, 1], names)).toEqual({ stride: 2, padding: 1 });
    expect(positionalOptions('Conv2d', [2, { bias: false }], names)).toEqual({ stride: 2, bias: false });
    expect(positionalOptions('Conv2d', [{ padding: 1 }], names)).toEqual({ padding: 1 });
    expect(positionalOptions('Conv2d', [undefined, 1], names)).toEqual({ padding: 1 });
    expect(positionalOptions('Conv2d', [], names)).toEqual({});
  });
  it('throws on conflicts, extras, misplaced objects and unknown keys', () => {
    expect(() => positionalOptions('Conv2d', [2, { stride: 3 }], names)).toThrow(/stride is given both/);
    expect(() => positionalOptions('Conv2d', [1, 2, 3, 4], names)).toThrow(/at most 3 positional/);
    expect(() => positionalOptions('Conv2d', [{ padding: 1 }, 2], names)).toThrow(/must come last/);
    expect(() => positionalOptions('Conv2d', [{ paddin: 1 }], names)).toThrow(/did you mean 'padding'/);
  });
  it('accepts keyword-only keys in the options object only', () => {
    expect(positionalOptions('f', [1, { k: 2 }], ['a'], ['k'])).toEqual({ a: 1, k: 2 });
  });
});
