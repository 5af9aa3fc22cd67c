/** Saving and loading tensors in the safetensors format. */
export {
  toSafetensors, fromSafetensors, readSafetensorsHeader, readSafetensorsMetadata, SafetensorsError, MAX_HEADER_SIZE,
  type SafetensorsHeader, type SafetensorsTensorInfo, type SafetensorsFloatDType, type ToSafetensorsOptions,
  type FromSafetensorsOptions,
} from './safetensors.js';
export { save, load, loadMetadata } from './node.js';
export {
  optimizerStateToSafetensors, optimizerStateFromSafetensors, schedulerStateToSafetensors, schedulerStateFromSafetensors,
} from './optimizer-state.js';
