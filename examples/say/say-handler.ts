import type { Context } from '@tsmicro/core';
import type {
  Request,
  Response,
  Say_BidirectionalStreamStream,
  Say_StreamStream,
  SayHandler,
  SResponse,
  SRequest,
} from './gen/say.js';

/**
 * Say serves say.proto as its comments say. It carries no decorators: it
 * implements the generated SayHandler and is registered with registerSayHandler.
 */
export class Say implements SayHandler {
  async hello(_ctx: Context, req: Request): Promise<Response> {
    return { msg: `Hello ${req.name ?? ''}` };
  }

  async stream(_ctx: Context, req: SRequest, stream: Say_StreamStream): Promise<void> {
    for (const response of responses(req)) await stream.send(response);
  }

  async bidirectionalStream(_ctx: Context, stream: Say_BidirectionalStreamStream): Promise<void> {
    // Answer each request as it arrives, not after the client half-closes.
    for await (const req of stream) {
      for (const response of responses(req)) await stream.send(response);
    }
  }
}

// count is an int64, so it arrives as a decimal string; a negative count sends nothing.
function* responses(req: SRequest): Generator<SResponse> {
  const count = BigInt(req.count ?? '0');
  for (let i = 0n; i < count; i++) yield { value: [String(i)] };
}
