/**
 * ONNX export (PyTorch's torch.onnx): `await onnx.export(model, exampleInput, options)` returns the model
 * as ONNX bytes. `isTracing()` tells an op that onnx.export is tracing it.
 * @example const bytes = await onnx.export(model, randn(1, 784), { dynamicAxes: { input: { 0: 'batch' }, output: { 0: 'batch' } } });
 */
export { exportModel as export, type ExportOptions, type DynamicAxes } from './export.js';
export { isTracing } from './trace.js';
