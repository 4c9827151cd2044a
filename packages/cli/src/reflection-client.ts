import { Code, type Client, isMicroError } from '@tsmicro/core';
import { ReflectionV1AlphaDefinition, ReflectionV1Definition } from '@tsmicro/core/plugin';
import type { BidiStreamClient, MethodDefinition } from '@tsmicro/core';
import type { ServerReflectionRequest, ServerReflectionResponse } from '@tsmicro/core/plugin';
import descriptor from 'protobufjs/ext/descriptor/index.js';

type ReflectionStream = BidiStreamClient<ServerReflectionRequest, ServerReflectionResponse>;

/** ReflectionError says the server answered a reflection request with an error (e.g. an unknown symbol). */
export class ReflectionError extends Error {
  override readonly name = 'ReflectionError';
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/**
 * ReflectionClient asks a server for its services and file descriptors over
 * gRPC server reflection: v1 first, v1alpha when the server has only that.
 */
export class ReflectionClient {
  private stream: ReflectionStream | undefined;
  private alpha = false;

  constructor(
    private readonly client: Client,
    private readonly address: string,
    private readonly timeoutMs: number | undefined,
  ) {}

  /** listServices returns the full names of the services the server handles. */
  async listServices(): Promise<string[]> {
    const reply = await this.ask({ listServices: '' });
    return (reply.listServicesResponse?.service ?? []).map((s) => s.name);
  }

  /** filesContaining returns the file declaring a symbol and every file it imports, fetching any the server left out. */
  async filesContaining(symbol: string): Promise<Uint8Array[]> {
    const reply = await this.ask({ fileContainingSymbol: symbol });
    return this.withImports(reply.fileDescriptorResponse?.fileDescriptorProto ?? []);
  }

  /** close ends the reflection stream. */
  close(): void {
    this.stream?.closeSend();
    this.stream = undefined;
  }

  private async withImports(files: Uint8Array[]): Promise<Uint8Array[]> {
    const have = new Map<string, Uint8Array>();
    const pending: string[] = [];
    const add = (bytes: Uint8Array) => {
      const file = descriptor.FileDescriptorProto.decode(bytes) as unknown as { name: string; dependency: string[] };
      if (have.has(file.name)) return;
      have.set(file.name, bytes);
      pending.push(...file.dependency);
    };
    for (const f of files) add(f);
    for (let name = pending.shift(); name !== undefined; name = pending.shift()) {
      if (have.has(name)) continue;
      const reply = await this.ask({ fileByFilename: name });
      for (const f of reply.fileDescriptorResponse?.fileDescriptorProto ?? []) add(f);
    }
    return [...have.values()];
  }

  private async ask(request: ServerReflectionRequest): Promise<ServerReflectionResponse> {
    let reply: ServerReflectionResponse;
    try {
      reply = await this.exchange(request);
    } catch (err) {
      if (!(isMicroError(err) && err.code === Code.UNIMPLEMENTED) || this.alpha) throw err;
      this.alpha = true;
      this.stream = await this.open(ReflectionV1AlphaDefinition.methods.serverReflectionInfo);
      reply = await this.exchange(request);
    }
    if (reply.errorResponse) throw new ReflectionError(reply.errorResponse.errorMessage, reply.errorResponse.errorCode);
    return reply;
  }

  private async exchange(request: ServerReflectionRequest): Promise<ServerReflectionResponse> {
    this.stream ??= await this.open(ReflectionV1Definition.methods.serverReflectionInfo);
    const stream = this.stream;
    await stream.send(request);
    return stream.recv();
  }

  private open(method: MethodDefinition | undefined): Promise<ReflectionStream> {
    if (!method) throw new Error('reflection definition has no ServerReflectionInfo');
    return this.client.bidiStream(
      'reflection',
      method as MethodDefinition<ServerReflectionRequest, ServerReflectionResponse>,
      { address: this.address, timeout: this.timeoutMs },
    );
  }
}
