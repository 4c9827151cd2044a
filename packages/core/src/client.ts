import { Code, type Connection, DEADLINE_EXCEEDED_TEXT, Metadata, type Transport } from '@tsmicro/transport';
import type { Codec } from './codec/codec.js';
import { codecByName, codecNames } from './codec/codecs.js';
import { cancellation } from './cancellation.js';
import { ClientCall, encodeRequest, forgetAbandoned } from './client-call.js';
import type { CallOptions, Client } from './client-types.js';
import type { MethodDefinition } from './definition.js';
import { isMicroError, MicroError } from './errors.js';
import type { Node } from './registry/registry.js';
import {
  checkRetryPolicy,
  defaultRetryBackoff,
  isRetryable,
  type RetryBackoff,
  retryDelay,
  waitBeforeRetry,
} from './retry-policy.js';
import type { Selector } from './selector/selector.js';

/** ConnectionLease is a connection held for one call's whole life. */
export interface ConnectionLease {
  readonly connection: Connection;
  release(): void;
}

/** ConnectionSource hands out pooled connections per address. */
export interface ConnectionSource {
  acquire(address: string, options: { signal?: AbortSignal; deadline?: number }): Promise<ConnectionLease>;
  /** A lease at once when one is free without waiting or dialing, else undefined (then acquire is used). */
  tryAcquire?(address: string): ConnectionLease | undefined;
  close(): Promise<void>;
}

/** AddressResolver picks the node address for a service name (registry + selector). */
export type AddressResolver = (service: string) => Promise<string> | string;

/** ClientOptions configure a Client; defaults resolve once in createClient. */
export interface ClientOptions {
  /** Transport of `connections`: used for `address` calls and for nodes that name no transport. */
  readonly transport: Transport;
  /** Where connections come from; a connection pool over `transport` in the normal case. */
  readonly connections: ConnectionSource;
  /**
   * connectionsFor returns the connections of another transport, by name, for
   * nodes registered on it (`node.metadata.transport`); undefined means this
   * client cannot reach such nodes and the selector skips them. Every source
   * it returned is closed by close().
   */
  readonly connectionsFor?: (transport: string) => ConnectionSource | undefined;
  /**
   * Chooses nodes by service name: each attempt takes the next node and
   * reports its outcome with mark() (an error only for UNAVAILABLE).
   */
  readonly selector?: Selector;
  /** Finds a service's address when there is no selector and a call names no `address`. */
  readonly resolve?: AddressResolver;
  /** Default codec; else the node's `metadata.codec`, else "proto". */
  readonly codec?: string;
  /**
   * Timeout in ms of a unary call that sets none (none by default). Streams
   * get no default deadline: tickers and chats live as long as they are used.
   */
  readonly unaryTimeoutMs?: number;
  /** Extra attempts for a call that failed with UNAVAILABLE where that is safe (default 0). */
  readonly retries?: number;
  /** Waits between attempts (default 100 ms doubling to 1 s, half of each wait random). */
  readonly retryBackoff?: RetryBackoff;
  /** Called once by close(), after the connections closed (to stop a selector's watch). */
  readonly onClose?: () => void;
}

// What one attempt goes to: a node, and the connections of its transport.
interface Target {
  readonly node: Node;
  readonly connections: ConnectionSource;
  /** Chosen by the selector, so its outcome is reported back with mark(). */
  readonly selected: boolean;
}

// Where a call's attempts get their targets from.
type Targets = () => Target | Promise<Target>;

// An attempt's call: at once when target and connection were at hand.
type Opened<I, O> = ClientCall<I, O> | Promise<ClientCall<I, O>>;

// A failure of one attempt: whether the request had left this process, and
// whether the failure came before any node was chosen (nothing to retry against).
class AttemptError extends Error {
  constructor(
    readonly error: MicroError,
    readonly sent: boolean,
    readonly final = false,
  ) {
    super(error.message);
  }
}

