import { fileURLToPath } from 'node:url';

/** greeterProtoPath is the greeter example's contract, the .proto both peers load. */
export const greeterProtoPath = fileURLToPath(new URL('../../examples/greeter/greeter.proto', import.meta.url));

/** HelloRequest is greeter.HelloRequest as proto-loader decodes it. */
export interface HelloRequest {
  name: string;
}
/** HelloReply is greeter.HelloReply as proto-loader decodes it. */
export interface HelloReply {
  message: string;
}
/** StreamRequestData is greeter.StreamRequestData as proto-loader decodes it. */
export interface StreamRequestData {
  data: string;
  count: number;
}
/** StreamResponseData is greeter.StreamResponseData as proto-loader decodes it. */
export interface StreamResponseData {
  data: string;
  index: number;
}
