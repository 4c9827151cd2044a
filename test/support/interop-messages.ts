import { fileURLToPath } from 'node:url';

/** interopProtoDir is the include folder of the interop example's grpc/testing protos. */
export const interopProtoDir = fileURLToPath(new URL('../../examples/interop/protos', import.meta.url));
/** interopProtoFile is the service file, relative to `interopProtoDir`. */
export const interopProtoFile = 'grpc/testing/test.proto';

/** Payload is grpc.testing.Payload as proto-loader decodes it (bytes as Buffer, enums as names). */
export interface Payload {
  type?: string;
  body: Buffer;
}
/** EchoStatus is grpc.testing.EchoStatus. */
export interface EchoStatus {
  code: number;
  message: string;
}
/** SimpleRequest is grpc.testing.SimpleRequest, trimmed to the fields the cases set. */
export interface SimpleRequest {
  responseType?: string;
  responseSize?: number;
  payload?: Payload;
  responseStatus?: EchoStatus;
}
/** SimpleResponse is grpc.testing.SimpleResponse, trimmed to the fields the cases read. */
export interface SimpleResponse {
  payload: Payload | null;
}
/** StreamingInputCallRequest is grpc.testing.StreamingInputCallRequest. */
export interface StreamingInputCallRequest {
  payload: Payload;
}
/** StreamingInputCallResponse is grpc.testing.StreamingInputCallResponse. */
export interface StreamingInputCallResponse {
  aggregatedPayloadSize: number;
}
/** ResponseParameters is grpc.testing.ResponseParameters, trimmed. */
export interface ResponseParameters {
  size: number;
  intervalUs?: number;
}
/** StreamingOutputCallRequest is grpc.testing.StreamingOutputCallRequest. */
export interface StreamingOutputCallRequest {
  responseType?: string;
  responseParameters?: ResponseParameters[];
  payload?: Payload;
  responseStatus?: EchoStatus;
}
/** StreamingOutputCallResponse is grpc.testing.StreamingOutputCallResponse. */
export interface StreamingOutputCallResponse {
  payload: Payload | null;
}
