/**
 * The tracer behind onnx.export: while a trace is active, every op that calls record() (autograd/node.ts)
 * reports its output, its backward node's name and its inputs here, and ops whose ONNX form needs more
 * than that (a dim, a number operand, a stride) attach it with traceAttrs(). Nothing here costs anything
 * when no trace is active (one null check per recorded op, `isTracing()` before each traceAttrs call).
 * Kept free of heavy imports: node.ts and the op files import it.
 */
import type { Tensor } from '../tensor/tensor.js';

/** What a trace receives. */
export interface TraceSink {
  /** An op recorded `out` under the backward node `name` with these inputs (null: a number operand). */
  onRecord(out: Tensor, name: string, inputs: readonly (Tensor | null)[]): void;
  /**
   * A composite op (leakyRelu, layerNorm, ...) produced `out` from `inputs`: the exporter may emit it as
   * one ONNX op `kind` instead of the primitives it was recorded as.
   */
  onComposite(out: Tensor, kind: string, inputs: readonly (Tensor | null)[], attrs: Record<string, unknown>): void;
  /** Attributes of the op that produced `out` (see traceAttrs). */
  onAttrs(out: Tensor, attrs: Record<string, unknown>): void;
}

/** @internal the active trace (null: none). */
export let tracer: TraceSink | null = null;

/** @internal starts (sink) or ends (null) a trace. */
export function setTracer(sink: TraceSink | null): void {
  tracer = sink;
}

/**
 * Whether onnx.export is tracing a forward pass (ops may then take their composed, traceable path).
 * @example const fusable = !onnx.isTracing() && dropoutP === 0;
 */
export function isTracing(): boolean {
  return tracer !== null;
}

/**
 * Attaches the attributes an op's ONNX form needs (dims, number operands, strides, index tensors) to its
 * output `out`. Call it only when isTracing(): `if (isTracing()) traceAttrs(out, { dim })`.
 */
export function traceAttrs(out: Tensor, attrs: Record<string, unknown>): void {
  if (tracer !== null) tracer.onAttrs(out, attrs);
}

/**
 * Declares `out` the result of the composite op `kind` applied to `inputs` (with `attrs`), after the
 * primitives computing it were recorded. Call it only when isTracing().
 */
export function traceComposite(out: Tensor, kind: string, inputs: readonly (Tensor | null)[], attrs: Record<string, unknown> = {}): void {
  if (tracer !== null) tracer.onComposite(out, kind, inputs, attrs);
}
