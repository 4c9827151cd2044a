import { Code, type Connection, Metadata, type Transport } from '@tsmicro/transport';
import type { Codec } from './codec/codec.js';
import { codecByName, codecNames } from './codec/codecs.js';
import { ClientCall } from './client-call.js';
import type { CallOptions, Client } from './client-types.js';
import type { MethodDefinition } from './definition.js';
import { MicroError } from './errors.js';

/** ConnectionLease is a connection held for one call's whole life. */
export interface ConnectionLease {
  readonly connection: Connection;
  release(): void;
}

/** ConnectionSource hands out pooled connections per address. */
export interface ConnectionSource {
  acquire(address: string, options: { signal?: AbortSignal; deadline?: number }): Promise<ConnectionLease>;
  close(): Promise<void>;
}

/** AddressResolver picks the node address for a service name (registry + selector). */
export type AddressResolver = (service: string) => Promise<string> | string;

/** ClientOptions configure a Client; defaults resolve once in createClient. */
export interface ClientOptions {
  readonly transport: Transport;
  /** Where connections come from; a connection pool over `transport` in the normal case. */
  readonly connections: ConnectionSource;
  /** Finds a service's address when a call names no `address`. */
  readonly resolve?: AddressResolver;
  /** Default codec, "proto". */
  readonly codec?: string;
  /**
   * Timeout in ms of a unary call that sets none (none by default). Streams
   * get no default deadline: tickers and chats live as long as they are used.
   */
  readonly unaryTimeoutMs?: number;
  /** Called once by close(), after the connections closed (to stop a selector's watch). */
  readonly onClose?: () => void;
}

/** createClient builds a Client that opens one pooled stream per call. */
export function createClient(options: ClientOptions): Client {
  const defaultCodec = pickCodec(options.codec ?? 'proto');

  async function open<I, O>(service: string, method: MethodDefinition<I, O>, callOptions: CallOptions = {}) {
    const codec = callOptions.codec ? pickCodec(callOptions.codec) : defaultCodec;
    const deadline = deadlineOf(callOptions, method.kind === 'unary' ? options.unaryTimeoutMs : undefined);
    const signals = [callOptions.signal, callOptions.ctx?.signal].filter((s): s is AbortSignal => s !== undefined);
    const aborted = signals.find((s) => s.aborted);
    if (aborted) throw MicroError.from(aborted.reason, Code.CANCELLED);
    if (deadline !== undefined && deadline <= Date.now()) throw new MicroError(Code.DEADLINE_EXCEEDED, 'deadline exceeded before the call started');
    const address = callOptions.address ?? (await resolveAddress(service));
    const acquireSignal = signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
    let lease: ConnectionLease;
    try {
      lease = await options.connections.acquire(address, { signal: acquireSignal, deadline });
    } catch (err) {
      throw MicroError.from(err, Code.UNAVAILABLE);
    }
    const metadata = new Metadata(callOptions.metadata);
    const stream = lease.connection.openStream(method.path, metadata, { deadline, contentType: codec.contentType });
    let timer: NodeJS.Timeout | undefined;
    if (deadline !== undefined) {
      timer = setTimeout(() => stream.cancel(Code.DEADLINE_EXCEEDED, 'deadline exceeded'), deadline - Date.now());
    }
    const onAbort = () => stream.cancel(Code.CANCELLED, 'call cancelled by the client');
    for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
    void stream.status.then(() => {
      clearTimeout(timer);
      for (const s of signals) s.removeEventListener('abort', onAbort);
      lease.release();
    });
    return new ClientCall(stream, codec, method.requestType, method.responseType);
  }

  async function resolveAddress(service: string): Promise<string> {
    if (!options.resolve) {
      throw new MicroError(Code.UNAVAILABLE, `no address for ${service}: pass { address } or configure a registry`);
    }
    try {
      return await options.resolve(service);
    } catch (err) {
      throw MicroError.from(err, Code.UNAVAILABLE);
    }
  }

  return {
    async call(service, method, request, callOptions) {
      const call = await open(service, method, callOptions);
      try {
        await call.send(request).catch(ignoreEOF);
        call.closeSend();
        return await call.recvOne();
      } catch (err) {
        call.close();
        throw err;
      } finally {
        if (callOptions?.onHeader) callOptions.onHeader(await call.header());
        if (callOptions?.onTrailer) callOptions.onTrailer(await call.trailer());
      }
    },
    async serverStream(service, method, request, callOptions) {
      const call = await open(service, method, callOptions);
      try {
        await call.send(request).catch(ignoreEOF);
      } catch (err) {
        call.close();
        throw err;
      }
      call.closeSend();
      return call;
    },
    clientStream: (service, method, callOptions) => open(service, method, callOptions),
    bidiStream: (service, method, callOptions) => open(service, method, callOptions),
    async close() {
      await options.connections.close();
      options.onClose?.();
    },
  };
}

// A send refused because the server already ended the call: recv() reports how it ended.
function ignoreEOF(err: unknown): void {
  if (!(err instanceof Error && err.name === 'EOF')) throw err;
}

function pickCodec(name: string): Codec {
  const codec = codecByName(name);
  if (!codec) throw new MicroError(Code.INVALID_ARGUMENT, `unknown codec "${name}": accepted values are ${codecNames.join(', ')}`);
  return codec;
}

function deadlineOf(options: CallOptions, defaultTimeoutMs: number | undefined): number | undefined {
  const candidates: number[] = [];
  const timeout = options.timeout ?? defaultTimeoutMs;
  if (timeout !== undefined) candidates.push(Date.now() + timeout);
  if (options.deadline !== undefined) candidates.push(typeof options.deadline === 'number' ? options.deadline : options.deadline.getTime());
  if (options.ctx?.deadline !== undefined) candidates.push(options.ctx.deadline);
  return candidates.length === 0 ? undefined : Math.min(...candidates);
}
