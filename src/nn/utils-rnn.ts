/**
 * nn.utils.rnn: padding and packing of variable-length sequences, as PyTorch's torch.nn.utils.rnn.
 * A PackedSequence holds the time steps of a batch of sequences sorted by decreasing length, step after
 * step: `data` [sum of lengths, *], `batchSizes[t]` = how many sequences are longer than t.
 */
import { Tensor } from '../tensor/tensor.js';
import { shapeStr } from '../tensor/shape.js';
import { full, tensor } from '../tensor/creation.js';
import { cat, indexSelect, stack } from '../ops/indexing.js';
import { narrow, transpose } from '../ops/view.js';
import { positionalOptions } from '../options.js';
import { describeValue, type PositionalOr } from '../ops/loss.js';
import { checkBool } from '../ops/dropout.js';

/**
 * PyTorch's PackedSequence: `data` (the steps of all sequences, step after step), `batchSizes` (int32
 * [maxLength], non-increasing), and, when the batch was sorted by length, `sortedIndices` (sorted position ->
 * original index) and `unsortedIndices` (its inverse); null when the input was already sorted.
 * Made by packPaddedSequence / packSequence, accepted by nn.RNN, nn.LSTM and nn.GRU.
 * @example const p = nn.utils.rnn.packSequence([a, b]); const [out] = lstm.forward(p);
 */
export class PackedSequence {
  readonly data: Tensor;
  readonly batchSizes: Tensor;
  readonly sortedIndices: Tensor | null;
  readonly unsortedIndices: Tensor | null;

  /** (data, batchSizes, sortedIndices = null, unsortedIndices = inverse of sortedIndices). */
  constructor(data: Tensor, batchSizes: Tensor, sortedIndices: Tensor | null = null, unsortedIndices: Tensor | null = null) {
    const op = 'PackedSequence';
    if (!(data instanceof Tensor)) throw new TypeError(`${op}: data must be a Tensor, got ${describeValue(data)}`);
    if (!(batchSizes instanceof Tensor) || batchSizes.ndim !== 1 || batchSizes.dtype !== 'int32') {
      throw new TypeError(`${op}: batchSizes must be a 1-d int32 Tensor, got ${describeValue(batchSizes)}`);
    }
    const bs = Array.from(batchSizes.toArray());
    let total = 0;
    for (let t = 0; t < bs.length; t++) {
      if (!(bs[t]! >= 1) || (t > 0 && bs[t]! > bs[t - 1]!)) {
        throw new RangeError(`${op}: batchSizes must be positive and non-increasing, got [${bs.join(', ')}]`);
      }
      total += bs[t]!;
    }
    if (data.ndim < 1 || data.shape[0] !== total) {
      throw new RangeError(`${op}: data shape ${shapeStr(data.shape)} does not have sum(batchSizes) = ${total} rows`);
    }
    for (const [name, t] of [['sortedIndices', sortedIndices], ['unsortedIndices', unsortedIndices]] as const) {
      if (t !== null && (!(t instanceof Tensor) || t.ndim !== 1 || t.dtype !== 'int32' || (bs.length > 0 && t.shape[0] !== bs[0]))) {
        throw new TypeError(`${op}: ${name} must be null or a 1-d int32 Tensor of batch size ${bs[0] ?? 0}, got ${describeValue(t)}`);
      }
    }
    this.data = data;
    this.batchSizes = batchSizes;
    this.sortedIndices = sortedIndices;
    this.unsortedIndices = unsortedIndices ?? (sortedIndices === null ? null : invertPermutation(sortedIndices));
  }
}

function invertPermutation(p: Tensor): Tensor {
  const v = p.toArray();
  const inv = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) inv[v[i]!] = i;
  return tensor(inv);
}

function checkSequences(sequences: unknown, op: string): Tensor[] {
  if (!Array.isArray(sequences) || sequences.length === 0) throw new TypeError(`${op}: expects a non-empty array of Tensors, got ${describeValue(sequences)}`);
  sequences.forEach((s, i) => {
    if (!(s instanceof Tensor)) throw new TypeError(`${op}: element ${i} is not a Tensor (${describeValue(s)})`);
    if (s.ndim < 1) throw new RangeError(`${op}: element ${i} is a 0-d tensor; sequences must have a length dim`);
  });
  const first = sequences[0] as Tensor;
  sequences.forEach((s: Tensor, i) => {
    if (s.ndim !== first.ndim || s.shape.some((d, k) => k > 0 && d !== first.shape[k])) {
      throw new RangeError(`${op}: the trailing dims of all sequences must match; element 0 has shape ${shapeStr(first.shape)}, element ${i} ${shapeStr(s.shape)}`);
    }
  });
  return sequences as Tensor[];
}

