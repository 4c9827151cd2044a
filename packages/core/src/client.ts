import { Code } from '@tsmicro/transport';
import { AttemptError, noTarget } from './client/attempt-error.js';
import { cancellation } from './cancellation.js';
import { type CallPlan, deadlineOf, NO_REQUEST, signalsOf } from './client/call-plan.js';
import { serverStreamOn, unaryOn } from './client/call-kinds.js';
import { ClientAttemptCall } from './client/client-attempt-call.js';
import type { ClientOptions } from './client/client-options.js';
import { NodeAttempt, type Opened } from './client/node-attempt.js';
import { type AttemptRun, retryingCall } from './client/retrying-call.js';
import { type Target, TargetResolver } from './client/target-resolver.js';
import type { ClientCall } from './client-call.js';
import type { CallOptions, Client } from './client-types.js';
import { defaultContainer } from './container.js';
import type { MethodDefinition } from './definition.js';
import { MicroError } from './errors.js';
import { composeChain } from './interceptor/compose-chain.js';
import type { NextCall } from './interceptor/interceptor.js';
import { resolveInterceptors } from './interceptor/resolve-interceptors.js';
import { createConsoleLogger } from './logger/console-logger.js';
import { checkRetryPolicy, defaultRetryBackoff } from './retry-policy.js';

export type { AddressResolver, ClientOptions, ConnectionLease, ConnectionSource } from './client/client-options.js';

// What a call made without options is given: one shared object, as nothing writes to it.
const NO_OPTIONS: CallOptions = Object.freeze({});

// The centre of every client chain: the attempt on the node it was given.
const onTheWire: NextCall = (call) => (call as ClientAttemptCall).run();

/**
 * createClient builds a Client from three layers, as grpc-js does: the
 * TargetResolver turns a service name into nodes, retryingCall runs the
 * attempts of a call, and NodeAttempt opens one attempt's stream on its node
 * over a pooled connection. Client interceptors wrap the last layer: they
 * run per attempt, once the node is chosen. The chain of the client's own
 * interceptors is composed here, once; a call with interceptors of its own
 * composes its chain when it starts.
 */
export function createClient(options: ClientOptions): Client {
  const policy = checkRetryPolicy({ retries: options.retries ?? 0, backoff: options.retryBackoff ?? defaultRetryBackoff });
  const resolver = new TargetResolver(options);
  const nodes = new NodeAttempt(resolver, options.codec);
  const container = options.container ?? defaultContainer;
  const logger = options.logger ?? createConsoleLogger();
  const interceptors = resolveInterceptors(options.interceptors, container, 'createClient');
  const clientChain = interceptors.length === 0 ? undefined : composeChain(interceptors, onTheWire);

  function plan<I, O>(service: string, method: MethodDefinition<I, O>, callOptions: CallOptions, request: unknown): CallPlan<unknown, unknown> {
    const perCall = callOptions.interceptors;
    const chain =
      perCall === undefined || perCall.length === 0
        ? clientChain
        : composeChain([...interceptors, ...resolveInterceptors(perCall, container, 'CallOptions.interceptors')], onTheWire);
    return {
      service,
      method: method as MethodDefinition,
      options: callOptions,
      deadline: deadlineOf(callOptions, method.kind === 'unary' ? options.unaryTimeoutMs : undefined),
      signals: signalsOf(callOptions),
      picked: undefined,
      request,
      chain,
      sent: false,
      final: undefined,
    };
  }

  // attempt is one try of a call: it checks the call may still start, finds
  // the target, and runs `run` on it, through the interceptors when there are
  // any. Without a wait for a target or a connection it takes no promise.
  function attempt<T>(p: CallPlan<unknown, unknown>, retry: number, run: AttemptRun<T>): T | Promise<T> {
    for (const s of p.signals) if (s.aborted) throw new AttemptError(cancellation(s.reason), false, true);
    if (p.deadline !== undefined && p.deadline <= Date.now()) {
      throw new AttemptError(new MicroError(Code.DEADLINE_EXCEEDED, 'deadline exceeded before the call started'), false, true);
    }
    let target: Target | Promise<Target>;
    try {
      target = resolver.targetFor(p);
    } catch (err) {
      throw noTarget(err);
    }
    if (!(target instanceof Promise)) return onTarget(p, target, retry, run);
    return onTargetFound(p, target, retry, run);
  }

  // onTargetFound runs an attempt once its target is found. Apart from
  // attempt() so that attempt, which almost never waits, makes no closure
  // context (V8 makes one on every entry to a function holding closures).
  function onTargetFound<T>(p: CallPlan<unknown, unknown>, target: Promise<Target>, retry: number, run: AttemptRun<T>): Promise<T> {
    return target.then(
      (t) => onTarget(p, t, retry, run),
      (err: unknown) => {
        throw noTarget(err);
      },
    );
  }

  function onTarget<T>(p: CallPlan<unknown, unknown>, target: Target, retry: number, run: AttemptRun<T>): T | Promise<T> {
    p.options.onNode?.(target.node);
    if (p.chain === undefined) return run(nodes.open(p, target, undefined), p);
    const way = target.ways[nodes.firstWay(target)];
    const call = new ClientAttemptCall(p, target, way, retry + 1, nodes, run as AttemptRun<unknown>, logger);
    const last = (p.options.retries ?? policy.retries) === retry;
    const settled = call.settle<T>(p.chain(call), last);
    // What the last attempt settles with is what the caller sees: retryingCall hands it on as it is.
    if (last) p.final = settled;
    return settled;
  }

  return {
    call<I, O>(service: string, method: MethodDefinition<I, O>, request: I, callOptions: CallOptions = NO_OPTIONS): Promise<O> {
      const p = plan(service, method, callOptions, request);
      return retryingCall(p, policy, attempt, unaryOn) as Promise<O>;
    },
    serverStream<I, O>(service: string, method: MethodDefinition<I, O>, request: I, callOptions: CallOptions = NO_OPTIONS) {
      const p = plan(service, method, callOptions, request);
      return retryingCall(p, policy, attempt, serverStreamOn) as Promise<ClientCall<I, O>>;
    },
    // Once handed out, a stream belongs to the caller: only failing to reach a node is retried.
    clientStream<I, O>(service: string, method: MethodDefinition<I, O>, callOptions: CallOptions = NO_OPTIONS) {
      const p = plan(service, method, callOptions, NO_REQUEST);
      return retryingCall(p, policy, attempt, handOver) as Promise<ClientCall<I, O>>;
    },
    bidiStream<I, O>(service: string, method: MethodDefinition<I, O>, callOptions: CallOptions = NO_OPTIONS) {
      const p = plan(service, method, callOptions, NO_REQUEST);
      return retryingCall(p, policy, attempt, handOver) as Promise<ClientCall<I, O>>;
    },
    async close() {
      await resolver.close();
      options.onClose?.();
    },
  };
}

// A streaming-request call is handed to the caller as soon as it is open.
function handOver(opened: Opened<unknown, unknown>): Opened<unknown, unknown> {
  return opened;
}
