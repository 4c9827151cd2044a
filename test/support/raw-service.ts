import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** rawLoaderOptions are the proto-loader options every raw peer in these tests uses. */
export const rawLoaderOptions: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  bytes: Buffer,
  defaults: true,
  oneofs: true,
};

/** RawServiceError says a service is missing from a loaded .proto. */
export class RawServiceError extends Error {
  override readonly name = 'RawServiceError';
}

/**
 * loadRawService loads `protoPath` with stock @grpc/proto-loader and returns the
 * grpc-js definition of the service named by its full name (`pkg.Service`).
 */
export function loadRawService(protoPath: string, fullName: string, includeDirs: string[] = []): grpc.ServiceDefinition {
  const definition = protoLoader.loadSync(protoPath, { ...rawLoaderOptions, includeDirs });
  const service = definition[fullName];
  if (service === undefined || !isServiceDefinition(service)) throw new RawServiceError(`${fullName} is not a service in ${protoPath}`);
  return service;
}

/** rawMethod picks a method (by its proto name, e.g. `SayHello`) and types its messages. */
export function rawMethod<Req, Res>(service: grpc.ServiceDefinition, name: string): grpc.MethodDefinition<Req, Res> {
  const method = service[name];
  if (method === undefined) throw new RawServiceError(`no method ${name}`);
  return method as grpc.MethodDefinition<Req, Res>;
}

function isServiceDefinition(value: object): value is grpc.ServiceDefinition {
  // Message and enum entries carry a `format`; services are plain method maps.
  return !('format' in value);
}
