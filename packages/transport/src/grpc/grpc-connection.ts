import * as grpc from '@grpc/grpc-js';
import { Metadata } from '../metadata.js';
import { Code } from '../status.js';
import { StatusError } from '../status-error.js';
import type { ClientStream, Connection, ConnectionState, StreamOptions } from '../transport.js';
import { GrpcClientStream } from './grpc-client-stream.js';

/**
 * GrpcConnection is one grpc-js channel (its own HTTP/2 connection, thanks
 * to a local subchannel pool) carrying many calls. grpc-js reconnects a
 * channel that lost its server by itself, so such a connection reads
 * "connecting" until it is back; it is "closed" only after close().
 */
export class GrpcConnection implements Connection {
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;
  private readonly streams = new Set<GrpcClientStream>();
  private closing = false;
  private isClosed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    readonly address: string,
    private readonly client: grpc.Client,
  ) {
    this.closed = new Promise((r) => {
      this.resolveClosed = r;
    });
    this.watch(grpc.connectivityState.READY);
  }

  // A channel whose connection dropped goes IDLE and would wait for the next
  // call to reconnect; a pooled connection should be ready before that call.
  private watch(from: grpc.connectivityState): void {
    const channel = this.client.getChannel();
    channel.watchConnectivityState(from, Infinity, () => {
      if (this.isClosed) return;
      const now = channel.getConnectivityState(!this.closing);
      if (now !== grpc.connectivityState.SHUTDOWN) this.watch(now);
    });
  }

  get state(): ConnectionState {
    if (this.isClosed) return 'closed';
    if (this.closing) return 'closing';
    switch (this.client.getChannel().getConnectivityState(false)) {
      case grpc.connectivityState.READY:
        return 'ready';
      case grpc.connectivityState.SHUTDOWN:
        return 'closed';
      default:
        return 'connecting';
    }
  }

  get activeStreams(): number {
    return this.streams.size;
  }

  openStream(method: string, metadata: Metadata, options?: StreamOptions): ClientStream {
    if (this.closing || this.isClosed) {
      const message = `connection to ${this.address} is closed`;
      return GrpcClientStream.refused({ code: Code.UNAVAILABLE, message, metadata: new Metadata() });
    }
    const stream: GrpcClientStream = new GrpcClientStream(this.client, method, metadata, options, () => {
      this.streams.delete(stream);
      if (this.streams.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    });
    // A stream that failed before starting has already called back.
    if (!stream.settled) this.streams.add(stream);
    return stream;
  }

  async close(graceMs = 0): Promise<void> {
    if (this.closing || this.isClosed) return this.closed;
    this.closing = true;
    if (this.streams.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.idleWaiters.push(resolve);
        timer = setTimeout(() => {
          for (const s of [...this.streams]) s.cancel(Code.UNAVAILABLE, 'connection closed');
          resolve();
        }, graceMs);
      });
      clearTimeout(timer);
    }
    this.client.close();
    this.isClosed = true;
    this.resolveClosed();
  }
}

/** dialGrpc opens a channel and resolves once it is READY, or rejects UNAVAILABLE naming the address. */
export function dialGrpc(
  address: string,
  credentials: grpc.ChannelCredentials,
  channelOptions: grpc.ChannelOptions,
  connectTimeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<GrpcConnection> {
  if (signal?.aborted) return Promise.reject(new StatusError(Code.CANCELLED, `dial ${address} cancelled`));
  const client = new grpc.Client(address, credentials, channelOptions);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      client.close();
      reject(new StatusError(Code.CANCELLED, `dial ${address} cancelled`));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    client.waitForReady(Date.now() + connectTimeoutMs, (err) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) return;
      if (err) {
        client.close();
        reject(new StatusError(Code.UNAVAILABLE, `cannot connect to ${address}: ${err.message}`, undefined, { cause: err }));
        return;
      }
      resolve(new GrpcConnection(address, client));
    });
  });
}