export interface PadSequenceOptions {
  /** Output [batch, maxLength, *] instead of [maxLength, batch, *]; default false. */
  batchFirst?: boolean;
  /** Value of the padding elements; default 0. */
  paddingValue?: number;
}

/** x [L, *] padded with `value` to [length, *] (differentiable: a cat with a constant block). */
function padTo(x: Tensor, length: number, value: number): Tensor {
  const L = x.shape[0]!;
  if (L === length) return x;
  return cat([x, full([length - L, ...x.shape.slice(1)], value)], 0);
}

/**
 * PyTorch's pad_sequence: stacks sequences [L_i, *] into [maxL, B, *] (or [B, maxL, *] with batchFirst),
 * the missing steps filled with paddingValue. Arguments as PyTorch: (sequences, batchFirst = false,
 * paddingValue = 0), and/or { batchFirst, paddingValue }.
 * @example padSequence([tensor([1, 2, 3]), tensor([4])], true).tolist(); // [[1, 2, 3], [4, 0, 0]]
 */
export function padSequence(sequences: readonly Tensor[], ...args: PositionalOr<[batchFirst: boolean, paddingValue: number], PadSequenceOptions>): Tensor {
  const op = 'nn.utils.rnn.padSequence';
  const o = positionalOptions<PadSequenceOptions>(op, args, ['batchFirst', 'paddingValue']);
  const batchFirst = checkBool(o.batchFirst, false, op, 'batchFirst');
  const value = o.paddingValue ?? 0;
  if (typeof value !== 'number') throw new TypeError(`${op}: paddingValue must be a number, got ${describeValue(value)}`);
  const seqs = checkSequences(sequences, op);
  const maxLen = Math.max(...seqs.map((s) => s.shape[0]!));
  return stack(seqs.map((s) => padTo(s, maxLen, value)), batchFirst ? 0 : 1);
}

function lengthsArray(lengths: unknown, op: string): number[] {
  let v: number[];
  if (lengths instanceof Tensor) {
    if (lengths.ndim !== 1 || lengths.dtype === 'bool') throw new TypeError(`${op}: lengths must be a 1-d tensor of integers, got ${describeValue(lengths)}`);
    v = Array.from(lengths.toArray());
  } else if (Array.isArray(lengths)) {
    v = lengths as number[];
  } else {
    throw new TypeError(`${op}: lengths must be an array of integers or a 1-d Tensor, got ${describeValue(lengths)}`);
  }
  v.forEach((l, i) => {
    if (typeof l !== 'number' || !Number.isInteger(l)) throw new TypeError(`${op}: lengths[${i}] must be an integer, got ${describeValue(l)}`);
  });
  return v;
}

export interface PackPaddedSequenceOptions {
  /** Input is [B, T, *] instead of [T, B, *]; default false. */
  batchFirst?: boolean;
  /** Require lengths sorted in decreasing order (else the batch is sorted and the order recorded); default true. */
  enforceSorted?: boolean;
}

/**
 * PyTorch's pack_padded_sequence: packs a padded batch [T, B, *] (or [B, T, *] with batchFirst) whose
 * sequence b has lengths[b] valid steps. With enforceSorted (default) lengths must be non-increasing;
 * otherwise the batch is sorted by decreasing length (stable) and sortedIndices records the order.
 * Arguments as PyTorch: (input, lengths, batchFirst = false, enforceSorted = true), and/or
 * { batchFirst, enforceSorted }. Differentiable in input.
 * @example const p = packPaddedSequence(x, [5, 3], { batchFirst: true });
 */
