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

/** Behaviour is how a ScriptedGreeter answers: normally, or failing with a chosen code. */
export type Behaviour = 'ok' | 'unavailable' | 'invalid';

/**
 * ScriptedGreeter serves greeter.proto and answers as told: its replies name
 * the server (`label`), so a test sees which node and transport answered.
 */
@Service(greeterDefinition)
export class ScriptedGreeter {
  /** handled counts the calls that reached a handler. */
  handled = 0;

  constructor(
    readonly label: string,
    public behaviour: Behaviour = 'ok',
  ) {}

  @Endpoint()
  async sayHello(_ctx: Context, req: Hello): Promise<Reply> {
    this.handled++;
    this.fail();
    return { message: `Hello ${req.name} from ${this.label}` };
  }

  @ServerStream()
  async serverStream(_ctx: Context, req: Req, stream: ServerStreamServer<Res>): Promise<void> {
    this.handled++;
    this.fail();
    await stream.send({ data: req.data, index: 0 });
  }

  @ClientStream()
  async clientStream(_ctx: Context, stream: ClientStreamServer<Req>): Promise<Res> {
    this.handled++;
    let n = 0;
    for await (const _ of stream) n++;
    return { data: this.label, index: n };
  }

  @BidiStream()
  async allStream(_ctx: Context, stream: BidiStreamServer<Req, Res>): Promise<void> {
    this.handled++;
    for await (const msg of stream) {
      this.fail();
      await stream.send({ data: `${msg.data} from ${this.label}`, index: 0 });
    }
  }

  private fail(): void {
    if (this.behaviour === 'unavailable') throw new MicroError(Code.UNAVAILABLE, `${this.label} is overloaded`);
    if (this.behaviour === 'invalid') throw new MicroError(Code.INVALID_ARGUMENT, `${this.label} rejects the request`);
  }
}
