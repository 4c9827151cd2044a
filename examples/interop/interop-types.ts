import { loadProto } from '@tsmicro/core';
import { exampleFile } from '../shared/example-file.js';

/** The grpc.testing protos, loaded at run time (imports resolve under protos/). */
export const interopProto = loadProto(['grpc/testing/test.proto'], {
  includeDirs: [exampleFile(import.meta.url, 'protos')],
});
export const TestServiceDefinition = interopProto.service('grpc.testing.TestService');
export const UnimplementedServiceDefinition = interopProto.service('grpc.testing.UnimplementedService');

export interface Payload {
  type: string;
  body: Uint8Array;
}
export interface EchoStatus {
  code: number;
  message: string;
}
export interface ResponseParameters {
  size: number;
  intervalUs: number;
}
export interface SimpleRequest {
  responseType: string;
  responseSize: number;
  payload: Payload | null;
  responseStatus: EchoStatus | null;
}
export interface SimpleResponse {
  payload: Payload | null;
}
export interface StreamingInputCallRequest {
  payload: Payload | null;
}
export interface StreamingInputCallResponse {
  aggregatedPayloadSize: number;
}
export interface StreamingOutputCallRequest {
  responseType: string;
  responseParameters: ResponseParameters[];
  payload: Payload | null;
  responseStatus: EchoStatus | null;
}
export interface StreamingOutputCallResponse {
  payload: Payload | null;
}
