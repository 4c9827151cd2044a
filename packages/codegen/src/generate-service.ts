import type protobuf from 'protobufjs';
import { docWithDefault } from './generate-messages.js';
import { localMethodName, protoName } from './names.js';
import type { Printer } from './printer.js';

const core = '@tsmicro/core';
// The run-time helpers generated code calls, apart from what users import.
const runtime = '@tsmicro/core/codegen';

/** MethodShape is what the service printers need of one rpc. */
interface MethodShape {
  readonly method: protobuf.Method;
  readonly localName: string;
  /** localName as an interface member: "new" alone would declare a construct signature. */
  readonly member: string;
  readonly kind: 'unary' | 'server_streaming' | 'client_streaming' | 'bidi_streaming';
  readonly input: string;
  readonly output: string;
  /** X_MethodService / X_MethodStream, for streaming methods. */
  readonly clientStream: string;
  readonly serverStream: string;
}

/** serviceNames lists the top-level names printService declares, so imports never clash with them. */
export function serviceNames(service: protobuf.Service): string[] {
  const base = service.name;
  const names = [`${base}Definition`, `${base}Service`, `new${service.name}Service`, `${base}Handler`, `register${service.name}Handler`];
  for (const method of service.methodsArray) {
    if (method.requestStream || method.responseStream) names.push(`${base}_${method.name}Service`, `${base}_${method.name}Stream`);
  }
  return names;
}

/**
 * printService writes a service's definition, its client interface and
 * factory, the Say-style stream aliases and the handler interface.
 * messageRef names a message's MessageType value (same name as its interface);
 * fileDescriptors are the base64 FileDescriptorProtos registered for reflection.
 */
export function printService(
  p: Printer,
  service: protobuf.Service,
  messageRef: (type: protobuf.Type) => string,
  fileDescriptors: readonly string[],
): void {
  const base = service.name;
  const methods = service.methodsArray.map((method): MethodShape => {
    const kind = method.requestStream
      ? method.responseStream
        ? 'bidi_streaming'
        : 'client_streaming'
      : method.responseStream
        ? 'server_streaming'
        : 'unary';
    return {
      method,
      localName: localMethodName(method.name),
      member: localMethodName(method.name) === 'new' ? "'new'" : localMethodName(method.name),
      kind,
      input: messageRef(method.resolvedRequestType as protobuf.Type),
      output: messageRef(method.resolvedResponseType as protobuf.Type),
      clientStream: `${base}_${method.name}Service`,
      serverStream: `${base}_${method.name}Stream`,
    };
  });
  printDefinition(p, service, base, methods, fileDescriptors);
  printStreamAliases(p, service, methods);
  printClient(p, service, base, methods);
  printHandler(p, service, base, methods);
}

function printDefinition(
  p: Printer,
  service: protobuf.Service,
  base: string,
  methods: readonly MethodShape[],
  fileDescriptors: readonly string[],
): void {
  const serviceDefinition = p.importType('ServiceDefinition', core);
  p.jsDoc(`${base}Definition describes ${protoName(service)} for servers and clients: gRPC paths, call kinds and message types.`);
  p.print(`export const ${base}Definition = {`);
  p.print(`  typeName: '${protoName(service)}',`);
  if (methods.length === 0) {
    p.print('  methods: {},');
  } else {
    p.print('  methods: {');
    for (const m of methods) {
      const level = m.method.options?.idempotency_level;
      p.print(`    ${m.localName}: {`);
      p.print(`      name: '${m.method.name}',`);
      p.print(`      localName: '${m.localName}',`);
      p.print(`      path: '/${protoName(service)}/${m.method.name}',`);
      p.print(`      kind: '${m.kind}',`);
      p.print(`      requestType: ${m.input},`);
      p.print(`      responseType: ${m.output},`);
      p.print(`      idempotent: ${level === 'IDEMPOTENT' || level === 'NO_SIDE_EFFECTS'},`);
      p.print('    },');
    }
    p.print('  },');
  }
  p.print(`} as const satisfies ${serviceDefinition};`);
  p.print('');
  // Importing the generated module is then enough for @Service('pkg.Name') to find the definition.
  p.print(`${p.importValue('registerDefinition', runtime)}(${base}Definition);`);
  // Server reflection (grpcurl, tsmicro describe) serves these: the .proto as
  // protoc would describe it, and every file it imports.
  p.print(`${p.importValue('registerFileDescriptors', runtime)}('${protoName(service)}', [`);
  for (const file of fileDescriptors) p.print(`  '${file}',`);
  p.print(']);');
  p.print('');
}

