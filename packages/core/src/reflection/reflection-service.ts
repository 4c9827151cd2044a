import { Code } from '@tsmicro/transport';
import type { Context } from '../context.js';
import type { ServiceDefinition } from '../definition.js';
import type { ServedServices } from '../health/health-service.js';
import type { BidiStreamServer } from '../stream-types.js';
import { DescriptorIndex } from './descriptor-index.js';
import { lookupFileDescriptors } from './descriptor-registry.js';
import {
  ReflectionV1AlphaDefinition,
  ReflectionV1Definition,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from './reflection-proto.js';

/** ServiceRegistration is a handler and its definition, ready for `server.handle(handler, { definition })`. */
export interface ServiceRegistration {
  readonly definition: ServiceDefinition;
  readonly handler: object;
}

/**
 * reflectionService builds gRPC server reflection (grpc.reflection.v1 and
 * v1alpha) over what a server's router serves, so grpcurl and the tsmicro
 * CLI can list services and fetch message types without the .proto.
 * Descriptors come from registerFileDescriptors (fed by loadProto and
 * generated code); a service without them is listed but cannot be described.
 * Register both: `for (const r of reflectionService(server)) server.handle(r.handler, { definition: r.definition })`.
 */
export function reflectionService(server: ServedServices): ServiceRegistration[] {
  let cached: { key: string; index: DescriptorIndex } | undefined;
  // Rebuilt only when the served services change; handle() may run after start().
  const index = (services: readonly ServiceDefinition[]): DescriptorIndex => {
    const key = services.map((s) => s.typeName).join('\n');
    if (cached?.key !== key) {
      const files = services.flatMap((s) => lookupFileDescriptors(s.typeName) ?? []);
      cached = { key, index: new DescriptorIndex(files) };
    }
    return cached.index;
  };

  const answer = (request: ServerReflectionRequest): ServerReflectionResponse => {
    const services = server.router.services();
    const base = { validHost: request.host ?? '', originalRequest: request };
    const notFound = (what: string): ServerReflectionResponse => ({
      ...base,
      errorResponse: { errorCode: Code.NOT_FOUND, errorMessage: `${what} not found` },
    });
    const files = (name: string | undefined, what: string): ServerReflectionResponse =>
      name === undefined ? notFound(what) : { ...base, fileDescriptorResponse: { fileDescriptorProto: index(services).withDependencies(name) } };
    switch (request.messageRequest) {
      case 'listServices':
        return { ...base, listServicesResponse: { service: services.map((s) => ({ name: s.typeName })) } };
      case 'fileByFilename': {
        const name = request.fileByFilename ?? '';
        return files(index(services).hasFile(name) ? name : undefined, `file ${name}`);
      }
      case 'fileContainingSymbol': {
        const symbol = request.fileContainingSymbol ?? '';
        return files(index(services).fileOfSymbol(symbol), `symbol ${symbol}`);
      }
      case 'allExtensionNumbersOfType': {
        // proto3 has no extensions: a known message type simply has none.
        const type = request.allExtensionNumbersOfType ?? '';
        if (!index(services).isMessage(type)) return notFound(`type ${type}`);
        return { ...base, allExtensionNumbersResponse: { baseTypeName: type, extensionNumber: [] } };
      }
      case 'fileContainingExtension': {
        const ext = request.fileContainingExtension;
        return notFound(`extension ${ext?.extensionNumber ?? ''} of ${ext?.containingType ?? ''}`);
      }
      default:
        return { ...base, errorResponse: { errorCode: Code.UNIMPLEMENTED, errorMessage: 'unknown reflection request' } };
    }
  };

  const handler = {
    async serverReflectionInfo(_ctx: Context, stream: BidiStreamServer<ServerReflectionRequest, ServerReflectionResponse>): Promise<void> {
      for await (const request of stream) await stream.send(answer(request));
    },
  };
  return [
    { definition: ReflectionV1Definition, handler },
    { definition: ReflectionV1AlphaDefinition, handler },
  ];
}
