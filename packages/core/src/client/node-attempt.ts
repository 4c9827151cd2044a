import { type ClientStream, Code, Metadata, type Status } from '@tsmicro/transport';
import type { Codec } from '../codec/codec.js';
import { codecByName, codecNames } from '../codec/codecs.js';
import { protoCodec } from '../codec/proto-codec.js';
import { ClientCall, encodeRequest } from '../client-call.js';
import { MicroError } from '../errors.js';
import { runRequestHooks } from '../interceptor/message-hooks.js';
import type { Node } from '../registry/registry.js';
import { AttemptEnd } from './attempt-end.js';
import { AttemptError } from './attempt-error.js';
import { type CallPlan, NO_REQUEST } from './call-plan.js';
import type { ConnectionLease } from './client-options.js';
import { HookedClientCall, type MessageHooks } from './hooked-client-call.js';
import type { Route } from '../transport-choice.js';
import type { Target, TargetResolver, Way } from './target-resolver.js';

/** Opened is an attempt's call: at once when target and connection were at hand. */
export type Opened<I, O> = ClientCall<I, O> | Promise<ClientCall<I, O>>;

/** StreamWatcher hears of the transport stream an intercepted attempt opened, for its end, and the way it took. */
export interface StreamWatcher extends MessageHooks {
  opened(stream: ClientStream, way: Route): void;
  /** streamEnded hears the stream's final status as the transport reports it, and its headers when they came with it. */
  streamEnded(stream: ClientStream, status: Status, headers: Metadata | undefined): void;
}

/**
 * NodeAttempt is the client's last layer: it opens one attempt's stream on
 * the chosen node. It leases a connection (synchronously when the pool has
 * a ready one with room, which is almost every call), hands the deadline to
 * the transport, arms the cancellation listeners, and releases them and the
 * lease, and reports the node's health, when the transport reports the final status.
 */
export class NodeAttempt {
  private readonly defaultCodec: Codec | undefined;

  constructor(
    private readonly resolver: TargetResolver,
    codec: string | undefined,
  ) {
    this.defaultCodec = codec === undefined ? undefined : pickCodec(codec);
  }

  /**
   * open starts the attempt's stream on the first way to the node that did
   * not just fail to dial; `watcher` is the intercepted call, if any. A failed
   * dial moves on to the node's next way before the node counts as failed.
   */
  open<I, O>(plan: CallPlan<I, O>, target: Target, metadata: Metadata | undefined, watcher?: StreamWatcher, from = 0, encoded?: Uint8Array): Opened<I, O> {
    const { options } = plan;
    const { node, ways } = target;
    const index = this.firstWay(target, from);
    const way = ways[index];
    if (way === undefined) throw new AttemptError(new MicroError(Code.UNAVAILABLE, `no transport reaches node ${node.id}`), false);
    const codec = options.codec ? pickCodec(options.codec) : (this.defaultCodec ?? nodeCodec(node));
    // Encoded once per attempt: a fallback to the node's next way sends the same bytes.
    const bytes = encoded ?? (plan.request === NO_REQUEST ? undefined : encodeOnce(plan, codec, watcher));
    const { connections, address } = way;
    const lease = connections.tryAcquire?.(address);
    if (lease) return this.start(plan, target, way, codec, lease, metadata, watcher, bytes);
    return this.openAfterAcquire(plan, target, index, codec, metadata, watcher, bytes);
  }

