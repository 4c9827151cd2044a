import {
  BidiStream,
  type BidiStreamServer,
  ClientStream,
  type ClientStreamServer,
  Code,
  Context,
  Endpoint,
  MicroError,
  Service,
  ServerStream,
  type ServerStreamServer,
} from '@tsmicro/core';
import { greeterDefinition, type Hello, type Reply, type Req, type Res } from '../support/greeter-proto.js';

/** Probe lets a test see what happened inside a handler: aborts observed and sends accepted. */
export class Probe {
  /** sent counts the flood handler's send() calls that resolved. */
  sent = 0;
  private readonly aborts = new Map<string, { promise: Promise<unknown>; resolve: (reason: unknown) => void }>();

  /** aborted resolves with the reason of ctx.signal once the handler tagged `tag` saw it abort. */
  aborted(tag: string): Promise<unknown> {
    return this.slot(tag).promise;
  }

  /** watch records when ctx.signal aborts, under `tag`. */
  watch(tag: string, signal: AbortSignal): Promise<void> {
    const slot = this.slot(tag);
    return new Promise((resolve) => {
      const done = () => {
        slot.resolve(signal.reason);
        resolve();
      };
      if (signal.aborted) done();
      else signal.addEventListener('abort', done, { once: true });
    });
  }

  private slot(tag: string) {
    let slot = this.aborts.get(tag);
    if (!slot) {
      let resolve!: (reason: unknown) => void;
      const promise = new Promise<unknown>((r) => {
        resolve = r;
      });
      slot = { promise, resolve };
      this.aborts.set(tag, slot);
    }
    return slot;
  }
}

const PAYLOAD = 'x'.repeat(16 * 1024);

// Requests choose the behaviour: "hang:<tag>" waits for ctx.signal and records
// its abort, "error" and "throw" fail, "echo:<text>" echoes text as is (sizes
// are exact), "grow:<n>" replies with n bytes, "meta" echoes metadata.
@Service(greeterDefinition)
export class ConformanceGreeter {
  constructor(private readonly probe: Probe) {}

  @Endpoint()
  async sayHello(ctx: Context, req: Hello): Promise<Reply> {
    const name = req.name;
    if (name.startsWith('hang:')) {
      await this.probe.watch(name.slice(5), ctx.signal);
      return { message: 'too late' };
    }
    if (name === 'error') {
      ctx.setTrailer('x-why', 'asked for it');
      throw new MicroError(Code.NOT_FOUND, 'no greeting for "error"', { id: 'greeter' });
    }
    if (name === 'throw') throw new Error('secret internal detail');
    if (name === 'meta') echoMetadata(ctx);
    if (name === 'deadline') return { message: String(ctx.deadline ?? 'none') };
    if (name.startsWith('echo:')) return { message: name.slice(5) };
    if (name.startsWith('grow:')) return { message: 'y'.repeat(Number(name.slice(5))) };
    return { message: `Hello ${name}` };
  }

  @ServerStream()
  async serverStream(ctx: Context, req: Req, stream: ServerStreamServer<Res>): Promise<void> {
    if (req.data === 'meta') echoMetadata(ctx);
    if (req.data === 'flood') {
      for (let i = 0; !ctx.signal.aborted; i++) {
        await stream.send({ data: PAYLOAD, index: i });
        this.probe.sent++;
      }
      return;
    }
    if (req.data.startsWith('hang:')) {
      await stream.send({ data: 'started', index: 0 });
      await this.probe.watch(req.data.slice(5), ctx.signal);
      return;
    }
    for (let i = 0; i < req.count; i++) await stream.send({ data: `${req.data}:${i}`, index: i });
  }

  @ClientStream()
  async clientStream(ctx: Context, stream: ClientStreamServer<Req>): Promise<Res> {
    const seen: string[] = [];
    for await (const msg of stream) {
      if (msg.data === 'meta') echoMetadata(ctx);
      seen.push(msg.data);
    }
    return { data: seen.join(','), index: seen.length };
  }

  @BidiStream()
  async allStream(ctx: Context, stream: BidiStreamServer<Req, Res>): Promise<void> {
    for await (const msg of stream) {
      if (msg.data === 'meta') echoMetadata(ctx);
      await stream.send({ data: `echo:${msg.data}`, index: msg.count });
      if (msg.data.startsWith('hang:')) {
        await this.probe.watch(msg.data.slice(5), ctx.signal);
        return;
      }
    }
  }
}

function echoMetadata(ctx: Context): void {
  const text = ctx.metadata.get('x-trace-id');
  const bytes = ctx.metadata.get('x-trace-bin');
  if (typeof text === 'string') {
    ctx.setHeader('x-trace-id', text);
    ctx.setTrailer('x-trace-id', `${text}-end`);
  }
  if (bytes instanceof Uint8Array) {
    ctx.setHeader('x-trace-bin', bytes);
    ctx.setTrailer('x-trace-bin', bytes);
  }
}
