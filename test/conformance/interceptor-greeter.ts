import { setTimeout as sleep } from 'node:timers/promises';
import {
  BidiStream,
  type BidiStreamServer,
  type CallEnd,
  ClientStream,
  type ClientStreamServer,
  Code,
  Context,
  Endpoint,
  type Interceptor,
  MicroError,
  Service,
  ServerStream,
  type ServerStreamServer,
} from '@tsmicro/core';
import { greeterDefinition, type Hello, type Reply, type Req, type Res } from '../support/greeter-proto.js';
import type { Probe } from './conformance-greeter.js';

/**
 * CountingGreeter serves greeter.proto for the interceptor suite. It keeps
 * nothing per message, so a million-message stream costs it no memory:
 * "hang:<tag>" waits for ctx.signal, "meta" echoes x-trace-id, counts come
 * back as the reply.
 */
@Service(greeterDefinition)
export class CountingGreeter {
  /** Handler invocations, to tell that a rejected call never reached one. */
  calls = 0;

  constructor(private readonly probe: Probe) {}

  @Endpoint()
  async sayHello(ctx: Context, req: Hello): Promise<Reply> {
    this.calls++;
    if (req.name.startsWith('hang:')) {
      await this.probe.watch(req.name.slice(5), ctx.signal);
      return { message: 'too late' };
    }
    if (req.name === 'meta') {
      const trace = ctx.metadata.get('x-trace-id');
      if (typeof trace === 'string') ctx.setHeader('x-trace-id', trace);
    }
    return { message: `Hello ${req.name}` };
  }

  @ServerStream()
  async serverStream(ctx: Context, req: Req, stream: ServerStreamServer<Res>): Promise<void> {
    this.calls++;
    if (req.data.startsWith('hang:')) {
      await stream.send({ data: 'started', index: 0 });
      await this.probe.watch(req.data.slice(5), ctx.signal);
      return;
    }
    for (let i = 0; i < req.count; i++) await stream.send({ data: req.data, index: i });
  }

  @ClientStream()
  async clientStream(ctx: Context, stream: ClientStreamServer<Req>): Promise<Res> {
    this.calls++;
    let count = 0;
    let last = '';
    for await (const msg of stream) {
      count++;
      last = msg.data;
      if (last.startsWith('hang:')) {
        await this.probe.watch(last.slice(5), ctx.signal);
        return { data: 'too late', index: count };
      }
    }
    return { data: last, index: count };
  }

  @BidiStream()
  async allStream(ctx: Context, stream: BidiStreamServer<Req, Res>): Promise<void> {
    this.calls++;
    for await (const msg of stream) {
      await stream.send({ data: `echo:${msg.data}`, index: msg.count });
      if (msg.data.startsWith('hang:')) {
        await this.probe.watch(msg.data.slice(5), ctx.signal);
        return;
      }
    }
  }
}

/** Seen is what an interceptor recorded of one tagged call. */
export interface Seen {
  end: CallEnd;
  requests: number;
  responses: number;
  node?: string;
  /** The call's deadline and whether its signal had aborted, as the interceptor saw them at the end. */
  deadline: number | undefined;
  aborted: boolean;
}

/**
 * Recorder is an interceptor for either side that counts each tagged call's
 * messages both ways and keeps its end. A call is tagged by its x-tag
 * header, or else by a first request message "hang:<tag>" (what a peer
 * process sends).
 */
export class Recorder {
  readonly seen = new Map<string, Seen>();
  /** Calls tagged by header whose interceptor ran (on the server: calls that arrived), with their request messages so far. */
  readonly started = new Map<string, number>();

  readonly intercept: Interceptor = (next) => (call) => {
    let tag = call.metadata.get('x-tag');
    if (typeof tag === 'string') this.started.set(tag, 0);
    let requests = 0;
    let responses = 0;
    call.onRequestMessage((msg) => {
      requests++;
      if (this.started.has(tag as string)) this.started.set(tag as string, requests);
      const data = (msg as { data?: unknown }).data;
      if (tag === undefined && typeof data === 'string' && data.startsWith('hang:')) tag = data.slice(5);
    });
    call.onResponseMessage(() => {
      responses++;
    });
    call.onEnd((end) => {
      if (typeof tag !== 'string') return;
      const node = call.side === 'client' ? call.node.address : undefined;
      this.seen.set(tag, { end, requests, responses, node, deadline: call.deadline, aborted: call.signal.aborted });
    });
    return next(call);
  };
}

/**
 * gate is the server interceptor the suite steers with request headers:
 * x-deny rejects, x-throw throws a plain error, x-slow waits first, x-added
 * is echoed in a response header with a trailer beside it, x-set-trace adds
 * a request header for the handler, x-flaky fails the first call of its tag
 * with ABORTED, x-shout upper-cases replies, a request message "forbidden"
 * is refused with PERMISSION_DENIED and one "crash" throws a plain error.
 */
export function gate(): Interceptor {
  const flaked = new Set<string>();
  return (next) => async (call) => {
    if (call.side !== 'server') return next(call);
    const md = call.metadata;
    if (md.get('x-deny') !== undefined) throw new MicroError(Code.UNAUTHENTICATED, 'no entry');
    if (md.get('x-throw') !== undefined) throw new Error('secret interceptor detail');
    const flaky = md.get('x-flaky');
    if (typeof flaky === 'string' && !flaked.has(flaky)) {
      flaked.add(flaky);
      throw new MicroError(Code.ABORTED, 'try again');
    }
    const slow = md.get('x-slow');
    if (typeof slow === 'string') await sleep(Number(slow));
    const added = md.get('x-added');
    if (typeof added === 'string') {
      call.responseHeader.set('x-seen', added);
      call.responseTrailer.set('x-checked', 'yes');
    }
    if (md.get('x-set-trace') !== undefined) md.set('x-trace-id', 'set-by-interceptor');
    call.onRequestMessage((msg) => {
      const data = (msg as { data?: unknown }).data;
      if (data === 'forbidden') throw new MicroError(Code.PERMISSION_DENIED, 'forbidden message');
      if (data === 'crash') throw new Error('secret hook detail');
    });
    if (md.get('x-shout') !== undefined) {
      call.onResponseMessage((msg) => ({ ...(msg as Res), data: (msg as Res).data.toUpperCase() }));
    }
    return next(call);
  };
}

/** stamp is the client interceptor that adds x-added to every call. */
export const stamp: Interceptor = (next) => (call) => {
  call.metadata.set('x-added', 'client');
  return next(call);
};
