import { loadProto } from '@tsmicro/core';
import { exampleFile } from '../shared/example-file.js';

/** The greeter contract, loaded at run time from greeter.proto. */
export const greeterProto = loadProto(exampleFile(import.meta.url, 'greeter.proto'));
export const GreeterDefinition = greeterProto.service('greeter.Greeter');

export interface HelloRequest {
  name: string;
}
export interface HelloReply {
  message: string;
}
export interface StreamRequestData {
  data: string;
  count: number;
}
export interface StreamResponseData {
  data: string;
  index: number;
}
