import { Code, type KeepaliveOptions, type Listener, Metadata, type ServerStream, SlotSet, type TlsOptions, type Transport } from '@tsmicro/transport';
import { defaultContainer, type HandlerContainer } from './container.js';
import { type DispatchOptions, dispatch } from './dispatch.js';
import { createConsoleLogger } from './logger/console-logger.js';
import type { Logger } from './logger/logger.js';
import type { InterceptorLike } from './interceptor/interceptor.js';
import { resolveInterceptors } from './interceptor/resolve-interceptors.js';
import { type HandleOptions, type Route, Router } from './router.js';
import type { ServerCall } from './server-call.js';

/** ListenOn is one more transport a server listens on, and where. */
export interface ListenOn {
  readonly transport: Transport;
  /** "host:port" to listen on; port 0 picks a free one. */
  readonly address: string;
}

/** ServerOptions configure a Server; defaults resolve once in createServer. */
export interface ServerOptions {
  readonly transport: Transport;
  /** "host:port" to listen on; port 0 picks a free one. */
  readonly address?: string;
  /**
   * Further transports serving the same handlers, each on its own address
   * (one per transport name). start() resolves with the first transport's address.
   */
  readonly also?: readonly ListenOn[];
  /** Largest message accepted or sent, in bytes (4 MiB, as gRPC). */
  readonly maxMessageSize?: number;
  readonly maxConcurrentStreams?: number;
  /** How long stop() lets in-flight calls finish before ending them (10 s). */
  readonly graceMs?: number;
  readonly tls?: TlsOptions;
  /**
   * Ping idle connections and drop those that do not answer: one keepalive for
   * every listener, or one per transport name (a transport given none uses its own default).
   */
  readonly keepalive?: KeepaliveOptions | ((transportName: string) => KeepaliveOptions | undefined);
  /** typedi container handler classes are built from (typedi's default). */
  readonly container?: HandlerContainer;
  /** Where the server logs; default core's console logger on standard error. */
  readonly logger?: Logger;
  /** Errors handlers threw that were not MicroErrors (the caller sees UNKNOWN); logged at error level by default. */
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
  /** The same per listener, by transport name. */
  readonly transports: Readonly<Record<string, TransportStats>>;
}

/** TransportStats is one listener's share of ServerStats. */
export interface TransportStats {
  readonly address: string;
  /** Calls served on this listener since start. */
  readonly totalStreams: number;
  readonly connections: number;
  readonly abusiveConnections: number;
}

/** Server serves handler classes over one or more transports. */
export interface Server {
  /** handle registers a handler class (built through typedi) or instance. */
  handle(handler: object, options?: HandleOptions): this;
  /** start listens on every transport; it resolves with the first one's bound "host:port". */
  start(): Promise<string>;
  /** stop takes no new calls on any listener, lets in-flight ones finish within graceMs, then ends the rest with UNAVAILABLE. */
  stop(graceMs?: number): Promise<void>;
  /** The first transport's bound address once started. */
  readonly address: string | undefined;
  /**
   * listeners are the bound listeners by transport name, in the order given,
   * once started. Closing one stops that transport alone (its clients fall
   * back to another); stop() closes them all.
   */
  readonly listeners: ReadonlyMap<string, Listener>;
  readonly router: Router;
  stats(): ServerStats;
}

const DEFAULT_MAX_MESSAGE = 4 * 1024 * 1024;