  // openAfterAcquire waits for a lease on the way at `index`, then starts the
  // attempt, or moves on to the next way if dialing fails. It is apart from
  // open() so that open, which almost never waits, makes no closure context
  // (V8 makes one on every entry to a function holding closures).
  private openAfterAcquire<I, O>(
    plan: CallPlan<I, O>,
    target: Target,
    index: number,
    codec: Codec,
    metadata: Metadata | undefined,
    watcher: StreamWatcher | undefined,
    bytes: Uint8Array | undefined,
  ): Promise<ClientCall<I, O>> {
    const { node, ways } = target;
    const way = ways[index] as Way;
    const { signals } = plan;
    const acquireSignal = signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any([...signals]);
    return way.connections.acquire(way.address, { signal: acquireSignal, deadline: plan.deadline }).then(
      (l) => this.start(plan, target, way, codec, l, metadata, watcher, bytes),
      (err: unknown) => {
        const error = MicroError.from(err, Code.UNAVAILABLE);
        if (error.code === Code.UNAVAILABLE && index < ways.length - 1) {
          this.resolver.failedDials.mark(node.id, way);
          return this.open(plan, target, metadata, watcher, index + 1, bytes);
        }
        this.resolver.mark(target, error.code, error);
        throw new AttemptError(error, false);
      },
    );
  }

  /** firstWay is the index of the way to `target` an attempt tries first from `from`: the first whose dial did not just fail. */
  firstWay(target: Target, from = 0): number {
    const { node, ways } = target;
    const failedDials = this.resolver.failedDials;
    let index = from;
    while (index < ways.length - 1 && failedDials.cooling(node.id, ways[index] as Way)) index++;
    return index;
  }

  private start<I, O>(
    plan: CallPlan<I, O>,
    target: Target,
    way: Route,
    codec: Codec,
    lease: ConnectionLease,
    metadata: Metadata | undefined,
    watcher: StreamWatcher | undefined,
    request: Uint8Array | undefined,
  ): ClientCall<I, O> {
    const { method, deadline, signals } = plan;
    const stream = lease.connection.openStream(method.path, metadata ?? new Metadata(plan.options.metadata), {
      deadline,
      contentType: codec.contentType,
      kind: method.kind,
    });
    // No timer here: every transport ends a call at its deadline itself, on
    // both sides, with DEADLINE_EXCEEDED (the transport contract suite holds
    // them to it); a second timer per call would only cost.
    const handedToCaller = method.kind !== 'unary';
    const end = new AttemptEnd(stream, lease, signals, target, this.resolver, watcher, handedToCaller);
    let call: ClientCall<I, O>;
    if (watcher === undefined) call = new ClientCall(stream, codec, method.requestType, method.responseType, handedToCaller, request);
    else {
      watcher.opened(stream, way);
      call = new HookedClientCall(stream, codec, method.requestType, method.responseType, handedToCaller, request, watcher);
    }
    // A unary call on a transport that tells its end and reply in one callback is followed by its ClientCall.
    if (handedToCaller || !call.followUnaryEnd(end)) end.follow();
    return call;
  }
}

// encodeOnce encodes the request of a unary or server-streaming call before
// a stream is opened, after the interceptors' request hooks: a request that
// does not fit its type fails here, before a byte is sent, and is not retried.
function encodeOnce(plan: CallPlan<unknown, unknown>, codec: Codec, watcher: StreamWatcher | undefined): Uint8Array {
  let message = plan.request;
  const hooks = watcher?.requestHooks;
  if (hooks !== undefined) {
    try {
      message = runRequestHooks(hooks, message);
    } catch (err) {
      throw new AttemptError(MicroError.from(err), false, true);
    }
  }
  try {
    return encodeRequest(codec, plan.method.requestType, message);
  } catch (err) {
    throw new AttemptError(MicroError.from(err, Code.INVALID_ARGUMENT), false, true);
  }
}

/** pickCodec finds a codec by name; an unknown name is INVALID_ARGUMENT listing the known ones. */
export function pickCodec(name: string): Codec {
  const codec = codecByName(name);
  if (!codec) throw new MicroError(Code.INVALID_ARGUMENT, `unknown codec "${name}": accepted values are ${codecNames.join(', ')}`);
  return codec;
}

// A node advertises the codec it prefers; one this client does not know falls back to proto.
function nodeCodec(node: Node): Codec {
  const name = node.metadata.codec;
  return (name === undefined ? undefined : codecByName(name)) ?? protoCodec;
}
