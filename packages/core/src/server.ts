import { Code, type Listener, Metadata, type ServerStream, type TlsOptions, type Transport } from '@tsmicro/transport';
import { defaultContainer, type HandlerContainer } from './container.js';
import { type DispatchOptions, dispatch } from './dispatch.js';
import type { InterceptorLike } from './interceptor/interceptor.js';
import { resolveInterceptors } from './interceptor/resolve-interceptors.js';
import { type HandleOptions, type Route, Router } from './router.js';
import type { ServerCall } from './server-call.js';

/** ServerOptions configure a Server; defaults resolve once in createServer. */
export interface ServerOptions {
  readonly transport: Transport;
  /** "host:port" to listen on; port 0 picks a free one. */
  readonly address?: string;
  /** Largest message accepted or sent, in bytes (4 MiB, as gRPC). */
  readonly maxMessageSize?: number;
  readonly maxConcurrentStreams?: number;
  /** How long stop() lets in-flight calls finish before ending them (10 s). */
  readonly graceMs?: number;
  readonly tls?: TlsOptions;
  readonly keepalive?: { readonly timeMs: number; readonly timeoutMs: number };
  /** typedi container handler classes are built from (typedi's default). */
  readonly container?: HandlerContainer;
  /** Errors handlers threw that were not MicroErrors (the caller sees UNKNOWN); console.error by default. */
  readonly onHandlerError?: (err: unknown, handlerName: string) => void;
  /**
   * Interceptors around every call of every handler, outermost first; classes
   * are built through `container`. Handler-level ones (@UseInterceptors) run inside.
   */
  readonly interceptors?: readonly InterceptorLike[];
}

/** ServerStats is a snapshot for health checks and leak tests. */
export interface ServerStats {
  /** Calls that have started and not yet ended. */
  readonly activeStreams: number;
  /** Calls served since start. */
  readonly totalStreams: number;
  /** Open client connections. */
  readonly connections: number;
  /** Client connections the transport closed for abuse since start (GOAWAY ENHANCE_YOUR_CALM). */
  readonly abusiveConnections: number;
}

/** Server serves handler classes over one transport. */
export interface Server {
  /** handle registers a handler class (built through typedi) or instance. */
  handle(handler: object, options?: HandleOptions): this;
  /** start listens; it resolves with the bound "host:port". */
  start(): Promise<string>;
  /** stop takes no new calls, lets in-flight ones finish within graceMs, then ends the rest with UNAVAILABLE. */
  stop(graceMs?: number): Promise<void>;
  readonly address: string | undefined;
  readonly router: Router;
  stats(): ServerStats;
}

const DEFAULT_MAX_MESSAGE = 4 * 1024 * 1024;

/** createServer builds a server; nothing listens until start(). */
export function createServer(options: ServerOptions): Server {
  const resolved = {
    address: options.address ?? '127.0.0.1:0',
    maxMessageSize: options.maxMessageSize ?? DEFAULT_MAX_MESSAGE,
    graceMs: options.graceMs ?? 10_000,
    container: options.container ?? defaultContainer,
    onHandlerError:
      options.onHandlerError ?? ((err: unknown, name: string) => console.error(`tsmicro: handler ${name} failed:`, err)),
  };
  const interceptors = resolveInterceptors(options.interceptors, resolved.container, 'createServer');
  const router = new Router();
  const active = new Set<ServerCall<unknown, unknown>>();
  let total = 0;
  let listener: Listener | undefined;
  let stopping = false;
  let idle: (() => void) | undefined;

  const dispatchOptions: DispatchOptions = {
    maxSendSize: resolved.maxMessageSize,
    onHandlerError: (err: unknown, route: Route) => resolved.onHandlerError(err, route.handlerName),
    onEnd: (call) => {
      if (active.delete(call) && active.size === 0) idle?.();
    },
  };

  const onStream = (stream: ServerStream) => {
    if (stopping) {
      stream.finish({ code: Code.UNAVAILABLE, message: 'server is shutting down', metadata: new Metadata() });
      return;
    }
    const call = dispatch(stream, router.lookup(stream.method), dispatchOptions);
    if (!call) return;
    total++;
    // A call that ended inside dispatch (a deadline already passed) was never active.
    if (!call.isEnded) active.add(call);
  };

  const server: Server = {
    router,
    get address() {
      return listener?.address;
    },
    handle(handler, handleOptions = {}) {
      const methods = router.add(handler, handleOptions, resolved.container, interceptors);
      listener?.addMethods(methods);
      return server;
    },
    async start() {
      if (listener) return listener.address;
      listener = await options.transport.listen(resolved.address, {
        onStream,
        maxMessageSize: resolved.maxMessageSize,
        maxConcurrentStreams: options.maxConcurrentStreams,
        tls: options.tls,
        keepalive: options.keepalive,
      });
      listener.addMethods(router.methods());
      return listener.address;
    },
    async stop(graceMs = resolved.graceMs) {
      if (stopping) return;
      stopping = true;
      const drained = new Promise<void>((resolve) => {
        idle = resolve;
        if (active.size === 0) resolve();
      });
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      });
      const closing = listener?.close(graceMs);
      await Promise.race([drained, expired]);
      clearTimeout(timer);
      for (const call of active) {
        call.finish({ code: Code.UNAVAILABLE, message: 'server is shutting down', metadata: new Metadata() });
      }
      await closing;
      listener = undefined;
    },
    stats() {
      return {
        activeStreams: active.size,
        totalStreams: total,
        connections: listener?.connections ?? 0,
        abusiveConnections: listener?.abusiveConnections ?? 0,
      };
    },
  };
  return server;
}