/** createServer builds a server; nothing listens until start(). */
export function createServer(options: ServerOptions): Server {
  const logger = options.logger ?? createConsoleLogger();
  const resolved = {
    address: options.address ?? '127.0.0.1:0',
    maxMessageSize: options.maxMessageSize ?? DEFAULT_MAX_MESSAGE,
    graceMs: options.graceMs ?? 10_000,
    container: options.container ?? defaultContainer,
    onHandlerError: options.onHandlerError ?? ((err: unknown, handler: string) => logger.error({ handler, err }, 'handler failed')),
  };
  const interceptors = resolveInterceptors(options.interceptors, resolved.container, 'createServer');
  const router = new Router(logger);
  const active = new SlotSet<ServerCall<unknown, unknown>>();
  let total = 0;
  const wanted: readonly ListenOn[] = [{ transport: options.transport, address: resolved.address }, ...(options.also ?? [])];
  const names = wanted.map((w) => w.transport.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new RangeError(`a server listens once per transport: ${twice} is given twice`);
  const listeners = new Map<string, Listener>();
  // Calls each listener brought, when there are several: a count object per listener, bumped in place.
  const arrived = new Map<string, { calls: number }>();
  let stopping = false;
  let idle: (() => void) | undefined;

  const dispatchOptions: DispatchOptions = {
    maxSendSize: resolved.maxMessageSize,
    onHandlerError: (err: unknown, route: Route) => resolved.onHandlerError(err, route.handlerName),
    onEnd: (call) => {
      if (active.delete(call) && active.size === 0) idle?.();
    },
  };

  // onStream says whether the stream became a call, so each listener can count its own.
  const onStream = (stream: ServerStream): boolean => {
    if (stopping) {
      stream.finish({ code: Code.UNAVAILABLE, message: 'server is shutting down', metadata: new Metadata() });
      return false;
    }
    const call = dispatch(stream, router.lookup(stream.method), dispatchOptions);
    if (!call) return false;
    total++;
    // A call that ended inside dispatch (a deadline already passed) was never active.
    if (!call.isEnded) active.add(call);
    return true;
  };

  // With several listeners each counts its own calls; a single one needs no count of its own.
  const countingOnStream = (name: string) => {
    // A restarted server keeps counting where it was.
    let count = arrived.get(name);
    if (count === undefined) arrived.set(name, (count = { calls: 0 }));
    return (stream: ServerStream) => {
      if (onStream(stream)) count.calls++;
    };
  };

  const listenAll = async (): Promise<void> => {
    for (const { transport, address } of wanted) {
      const listener = await transport.listen(address, {
        onStream: wanted.length === 1 ? onStream : countingOnStream(transport.name),
        maxMessageSize: resolved.maxMessageSize,
        maxConcurrentStreams: options.maxConcurrentStreams,
        tls: options.tls,
        keepalive: typeof options.keepalive === 'function' ? options.keepalive(transport.name) : options.keepalive,
      });
      listener.addMethods(router.methods());
      listeners.set(transport.name, listener);
    }
  };

  const server: Server = {
    router,
    listeners,
    get address() {
      return listeners.get(names[0] as string)?.address;
    },
    handle(handler, handleOptions = {}) {
      const methods = router.add(handler, handleOptions, resolved.container, interceptors);
      for (const listener of listeners.values()) listener.addMethods(methods);
      return server;
    },
    async start() {
      if (listeners.size === 0) {
        try {
          await listenAll();
        } catch (err) {
          // All or nothing: a port taken on the second transport leaves nothing bound.
          await Promise.all([...listeners.values()].map((l) => l.close(0)));
          listeners.clear();
          throw err;
        }
      }
      return server.address as string;
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
      const closing = Promise.all([...listeners.values()].map((l) => l.close(graceMs)));
      await Promise.race([drained, expired]);
      clearTimeout(timer);
      for (const call of active.values()) {
        call.finish({ code: Code.UNAVAILABLE, message: 'server is shutting down', metadata: new Metadata() });
      }
      await closing;
      listeners.clear();
    },
    stats() {
      let connections = 0;
      let abusiveConnections = 0;
      const transports: Record<string, TransportStats> = {};
      for (const [name, listener] of listeners) {
        connections += listener.connections;
        abusiveConnections += listener.abusiveConnections ?? 0;
        const totalStreams = wanted.length === 1 ? total : (arrived.get(name)?.calls ?? 0);
        transports[name] = {
          address: listener.address,
          totalStreams,
          connections: listener.connections,
          abusiveConnections: listener.abusiveConnections ?? 0,
        };
      }
      return { activeStreams: active.size, totalStreams: total, connections, abusiveConnections, transports };
    },
  };
  return server;
}
