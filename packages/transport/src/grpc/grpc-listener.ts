import { type Server as NetServer, type Socket, createServer } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { Code } from '../status.js';
import { StatusError } from '../status-error.js';
import type { Listener, ListenOptions, MethodInfo } from '../transport.js';
import { deserializeBytes, serializeBytes } from './bytes-serializer.js';
import { GrpcServerCalls } from './grpc-server-calls.js';
import { grpcCallInterceptor } from './grpc-call-interceptor.js';
import { ResetBudget } from './reset-budget.js';
import { DEFAULT_SERVER_RESETS, type ResetLimits, watchSocket } from './session-guard.js';

// How long streams ended at the grace deadline get to deliver their status
// before the remaining connections are torn down.
const FORCE_AFTER_MS = 100;

/**
 * GrpcListener serves gRPC with a grpc-js Server. It accepts TCP connections
 * on its own net.Server and hands each to grpc-js through a connection
 * injector: grpc-js speaks HTTP/2 (and TLS) on it, while the listener knows
 * exactly how many client connections are open and which port it bound.
 * No call reaches grpc-js's handlers: an interceptor runs them all.
 */
export class GrpcListener implements Listener {
  private readonly paths = new Set<string>();
  private readonly sockets = new Set<Socket>();
  private abusive = 0;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: grpc.Server,
    private readonly calls: GrpcServerCalls,
    private readonly net: NetServer,
    readonly address: string,
  ) {}

  /** bind listens on "host:port" and serves gRPC on every connection. */
  static async bind(
    address: string,
    options: ListenOptions,
    credentials: grpc.ServerCredentials,
    serverOptions: grpc.ServerOptions,
    resetLimits: ResetLimits,
  ): Promise<GrpcListener> {
    const { host, port } = splitHostPort(address);
    const own = serverOptions.interceptors ?? [];
    const calls = new GrpcServerCalls(options.onStream, own.length > 0);
    const server = new grpc.Server({ ...serverOptions, interceptors: [...own, grpcCallInterceptor(calls)] });
    const injector = server.createConnectionInjector(credentials);
    const serverResets = resetLimits.server ?? DEFAULT_SERVER_RESETS;
    const budget = new ResetBudget(serverResets.burst, serverResets.perSecond);
    // Nagle's algorithm holds a response's trailers (a small write after its
    // DATA) until the client ACKs, and the client delays that ACK by up to
    // 40 ms: a unary call over 1 KiB took ~45 ms. grpc-go and grpc-js's own
    // client disable it; Node's servers leave it on.
    const net = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      net.once('error', reject);
      net.listen(port, host, () => {
        net.off('error', reject);
        resolve();
      });
    }).catch((err: unknown) => {
      server.forceShutdown();
      throw new StatusError(Code.UNAVAILABLE, `cannot listen on ${address}: ${String(err)}`, undefined, { cause: err });
    });
    const bound = net.address();
    const real = typeof bound === 'object' && bound !== null ? joinHostPort(bound.address, bound.port) : address;
    const listener = new GrpcListener(server, calls, net, real);
    net.on('connection', (socket) => {
      if (listener.closing) {
        socket.destroy();
        return;
      }
      listener.sockets.add(socket);
      socket.once('close', () => listener.sockets.delete(socket));
      // A reset from the peer is that connection's business; grpc-js reports
      // it on the calls. Without a listener it would crash the process.
      socket.on('error', () => {});
      injector.injectConnection(socket);
      watchSocket(server, socket, resetLimits, budget, () => listener.abusive++);
    });
    net.on('error', () => {});
    return listener;
  }

  get connections(): number {
    return this.sockets.size;
  }

  /** Connections closed for resetting streams faster than the limits allow. */
  get abusiveConnections(): number {
    return this.abusive;
  }

  addMethods(methods: readonly MethodInfo[]): void {
    for (const { path, kind } of methods) {
      if (this.paths.has(path)) continue;
      this.paths.add(path);
      // The registration routes the path and tells grpc-js whether a request
      // stream follows; grpc-js's handler never runs, as the call interceptor
      // has taken the call by then. Client and server streaming are registered
      // as bidi: they are the same bytes on the wire.
      this.server.register(path, neverCalled, serializeBytes, deserializeBytes, kind === 'unary' ? 'unary' : 'bidi');
    }
  }

  close(graceMs = 0): Promise<void> {
    this.closing ??= this.shutdown(graceMs);
    return this.closing;
  }

  private async shutdown(graceMs: number): Promise<void> {
    const netClosed = new Promise<void>((resolve) => this.net.close(() => resolve()));
    const drained = new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    let force: NodeJS.Timeout | undefined;
    // grpc-js's tryShutdown callback does not always fire when a connection is
    // torn down meanwhile; after the forced close, closed sockets are enough.
    let forced!: () => void;
    const forcedDone = new Promise<void>((resolve) => {
      forced = resolve;
    });
    const grace = setTimeout(() => {
      // Ending what is left with UNAVAILABLE lets most sessions close cleanly;
      // a stream stuck behind unread messages cannot carry a status, and the
      // forced close then resets it (the client sees CANCELLED).
      const err = new StatusError(Code.UNAVAILABLE, 'server shutting down');
      this.calls.terminateAll(err);
      force = setTimeout(() => {
        this.server.forceShutdown();
        const closing = [...this.sockets].map((socket) => new Promise((resolve) => socket.once('close', resolve)));
        for (const socket of this.sockets) socket.destroy();
        void Promise.all(closing).then(() => forced());
      }, FORCE_AFTER_MS);
    }, graceMs);
    await Promise.all([Promise.race([drained, forcedDone]), netClosed]);
    clearTimeout(grace);
    clearTimeout(force);
  }
}

function neverCalled(): void {}

function splitHostPort(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  if (at < 0) throw new StatusError(Code.INVALID_ARGUMENT, `listen address "${address}" is not host:port`);
  const host = address.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(at + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new StatusError(Code.INVALID_ARGUMENT, `listen address "${address}" has no valid port`);
  }
  return { host: host || '0.0.0.0', port };
}

function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
