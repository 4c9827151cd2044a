export { createGrpcTransport } from './grpc-transport.js';
export type { GrpcTransportOptions } from './grpc-transport.js';
export type { ResetLimits } from './session-guard.js';
