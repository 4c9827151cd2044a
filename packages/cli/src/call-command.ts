import { createInterface } from 'node:readline';
import type { CallOptions, MessageType, Metadata, MethodDefinition, ServiceDefinition } from '@tsmicro/core';
import { type Args, flag, flagList } from './args.js';
import { metadataFromFlags } from './metadata-flags.js';
import { type Schema, schemaFromProtoFiles, schemaFromReflection } from './schema.js';
import type { Session } from './session.js';
import { UsageError } from './usage-error.js';

/** callHelp is the help text of `tsmicro call`. */
export const callHelp = `usage: tsmicro call <service|host:port> <pkg.Service/Method> ['<json>'] [flags]

Calls one method. Unary and server-streaming calls send the JSON argument
('{}' when omitted); a server stream prints one JSON line per message.
Client-streaming and bidirectional calls send the JSON argument when given,
otherwise one message per line read from stdin until it closes, and print
each reply as one JSON line. Message types come from the server's reflection,
or from --proto when reflection is off.

flags:
  -H, --header key:value     request metadata (repeatable)
  --timeout <duration>       deadline with a unit, e.g. 500ms, 2s, 1m
  --proto <file.proto>       read types from this file instead of reflection (repeatable)
  -I, --import-path <dir>    where --proto files' imports are found (repeatable)
  -v, --verbose              print response headers and trailers to stderr
  --registry-address <addr>  etcd to find <service> in (or MICRO_REGISTRY_ADDRESS)
  -h, --help                 this help`;

/** callCommand runs `tsmicro call`; it resolves once the call is over. */
export async function callCommand(args: Args, session: Session, out: NodeJS.WritableStream): Promise<void> {
  const [, target, methodName, json] = args.positional;
  if (!target || !methodName) throw new UsageError('call needs <service|host:port> and <pkg.Service/Method>');
  const { serviceName, method: rpcName } = splitMethod(methodName);
  const address = await session.address(target);
  const schema = await loadSchema(args, session, address, serviceName);
  const definition = findService(schema, serviceName);
  const method = Object.values(definition.methods).find((m) => m.name === rpcName) as MethodDefinition<unknown, unknown> | undefined;
  if (!method) {
    throw new UsageError(`${serviceName} has no method ${rpcName} (it has ${Object.values(definition.methods).map((m) => m.name).join(', ')})`);
  }
  const verbose = flag(args, 'verbose') !== undefined;
  const options: CallOptions = {
    address,
    timeout: session.timeoutMs,
    metadata: metadataFromFlags(flagList(args, 'header')),
    onHeader: verbose ? (md) => printMetadata('header', md) : undefined,
    onTrailer: verbose ? (md) => printMetadata('trailer', md) : undefined,
  };
  const print = (message: unknown) => out.write(`${JSON.stringify(method.responseType.toJSON(message))}\n`);
  const request = (text: string) => parseMessage(method.requestType, text);
  const client = session.client;
  switch (method.kind) {
    case 'unary':
      print(await client.call(serviceName, method, request(json ?? '{}'), options));
      return;
    case 'server_streaming': {
      const stream = await client.serverStream(serviceName, method, request(json ?? '{}'), options);
      if (verbose) printMetadata('header', await stream.header());
      for await (const message of stream) print(message);
      if (verbose) printMetadata('trailer', await stream.trailer());
      return;
    }
    case 'client_streaming': {
      const stream = await client.clientStream(serviceName, method, options);
      await pump(json, (text) => stream.send(request(text)), stream.trailer());
      const reply = await stream.closeAndRecv();
      if (verbose) printMetadata('header', await stream.header());
      print(reply);
      if (verbose) printMetadata('trailer', await stream.trailer());
      return;
    }
    case 'bidi_streaming': {
      const stream = await client.bidiStream(serviceName, method, options);
      const sending = (async () => {
        try {
          await pump(json, (text) => stream.send(request(text)), stream.trailer());
          stream.closeSend();
        } catch (err) {
          stream.close();
          throw err;
        }
      })();
      const receiving = (async () => {
        for await (const message of stream) print(message);
      })();
      // A failed send (bad JSON) cancels the call; its own error is the one to report.
      const [sent, received] = await Promise.allSettled([sending, receiving]);
      if (sent.status === 'rejected') throw sent.reason;
      if (received.status === 'rejected') throw received.reason;
      if (verbose) printMetadata('trailer', await stream.trailer());
      return;
    }
  }
}

/** splitMethod reads "pkg.Service/Method", "/pkg.Service/Method" or "pkg.Service.Method". */
export function splitMethod(text: string): { serviceName: string; method: string } {
  const trimmed = text.replace(/^\//, '');
  const cut = trimmed.includes('/') ? trimmed.lastIndexOf('/') : trimmed.lastIndexOf('.');
  if (cut <= 0 || cut === trimmed.length - 1) throw new UsageError(`"${text}" is not pkg.Service/Method`);
  return { serviceName: trimmed.slice(0, cut), method: trimmed.slice(cut + 1) };
}

/** loadSchema gets the types of a service: from --proto files, or the server's reflection. */
export async function loadSchema(args: Args, session: Session, address: string, symbol: string): Promise<Schema> {
  const protos = flagList(args, 'proto');
  if (protos.length > 0) return schemaFromProtoFiles(protos, flagList(args, 'import-path'));
  return schemaFromReflection(session.reflection(address), symbol);
}

function findService(schema: Schema, serviceName: string): ServiceDefinition {
  const found = schema.proto.services.get(serviceName);
  if (!found) throw new UsageError(`service ${serviceName} is not described (found: ${[...schema.proto.services.keys()].join(', ') || 'none'})`);
  return found;
}

function parseMessage(type: MessageType<unknown>, text: string): unknown {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`request is not JSON: ${(err as Error).message}: ${text}`);
  }
  try {
    return type.fromJSON(json);
  } catch (err) {
    throw new UsageError(`request is not a ${type.typeName}: ${(err as Error).message}`);
  }
}

// pump sends every input message, and stops reading input once the call is
// over (deadline, server error), so an open stdin cannot hold the CLI.
async function pump(json: string | undefined, send: (text: string) => Promise<void>, ended: Promise<unknown>): Promise<void> {
  const lines = inputs(json);
  const stop = ended.then(
    () => 'ended' as const,
    () => 'ended' as const,
  );
  for (;;) {
    const next = await Promise.race([lines.next(), stop]);
    if (next === 'ended' || next.done) return;
    await send(next.value);
  }
}

async function* inputs(json: string | undefined): AsyncGenerator<string> {
  if (json !== undefined) {
    yield json;
    return;
  }
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) if (line.trim() !== '') yield line;
  } finally {
    lines.close();
  }
}

function printMetadata(kind: string, metadata: Metadata): void {
  for (const [key, values] of Object.entries(metadata.toJSON())) {
    for (const value of values) process.stderr.write(`${kind} ${key}: ${value}\n`);
  }
}
