import { Code, type Connection, isStatusError, Metadata, type Transport } from '@tsmicro/transport';
import type { Codec } from './codec/codec.js';
import { codecByName, codecNames } from './codec/codecs.js';
import { ClientCall, forgetAbandoned } from './client-call.js';
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
import { defaults } from './config/defaults.js';
import { localNodes } from './local-nodes.js';
import { FailedDials, type Route, routeOf, routesTo } from './transport-choice.js';

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
   * nodes registered on it; undefined means this client cannot reach such
   * nodes and the selector skips them. Every source it returned is closed by close().
   */
  readonly connectionsFor?: (transport: string) => ConnectionSource | undefined;
  /**
   * Transports in order of preference; each node is reached over the first
   * one it offers and this client has, then the next if dialing fails.
   * "in-process" reaches a node this process serves through `memory`.
   * Default in-process, tcp, grpc, memory.
   */
  readonly transports?: readonly string[];
  /** How long a route whose dial failed is passed over for that node (default 10 000 ms). */
  readonly failedDialMs?: number;
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

// One way to a node, with the connections of its transport.
interface Way extends Route {
  readonly connections: ConnectionSource;
}

// What one attempt goes to: a node, and the ways to reach it, best first.
interface Target {
  readonly node: Node;
  readonly ways: readonly Way[];
  /** Chosen by the selector, so its outcome is reported back with mark(). */
  readonly selected: boolean;
  /** localNodes.version the ways were worked out at. */
  readonly version: number;
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

  const failedDials = new FailedDials(options.failedDialMs ?? 10_000);
  const preference = options.transports ?? defaults.client.transports;

  function sourceOf(transport: string): ConnectionSource | undefined {
    if (transport === options.transport.name) return options.connections;
    const source = options.connectionsFor?.(transport);
    if (source) extraSources.add(source);
    return source;
  }

  const choice = {
    preference,
    fallback: options.transport.name,
    supports: (transport: string) => sourceOf(transport) !== undefined,
    localAddress: localNodes.addressOf,
  };