export function packPaddedSequence(
  input: Tensor,
  lengths: readonly number[] | Tensor,
  ...args: PositionalOr<[batchFirst: boolean, enforceSorted: boolean], PackPaddedSequenceOptions>
): PackedSequence {
  const op = 'nn.utils.rnn.packPaddedSequence';
  const o = positionalOptions<PackPaddedSequenceOptions>(op, args, ['batchFirst', 'enforceSorted']);
  const batchFirst = checkBool(o.batchFirst, false, op, 'batchFirst');
  const enforceSorted = checkBool(o.enforceSorted, true, op, 'enforceSorted');
  if (!(input instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor, got ${describeValue(input)}`);
  const lens = lengthsArray(lengths, op);
  if (input.ndim < 2) throw new RangeError(`${op}: input must have at least 2 dims ([T, B, *] or [B, T, *]), got shape ${shapeStr(input.shape)}`);
  const bDim = batchFirst ? 0 : 1, tDim = batchFirst ? 1 : 0;
  const B = input.shape[bDim]!, T = input.shape[tDim]!;
  if (lens.length !== B) {
    throw new RangeError(`${op}: expected len(lengths) to be equal to batch_size, but got ${lens.length} (batch_size=${B}, input shape ${shapeStr(input.shape)})`);
  }
  if (lens.some((l) => l <= 0)) {
    throw new RangeError(`${op}: length of all samples has to be greater than 0, but found an element in lengths that is <= 0 ([${lens.join(', ')}])`);
  }
  let sorted: number[] | null = null;
  if (enforceSorted) {
    for (let i = 1; i < lens.length; i++) {
      if (lens[i]! > lens[i - 1]!) {
        throw new RangeError(`${op}: lengths array must be sorted in decreasing order when enforceSorted is true, got [${lens.join(', ')}]. ` +
          'You can pass { enforceSorted: false } to packPaddedSequence and/or packSequence to sidestep this requirement.');
      }
    }
  } else {
    sorted = lens.map((_, i) => i).sort((a, b) => lens[b]! - lens[a]! || a - b);
  }
  const sortedLens = sorted === null ? lens : sorted.map((i) => lens[i]!);
  const maxLen = sortedLens[0]!;
  if (maxLen > T) throw new RangeError(`${op}: a length of ${maxLen} is larger than the ${T} steps of input shape ${shapeStr(input.shape)}`);
  const sortedIndices = sorted === null ? null : tensor(Int32Array.from(sorted));
  let x = sortedIndices === null ? input : indexSelect(input, bDim, sortedIndices);
  if (batchFirst) x = transpose(x, 0, 1);
  const batchSizes: number[] = [];
  const steps: Tensor[] = [];
  for (let t = 0; t < maxLen; t++) {
    let bs = 0;
    while (bs < sortedLens.length && sortedLens[bs]! > t) bs++;
    batchSizes.push(bs);
    steps.push(narrow(x.select(0, t), 0, 0, bs));
  }
  return new PackedSequence(cat(steps, 0), tensor(Int32Array.from(batchSizes)), sortedIndices, null);
}

export interface PadPackedSequenceOptions {
  /** Output [B, T, *] instead of [T, B, *]; default false. */
  batchFirst?: boolean;
  /** Value of the padding elements; default 0. */
  paddingValue?: number;
  /** Pad to this many steps (at least the longest sequence); default null: the longest sequence. */
  totalLength?: number | null;
}

/**
 * PyTorch's pad_packed_sequence: the inverse of packPaddedSequence. Returns [padded, lengths] with padded
 * [T, B, *] (or [B, T, *] with batchFirst) in the original batch order and lengths an int32 [B] tensor.
 * Arguments as PyTorch: (sequence, batchFirst = false, paddingValue = 0, totalLength = null), and/or
 * { batchFirst, paddingValue, totalLength }. Differentiable in sequence.data.
 * @example const [out, lens] = padPackedSequence(packedOut, true);
 */
export function padPackedSequence(
  sequence: PackedSequence,
  ...args: PositionalOr<[batchFirst: boolean, paddingValue: number, totalLength: number | null], PadPackedSequenceOptions>
): [Tensor, Tensor] {
  const op = 'nn.utils.rnn.padPackedSequence';
  const o = positionalOptions<PadPackedSequenceOptions>(op, args, ['batchFirst', 'paddingValue', 'totalLength']);
  const batchFirst = checkBool(o.batchFirst, false, op, 'batchFirst');
  const value = o.paddingValue ?? 0;
  if (typeof value !== 'number') throw new TypeError(`${op}: paddingValue must be a number, got ${describeValue(value)}`);
  if (!(sequence instanceof PackedSequence)) throw new TypeError(`${op}: sequence must be a PackedSequence, got ${describeValue(sequence)}`);
  const bs = Array.from(sequence.batchSizes.toArray());
  const T = bs.length, B = bs[0] ?? 0;
  const total = o.totalLength ?? null;
  if (total !== null) {
    if (typeof total !== 'number' || !Number.isInteger(total)) throw new TypeError(`${op}: totalLength must be an integer or null, got ${describeValue(total)}`);
    if (total < T) {
      throw new RangeError(`${op}: expected totalLength to be at least the length of the longest sequence in input, but got totalLength=${total} and max sequence length being ${T}`);
    }
  }
  const data = sequence.data;
  const rest = data.shape.slice(1);
  const steps: Tensor[] = [];
  let off = 0;
  for (let t = 0; t < T; t++) {
    steps.push(padTo(narrow(data, 0, off, bs[t]!), B, value));
    off += bs[t]!;
  }
  const len = total ?? T;
  for (let t = T; t < len; t++) steps.push(full([B, ...rest], value));
  let padded = stack(steps, 0);
  const lens = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    let l = 0;
    while (l < T && bs[l]! > b) l++;
    lens[b] = l;
  }
  let lengths = tensor(lens);
  const unsorted = sequence.unsortedIndices;
  if (unsorted !== null) {
    padded = indexSelect(padded, 1, unsorted);
    const u = unsorted.toArray();
    lengths = tensor(Int32Array.from(u, (i) => lens[i]!));
  }
  if (batchFirst) padded = transpose(padded, 0, 1);
  return [padded, lengths];
}

export interface PackSequenceOptions {
  /** Require sequences sorted by decreasing length; default true. */
  enforceSorted?: boolean;
}

/**
 * PyTorch's pack_sequence: packPaddedSequence(padSequence(sequences), lengths, enforceSorted = true).
 * @example const p = packSequence([tensor([[1], [2], [3]]), tensor([[4]])]);
 */
export function packSequence(sequences: readonly Tensor[], ...args: PositionalOr<[enforceSorted: boolean], PackSequenceOptions>): PackedSequence {
  const op = 'nn.utils.rnn.packSequence';
  const o = positionalOptions<PackSequenceOptions>(op, args, ['enforceSorted']);
  const enforceSorted = checkBool(o.enforceSorted, true, op, 'enforceSorted');
  const seqs = checkSequences(sequences, op);
  return packPaddedSequence(padSequence(seqs), seqs.map((s) => s.shape[0]!), { enforceSorted });
}

export interface UnpadSequenceOptions {
  /** Input is [B, T, *] instead of [T, B, *]; default false. */
  batchFirst?: boolean;
}

/**
 * PyTorch's unpad_sequence: the list of sequences [lengths[b], *] of a padded batch.
 * Arguments as PyTorch: (paddedSequences, lengths, batchFirst = false), and/or { batchFirst }.
 * @example unpadSequence(padSequence([a, b]), [a.shape[0], b.shape[0]]);
 */
export function unpadSequence(paddedSequences: Tensor, lengths: readonly number[] | Tensor, ...args: PositionalOr<[batchFirst: boolean], UnpadSequenceOptions>): Tensor[] {
  const op = 'nn.utils.rnn.unpadSequence';
  const o = positionalOptions<UnpadSequenceOptions>(op, args, ['batchFirst']);
  const batchFirst = checkBool(o.batchFirst, false, op, 'batchFirst');
  if (!(paddedSequences instanceof Tensor) || paddedSequences.ndim < 2) {
    throw new TypeError(`${op}: paddedSequences must be a Tensor of at least 2 dims, got ${describeValue(paddedSequences)}`);
  }
  const lens = lengthsArray(lengths, op);
  const x = batchFirst ? paddedSequences : transpose(paddedSequences, 0, 1);
  if (lens.length !== x.shape[0]) throw new RangeError(`${op}: got ${lens.length} lengths for a batch of ${x.shape[0]} (shape ${shapeStr(paddedSequences.shape)})`);
  return lens.map((l, b) => {
    if (l < 0 || l > x.shape[1]!) throw new RangeError(`${op}: lengths[${b}] = ${l} is out of range for ${x.shape[1]} steps`);
    return narrow(x.select(0, b), 0, 0, l);
  });
}

/**
 * PyTorch's unpack_sequence: the list of sequences of a PackedSequence, in the original order.
 * @example unpackSequence(packSequence([a, b])); // [a, b]
 */
export function unpackSequence(packedSequences: PackedSequence): Tensor[] {
  const [padded, lengths] = padPackedSequence(packedSequences, true);
  return unpadSequence(padded, lengths, true);
}