/**
 * createClient builds a Client that opens one pooled stream per call. A call
 * by name asks the selector for a node per attempt and retries UNAVAILABLE
 * where it is safe: the request was never sent, or the method is idempotent.
 */
export function createClient(options: ClientOptions): Client {
  const defaultCodec = options.codec === undefined ? undefined : pickCodec(options.codec);
  const policy = checkRetryPolicy({ retries: options.retries ?? 0, backoff: options.retryBackoff ?? defaultRetryBackoff });
  const extraSources = new Set<ConnectionSource>();

  function connectionsOf(node: Node): ConnectionSource | undefined {
    const name = node.metadata.transport;
    if (name === undefined || name === options.transport.name) return options.connections;
    const source = options.connectionsFor?.(name);
    if (source) extraSources.add(source);
    return source;
  }

  function targetsOf(service: string, callOptions: CallOptions): Targets {
    const address = callOptions.address;
    if (address !== undefined) {
      const target = targetAt(address);
      return () => target;
    }
    const selector = options.selector;
    if (selector) {
      // One select per call: every attempt then walks the same node list, skipping the ones just marked.
      let next: (() => Node) | undefined;
      const take = (): Target => {
        const node = (next as () => Node)();
        return { node, connections: connectionsOf(node) ?? options.connections, selected: true };
      };
      return () =>
        next
          ? take()
          : selector.select(service, { filter: (n) => connectionsOf(n) !== undefined }).then((picked) => {
              next ??= picked;
              return take();
            });
    }
    const resolve = options.resolve;
    if (!resolve) {
      return () => {
        throw new MicroError(Code.UNAVAILABLE, `no address for ${service}: pass { address } or configure a registry`);
      };
    }
    return () => {
      const resolved = resolve(service);
      return typeof resolved === 'string' ? targetAt(resolved) : resolved.then(targetAt);
    };
  }

  // The target of a fixed address, kept per address: a call by address or
  // through `resolve` then builds no node of its own.
  const addressTargets = new Map<string, Target>();
  function targetAt(address: string): Target {
    let target = addressTargets.get(address);
    if (target === undefined) {
      target = { node: { id: address, address, metadata: {} }, connections: options.connections, selected: false };
      if (addressTargets.size < MAX_ADDRESS_TARGETS) addressTargets.set(address, target);
    }
    return target;
  }

  // mark tells the selector how an attempt on a node ended; only transport failures eject it.
  function mark(target: Target, code: Code, err?: unknown): void {
    if (!target.selected || !options.selector) return;
    if (code === Code.UNAVAILABLE) options.selector.mark(target.node, err ?? new MicroError(code, 'unavailable'));
    else if (code !== Code.DEADLINE_EXCEEDED && code !== Code.CANCELLED) options.selector.mark(target.node);
  }

  /**
   * attempts runs `attempt` against successive targets until it succeeds, a
   * failure is not retryable, or the retries, the deadline or the caller's
   * patience run out.
   */
  async function attempts<I, O, T>(
    service: string,
    method: MethodDefinition<I, O>,
    callOptions: CallOptions,
    request: I | typeof NO_REQUEST,
    attempt: (open: () => Opened<I, O>, markSent: () => void) => T | Promise<T>,
  ): Promise<T> {
    const deadline = deadlineOf(callOptions, method.kind === 'unary' ? options.unaryTimeoutMs : undefined);
    const signals = signalsOf(callOptions);
    const idempotent = callOptions.idempotent ?? method.idempotent ?? false;
    const retries = callOptions.retries ?? policy.retries;
    const targets = targetsOf(service, callOptions);
    for (let retry = 0; ; retry++) {
      let sent = false;
      try {
        return await attempt(
          () => open(method, callOptions, targets, deadline, signals, request),
          () => {
            sent = true;
          },
        );
      } catch (err) {
        const failure = err instanceof AttemptError ? err : new AttemptError(MicroError.from(err, Code.UNAVAILABLE), sent);
        const retryable = !failure.final && retry < retries && isRetryable({ error: failure.error, sent: failure.sent, idempotent });
        if (!retryable || !(await waitBeforeRetry(retryDelay(policy.backoff, retry + 1), deadline, signals))) {
          throw failure.error;
        }
      }
    }
  }

  // open starts one attempt's stream; it needs no promise when the target
  // is known and the pool has a free slot, which is almost every call.
  function open<I, O>(
    method: MethodDefinition<I, O>,
    callOptions: CallOptions,
    targets: Targets,
    deadline: number | undefined,
    signals: readonly AbortSignal[],
    request: I | typeof NO_REQUEST,
  ): Opened<I, O> {
    const aborted = signals.find((s) => s.aborted);
    if (aborted) throw new AttemptError(cancellation(aborted.reason), false, true);
    if (deadline !== undefined && deadline <= Date.now()) {
      throw new AttemptError(new MicroError(Code.DEADLINE_EXCEEDED, 'deadline exceeded before the call started'), false, true);
    }
    let target: Target | Promise<Target>;
    try {
      target = targets();
    } catch (err) {
      throw noTarget(err);
    }
    if (!(target instanceof Promise)) return openOn(method, callOptions, target, deadline, signals, request);
    return target.then(
      (t) => openOn(method, callOptions, t, deadline, signals, request),
      (err: unknown) => {
        throw noTarget(err);
      },
    );
  }

  function openOn<I, O>(
    method: MethodDefinition<I, O>,
    callOptions: CallOptions,
    target: Target,
    deadline: number | undefined,
    signals: readonly AbortSignal[],
    request: I | typeof NO_REQUEST,
  ): Opened<I, O> {
    callOptions.onNode?.(target.node);
    const codec = callOptions.codec ? pickCodec(callOptions.codec) : (defaultCodec ?? nodeCodec(target.node));
    // A request that does not fit its type fails here, before a stream is opened or a byte is sent.
    let bytes: Uint8Array | undefined;
    try {
      bytes = request === NO_REQUEST ? undefined : encodeRequest(codec, method.requestType, request);
    } catch (err) {
      throw new AttemptError(MicroError.from(err, Code.INVALID_ARGUMENT), false, true);
    }
    const { connections } = target;
    const address = target.node.address;
    const lease = connections.tryAcquire?.(address);
    if (lease) return start(method, callOptions, target, codec, deadline, signals, lease, bytes);
    const acquireSignal = signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any([...signals]);
    return connections.acquire(address, { signal: acquireSignal, deadline }).then(
      (l) => start(method, callOptions, target, codec, deadline, signals, l, bytes),
      (err: unknown) => {
        const error = MicroError.from(err, Code.UNAVAILABLE);
        mark(target, error.code, error);
        throw new AttemptError(error, false);
      },
    );
  }

  function start<I, O>(
    method: MethodDefinition<I, O>,
    callOptions: CallOptions,
    target: Target,
    codec: Codec,
    deadline: number | undefined,
    signals: readonly AbortSignal[],
    lease: ConnectionLease,
    request: Uint8Array | undefined,
  ): ClientCall<I, O> {
    const metadata = new Metadata(callOptions.metadata);
    const stream = lease.connection.openStream(method.path, metadata, { deadline, contentType: codec.contentType, kind: method.kind });
    let timer: NodeJS.Timeout | undefined;
    if (deadline !== undefined) {
      timer = setTimeout(() => stream.cancel(Code.DEADLINE_EXCEEDED, DEADLINE_EXCEEDED_TEXT), deadline - Date.now());
    }
    const onAbort =
      signals.length === 0
        ? undefined
        : (event: Event) => {
            const error = cancellation((event.target as AbortSignal).reason);
            stream.cancel(error.code, error.detail);
          };
    if (onAbort) for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
    const handedToCaller = method.kind !== 'unary';
    void stream.status.then((status) => {
      if (handedToCaller) forgetAbandoned(stream);
      clearTimeout(timer);
      if (onAbort) for (const s of signals) s.removeEventListener('abort', onAbort);
      lease.release();
      // Streams report their node's health here too, however long they lived.
      mark(target, status.code);
    });
    return new ClientCall(stream, codec, method.requestType, method.responseType, handedToCaller, request);
  }

  return {
    call(service, method, request, callOptions = {}) {
      return attempts(service, method, callOptions, request, async (openCall, markSent) => {
        const opened = openCall();
        const call = opened instanceof Promise ? await opened : opened;
        try {
          return await call.unary(markSent);
        } catch (err) {
          call.close();
          throw err;
        } finally {
          if (callOptions.onHeader) callOptions.onHeader(await call.header());
          if (callOptions.onTrailer) callOptions.onTrailer(await call.trailer());
        }
      });
    },
    serverStream(service, method, request, callOptions = {}) {
      return attempts(service, method, callOptions, request, async (openCall) => {
        const call = await openCall();
        try {
          await call.sendEncoded().catch(ignoreEOF);
        } catch (err) {
          call.close();
          // The request was refused before it left: another node may take it.
          throw new AttemptError(MicroError.from(err, Code.UNAVAILABLE), false);
        }
        call.closeSend();
        return call;
      });
    },
    // Once handed out, a stream belongs to the caller: only failing to reach a node is retried.
    clientStream: (service, method, callOptions = {}) => attempts(service, method, callOptions, NO_REQUEST, (openCall) => openCall()),
    bidiStream: (service, method, callOptions = {}) => attempts(service, method, callOptions, NO_REQUEST, (openCall) => openCall()),
    async close() {
      await Promise.all([options.connections.close(), ...[...extraSources].map((s) => s.close())]);
      options.onClose?.();
    },
  };
}