  // A node's target is worked out once, and again only when this process starts or stops serving a node.
  const nodeTargets = new WeakMap<Node, Target>();
  function targetOf(node: Node): Target {
    let target = nodeTargets.get(node);
    if (target === undefined || target.version !== localNodes.version) {
      const ways = routesTo(node, choice).map((r) => ({ ...r, connections: sourceOf(r.transport) as ConnectionSource }));
      target = { node, ways, selected: true, version: localNodes.version };
      nodeTargets.set(node, target);
    }
    return target;
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
      const take = (): Target => targetOf((next as () => Node)());
      return () =>
        next
          ? take()
          : selector.select(service, { filter: (n) => targetOf(n).ways.length > 0 }).then((picked) => {
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
      const route = routeOf(address, options.transport.name);
      const connections = sourceOf(route.transport);
      if (connections === undefined) {
        throw new MicroError(Code.INVALID_ARGUMENT, `address ${address} names transport "${route.transport}", which this client does not have`);
      }
      const node: Node = { id: address, address: route.address, metadata: { transport: route.transport } };
      target = { node, ways: [{ ...route, connections }], selected: false, version: 0 };
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
          () => open(method, callOptions, targets, deadline, signals),
          () => {
            sent = true;
          },
        );
      } catch (err) {
        // A request the server refused unread counts as never sent: it is safe to send again.
        const failure = err instanceof AttemptError ? err : new AttemptError(MicroError.from(err, Code.UNAVAILABLE), sent && !unprocessed(err));
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
  ): Opened<I, O> {
    const aborted = signals.find((s) => s.aborted);
    if (aborted) throw new AttemptError(MicroError.from(aborted.reason, Code.CANCELLED), false, true);
    if (deadline !== undefined && deadline <= Date.now()) {
      throw new AttemptError(new MicroError(Code.DEADLINE_EXCEEDED, 'deadline exceeded before the call started'), false, true);
    }
    let target: Target | Promise<Target>;
    try {
      target = targets();
    } catch (err) {
      throw noTarget(err);
    }
    if (!(target instanceof Promise)) return openOn(method, callOptions, target, deadline, signals);
    return target.then(
      (t) => openOn(method, callOptions, t, deadline, signals),
      (err: unknown) => {
        throw noTarget(err);
      },
    );
  }

  // openOn starts the attempt on the first way to the node that did not just
  // fail to dial; a failed dial moves on to the next way before the node counts as failed.
  function openOn<I, O>(
    method: MethodDefinition<I, O>,
    callOptions: CallOptions,
    target: Target,
    deadline: number | undefined,
    signals: readonly AbortSignal[],
    from = 0,
  ): Opened<I, O> {
    const { node, ways } = target;
    let index = from;
    while (index < ways.length - 1 && failedDials.cooling(node.id, ways[index] as Way)) index++;
    const way = ways[index];
    if (way === undefined) throw new AttemptError(new MicroError(Code.UNAVAILABLE, `no transport reaches node ${node.id}`), false);
    if (from === 0) callOptions.onNode?.(node);
    const codec = callOptions.codec ? pickCodec(callOptions.codec) : (defaultCodec ?? nodeCodec(node));
    const { connections, address } = way;
    const lease = connections.tryAcquire?.(address);
    if (lease) return start(method, callOptions, target, codec, deadline, signals, lease);
    const acquireSignal = signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any([...signals]);
    return connections.acquire(address, { signal: acquireSignal, deadline }).then(
      (l) => start(method, callOptions, target, codec, deadline, signals, l),
      (err: unknown) => {
        const error = MicroError.from(err, Code.UNAVAILABLE);
        if (error.code === Code.UNAVAILABLE && index < ways.length - 1) {
          failedDials.mark(node.id, way);
          return openOn(method, callOptions, target, deadline, signals, index + 1);
        }
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
  ): ClientCall<I, O> {
    const metadata = new Metadata(callOptions.metadata);
    const stream = lease.connection.openStream(method.path, metadata, { deadline, contentType: codec.contentType, kind: method.kind });
    let timer: NodeJS.Timeout | undefined;
    if (deadline !== undefined) {
      timer = setTimeout(() => stream.cancel(Code.DEADLINE_EXCEEDED, 'deadline exceeded'), deadline - Date.now());
    }
    const onAbort = signals.length === 0 ? undefined : () => stream.cancel(Code.CANCELLED, 'call cancelled by the client');
    if (onAbort) for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
    const handedToCaller = method.kind !== 'unary';
    void stream.status.then((status) => {
      if (handedToCaller) forgetAbandoned(stream);
      clearTimeout(timer);
      if (onAbort) for (const s of signals) s.removeEventListener('abort', onAbort);
      lease.release();
      // Streams report their node's health here too, however long they lived; a stream
      // refused unread by a server going away says nothing of the node's health.
      if (status.unprocessed !== true) mark(target, status.code);
    });
    return new ClientCall(stream, codec, method.requestType, method.responseType, handedToCaller);
  }

  return {
    call(service, method, request, callOptions = {}) {
      return attempts(service, method, callOptions, async (openCall, markSent) => {
        const opened = openCall();
        const call = opened instanceof Promise ? await opened : opened;
        try {
          return await call.unary(request, markSent);
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
      return attempts(service, method, callOptions, async (openCall) => {
        const call = await openCall();
        try {
          await call.send(request).catch(ignoreEOF);
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
    clientStream: (service, method, callOptions = {}) => attempts(service, method, callOptions, (openCall) => openCall()),
    bidiStream: (service, method, callOptions = {}) => attempts(service, method, callOptions, (openCall) => openCall()),
    async close() {
      await Promise.all([options.connections.close(), ...[...extraSources].map((s) => s.close())]);
      options.onClose?.();
    },
  };
}

const NO_SIGNALS: readonly AbortSignal[] = [];

/** How many fixed addresses a client keeps a target for. */
const MAX_ADDRESS_TARGETS = 1024;

function signalsOf(callOptions: CallOptions): readonly AbortSignal[] {
  const { signal } = callOptions;
  const ctxSignal = callOptions.ctx?.signal;
  if (signal === undefined) return ctxSignal === undefined ? NO_SIGNALS : [ctxSignal];
  return ctxSignal === undefined ? [signal] : [signal, ctxSignal];
}

// unprocessed says whether a failure is a StatusError (or wraps one) the server refused unread.
function unprocessed(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (isStatusError(e)) return e.unprocessed === true;
  }
  return false;
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
