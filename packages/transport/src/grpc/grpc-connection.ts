import * as grpc from '@grpc/grpc-js';
import { Metadata } from '../metadata.js';
import { SlotSet } from '../slot-set.js';
import { Code } from '../status.js';
import { StatusError } from '../status-error.js';
import type { ClientStream, Connection, ConnectionState, StreamOptions } from '../transport.js';
import type { CallOwner, GrpcClientCall } from './grpc-client-call.js';
import { GrpcClientStream } from './grpc-client-stream.js';
import { GrpcUnaryClientStream } from './grpc-unary-client-stream.js';

/**
 * GrpcConnection is one grpc-js channel (its own HTTP/2 connection, thanks
 * to a local subchannel pool) carrying many calls. When that HTTP/2
 * connection is lost the GrpcConnection closes for good rather than let
 * grpc-js reconnect it in the background: the pool then dials a fresh one at
 * once, instead of handing out a channel that fails calls while it backs off.
 */
export class GrpcConnection implements Connection, CallOwner {
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;
  private readonly streams = new SlotSet<GrpcClientCall>();
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

  // Leaving READY means the HTTP/2 connection is gone (the server went away,
  // a keepalive ping went unanswered, GOAWAY): this connection is over.
  private watch(from: grpc.connectivityState): void {
    const channel = this.client.getChannel();
    channel.watchConnectivityState(from, Infinity, () => {
      if (this.isClosed) return;
      if (channel.getConnectivityState(false) !== grpc.connectivityState.READY) {
        this.lost();
        return;
      }
      this.watch(grpc.connectivityState.READY);
    });
  }

  private lost(): void {
    this.closing = true;
    // Calls still open on the lost connection fail with UNAVAILABLE from grpc-js.
    this.client.close();
    this.isClosed = true;
    this.resolveClosed();
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
    const stream: GrpcClientCall =
      options?.kind === 'unary'
        ? new GrpcUnaryClientStream(this.client.getChannel(), method, metadata, options, this)
        : new GrpcClientStream(this.client.getChannel(), method, metadata, options, this);
    // A stream that failed before starting has already called back.
    if (!stream.settled) this.streams.add(stream);
    return stream;
  }

  /** callEnded forgets a call that has its final status. */
  callEnded(call: GrpcClientCall): void {
    this.streams.delete(call);
    if (this.streams.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  async close(graceMs = 0): Promise<void> {
    if (this.closing || this.isClosed) return this.closed;
    this.closing = true;
    if (this.streams.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.idleWaiters.push(resolve);
        timer = setTimeout(() => {
          for (const s of this.streams.values()) s.cancel(Code.UNAVAILABLE, 'connection closed');
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

/**
 * dialGrpc opens a channel and resolves once it is READY. It rejects
 * UNAVAILABLE naming the address as soon as the first connection attempt
 * fails (refused, TLS handshake failure, plaintext against TLS) instead of
 * letting grpc-js retry silently until the timeout.
 */
export function dialGrpc(
  address: string,
  credentials: grpc.ChannelCredentials,
  channelOptions: grpc.ChannelOptions,
  connectTimeoutMs: number,
  signal: AbortSignal | undefined,
  explainFailure: () => Promise<string> = async () => 'the connection attempt failed',
): Promise<GrpcConnection> {
  if (signal?.aborted) return Promise.reject(new StatusError(Code.CANCELLED, `dial ${address} cancelled`));
  const client = new grpc.Client(address, credentials, channelOptions);
  const channel = client.getChannel();
  const deadline = Date.now() + connectTimeoutMs;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: StatusError) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      reject(err);
    };
    // Closing a channel whose socket is still connecting can leave that socket
    // open; an aborted dial is closed once its attempt is over instead.
    const onAbort = () => fail(new StatusError(Code.CANCELLED, `dial ${address} cancelled`));
    signal?.addEventListener('abort', onAbort, { once: true });
    const step = (from: grpc.connectivityState) => {
      channel.watchConnectivityState(from, deadline, (err) => {
        const now = channel.getConnectivityState(false);
        if (now === grpc.connectivityState.READY) {
          if (settled) {
            // Closed from inside grpc-js's own READY notification the socket
            // stays open; closed a turn later it goes.
            setImmediate(() => client.close());
            return;
          }
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          resolve(new GrpcConnection(address, client));
          return;
        }
        if (err || now === grpc.connectivityState.TRANSIENT_FAILURE || now === grpc.connectivityState.SHUTDOWN) {
          client.close();
          if (err) {
            fail(new StatusError(Code.UNAVAILABLE, `cannot connect to ${address}: no connection within ${connectTimeoutMs} ms`, undefined, { cause: err }));
            return;
          }
          void explainFailure().then((why) => fail(new StatusError(Code.UNAVAILABLE, `cannot connect to ${address}: ${why}`)));
          return;
        }
        step(now);
      });
    };
    step(channel.getConnectivityState(true));
  });
}
