// Public API of @tsmicro/codegen.
export { generate } from './generate.js';
export type { GenerateOptions } from './generate.js';
export { checkOutput, writeOutput } from './write-output.js';
export type { OutputDrift } from './write-output.js';
export { ProtoError } from './proto-error.js';
export { VERSION } from './version.js';
export { main } from './cli.js';
