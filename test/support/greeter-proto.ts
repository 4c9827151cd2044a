import { loadProto } from '@tsmicro/core';

/** greeterProto is test/fixtures/greeter.proto, loaded at run time. */
export const greeterProto = loadProto(new URL('../fixtures/greeter.proto', import.meta.url).pathname);
export const greeterDefinition = greeterProto.service('greeter.Greeter');
export const greeterMethods = {
  sayHello: greeterDefinition.methods.sayHello!,
  serverStream: greeterDefinition.methods.serverStream!,
  clientStream: greeterDefinition.methods.clientStream!,
  allStream: greeterDefinition.methods.allStream!,
};

export interface Hello {
  name: string;
}
export interface Reply {
  message: string;
}
export interface Req {
  data: string;
  count: number;
}
export interface Res {
  data: string;
  index: number;
}
