/**
 * The plain-TypeScript reference backend: straightforward loops computing in doubles and rounding to f32
 * on store. It is the "pure TS" baseline and the correctness oracle for the WebAssembly kernels.
 *
 * A kernel is a function exported under its table name (kernels.ts) from one of the family modules below;
 * a kernel of the table that none of them exports is a type error here.
 */
import { KERNEL_NAMES, type Kernels } from '../kernels.js';
import * as activation from './activation.js';
import * as attention from './attention.js';
import * as batchnorm from './batchnorm.js';
import * as convBatch from './conv-batch.js';
import * as conv from './conv.js';
import * as elementwise from './elementwise.js';
import * as fused from './fused.js';
import * as gemm from './gemm.js';
import * as indexing from './indexing.js';
import * as layernorm from './layernorm.js';
import * as math from './math.js';
import * as optim from './optim.js';
import * as pool from './pool.js';
import * as random from './random.js';
import * as reduce from './reduce.js';
import * as rnn from './rnn.js';
import * as softmax from './softmax.js';
import * as winograd from './winograd.js';
import * as winograd4 from './winograd4.js';

const families: Kernels = {
  ...activation, ...attention, ...convBatch, ...conv, ...elementwise, ...fused, ...gemm, ...indexing, ...math, ...optim, ...pool, ...reduce,
  ...softmax, ...rnn, ...batchnorm, ...layernorm, ...random, ...winograd, ...winograd4,
};

/** The reference kernel table: exactly the kernels of the table (the families' helpers left out). */
export const jsKernels: Kernels = Object.fromEntries(KERNEL_NAMES.map((name) => [name, families[name]])) as Kernels;