const NO_SIGNALS: readonly AbortSignal[] = [];

/** Marks a call kind whose requests are sent later, through the stream. */
const NO_REQUEST: unique symbol = Symbol('no request');

/** How many fixed addresses a client keeps a target for. */
const MAX_ADDRESS_TARGETS = 1024;

function signalsOf(callOptions: CallOptions): readonly AbortSignal[] {
  const { signal } = callOptions;
  const ctxSignal = callOptions.ctx?.signal;
  if (signal === undefined) return ctxSignal === undefined ? NO_SIGNALS : [ctxSignal];
  return ctxSignal === undefined ? [signal] : [signal, ctxSignal];
}

// No node to try (none registered, or the registry cannot be read): retrying at once would find the same.
function noTarget(err: unknown): AttemptError {
  const error = isMicroError(err)
    ? err
    : new MicroError(Code.UNAVAILABLE, `no node to call: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  return new AttemptError(error, false, true);
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

// A node advertises the codec it prefers; one this client does not know falls back to proto.
function nodeCodec(node: Node): Codec {
  const name = node.metadata.codec;
  return (name === undefined ? undefined : codecByName(name)) ?? pickCodec('proto');
}

// deadlineOf is the earliest of the call's timeout, deadline and context deadline.
function deadlineOf(options: CallOptions, defaultTimeoutMs: number | undefined): number | undefined {
  const timeout = options.timeout ?? defaultTimeoutMs;
  let deadline = timeout === undefined ? undefined : Date.now() + timeout;
  if (options.deadline !== undefined) {
    deadline = earliest(deadline, typeof options.deadline === 'number' ? options.deadline : options.deadline.getTime());
  }
  const inherited = options.ctx?.deadline;
  return inherited === undefined ? deadline : earliest(deadline, inherited);
}

function earliest(a: number | undefined, b: number): number {
  return a === undefined ? b : Math.min(a, b);
}