function printStreamAliases(p: Printer, service: protobuf.Service, methods: readonly MethodShape[]): void {
  for (const m of methods) {
    if (m.kind === 'unary') continue;
    const rpc = `${protoName(service)}.${m.method.name}`;
    const [client, server] =
      m.kind === 'server_streaming'
        ? [`${p.importType('ServerStreamClient', core)}<${m.output}>`, `${p.importType('ServerStreamServer', core)}<${m.output}>`]
        : m.kind === 'client_streaming'
          ? [`${p.importType('ClientStreamClient', core)}<${m.input}, ${m.output}>`, `${p.importType('ClientStreamServer', core)}<${m.input}>`]
          : [`${p.importType('BidiStreamClient', core)}<${m.input}, ${m.output}>`, `${p.importType('BidiStreamServer', core)}<${m.input}, ${m.output}>`];
    p.jsDoc(`${m.clientStream} is the caller's side of ${rpc}.`);
    p.print(`export type ${m.clientStream} = ${client};`);
    p.print('');
    p.jsDoc(`${m.serverStream} is the handler's side of ${rpc}.`);
    p.print(`export type ${m.serverStream} = ${server};`);
    p.print('');
  }
}

function printClient(p: Printer, service: protobuf.Service, base: string, methods: readonly MethodShape[]): void {
  const callOptions = p.importType('CallOptions', core);
  const promise = p.global('Promise');
  const client = p.importType('Client', core);
  p.jsDoc(docWithDefault(service.comment, `${base}Service calls ${protoName(service)}; new${service.name}Service makes one.`));
  p.print(`export interface ${base}Service {${methods.length === 0 ? '}' : ''}`);
  for (const m of methods) {
    p.jsDoc(m.method.comment, '  ');
    switch (m.kind) {
      case 'unary':
        p.print(`  ${m.member}(req: ${m.input}, opts?: ${callOptions}): ${promise}<${m.output}>;`);
        break;
      case 'server_streaming':
        p.print(`  ${m.member}(req: ${m.input}, opts?: ${callOptions}): ${promise}<${m.clientStream}>;`);
        break;
      default:
        p.print(`  ${m.member}(opts?: ${callOptions}): ${promise}<${m.clientStream}>;`);
    }
  }
  if (methods.length > 0) p.print('}');
  p.print('');
  p.jsDoc(`new${service.name}Service calls the service registered as \`name\` (for example "${service.name.toLowerCase()}") through client.`);
  if (methods.length === 0) {
    p.print(`export function new${service.name}Service(_name: string, _client: ${client}): ${base}Service {`);
    p.print('  return {};');
    p.print('}');
    p.print('');
    return;
  }
  p.print(`export function new${service.name}Service(name: string, client: ${client}): ${base}Service {`);
  p.print(`  const methods = ${base}Definition.methods;`);
  p.print('  return {');
  for (const m of methods) {
    const def = `methods.${m.localName}`;
    switch (m.kind) {
      case 'unary':
        p.print(`    ${m.localName}: (req, opts) => client.call(name, ${def}, req, opts),`);
        break;
      case 'server_streaming':
        p.print(`    ${m.localName}: (req, opts) => client.serverStream(name, ${def}, req, opts),`);
        break;
      case 'client_streaming':
        p.print(`    ${m.localName}: (opts) => client.clientStream(name, ${def}, opts),`);
        break;
      case 'bidi_streaming':
        p.print(`    ${m.localName}: (opts) => client.bidiStream(name, ${def}, opts),`);
        break;
    }
  }
  p.print('  };');
  p.print('}');
  p.print('');
}

function printHandler(p: Printer, service: protobuf.Service, base: string, methods: readonly MethodShape[]): void {
  const context = p.importType('Context', core);
  const promise = p.global('Promise');
  const serviceDefinition = p.importType('ServiceDefinition', core);
  p.jsDoc(docWithDefault(service.comment, `${base}Handler serves ${protoName(service)}; register it with register${service.name}Handler.`));
  p.print(`export interface ${base}Handler {${methods.length === 0 ? '}' : ''}`);
  for (const m of methods) {
    p.jsDoc(m.method.comment, '  ');
    switch (m.kind) {
      case 'unary':
        p.print(`  ${m.member}(ctx: ${context}, req: ${m.input}): ${promise}<${m.output}>;`);
        break;
      case 'server_streaming':
        p.print(`  ${m.member}(ctx: ${context}, req: ${m.input}, stream: ${m.serverStream}): ${promise}<void>;`);
        break;
      case 'client_streaming':
        p.print(`  ${m.member}(ctx: ${context}, stream: ${m.serverStream}): ${promise}<${m.output}>;`);
        break;
      case 'bidi_streaming':
        p.print(`  ${m.member}(ctx: ${context}, stream: ${m.serverStream}): ${promise}<void>;`);
        break;
    }
  }
  if (methods.length > 0) p.print('}');
  p.print('');
  p.jsDoc(`register${service.name}Handler serves handler as ${protoName(service)} on server and returns what server.handle returns.`);
  p.print(`export function register${service.name}Handler<R>(`);
  p.print(`  server: { handle(handler: object, options: { definition: ${serviceDefinition} }): R },`);
  p.print(`  handler: ${base}Handler,`);
  p.print('): R {');
  p.print(`  return server.handle(handler, { definition: ${base}Definition });`);
  p.print('}');
  p.print('');
}
