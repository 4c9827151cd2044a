import { Context, Endpoint, Service } from '@tsmicro/core';
import '../greeter/gen/greeter.js';
import type { GreeterService, HelloReply, HelloRequest } from '../greeter/gen/greeter.js';

/**
 * Edge is the front service of the chain: it answers SayHello by calling the
 * greeter service with its own ctx, so the deadline, cancellation and the
 * trace follow the call downstream.
 */
@Service('greeter.Greeter')
export class Edge {
  constructor(private readonly greeter: GreeterService) {}

  @Endpoint()
  async sayHello(ctx: Context, req: HelloRequest): Promise<HelloReply> {
    const reply = await this.greeter.sayHello(req, { ctx });
    return { message: `edge says: ${reply.message}` };
  }
}
