import { Metadata } from '../metadata.js';
import { SlotSet } from '../slot-set.js';
import { Code } from '../status.js';
import type { StatusError } from '../status-error.js';
import type { ListenOptions } from '../transport.js';
import { statusErrorFromUnknown } from './grpc-error.js';
import type { GrpcServerCall } from './grpc-server-call.js';

// Messages a stream hands grpc-js before write() waits: what a grpc-js Duplex
// buffers (16 objects), so small messages pipeline while a slow client's
// flow control still reaches the handler.
const WRITE_WINDOW = 16;

/**
 * GrpcServerCalls is a listener's side of its calls: it hands each call to
 * the application once the request's headers are in, and keeps the calls in
 * progress so that shutdown can end them.
 */
export class GrpcServerCalls {
  private readonly live = new SlotSet<GrpcServerCall>();

  /** Messages a stream hands grpc-js before its write() waits for their callbacks. */
  readonly writeWindow: number;

  /**
   * @param intercepted whether the server has interceptors of its own.
   * grpc-js's interceptor layer holds one message at a time while a hook is
   * at work, and a status given meanwhile is never sent: such a server's
   * streams then write one message at a time and send their status once
   * the last message is through.
   */
  constructor(
    private readonly onStream: ListenOptions['onStream'],
    readonly intercepted: boolean,
  ) {
    this.writeWindow = intercepted ? 1 : WRITE_WINDOW;
  }

  /** started hands a call to the application; a handler that throws at once still ends it with a status. */
  started(call: GrpcServerCall): void {
    this.live.add(call);
    try {
      this.onStream(call);
    } catch (err) {
      const failure = statusErrorFromUnknown(err, Code.UNKNOWN);
      call.finish({ code: failure.code, message: failure.message, metadata: new Metadata() });
    }
  }

  /** ended forgets a call that is over. */
  ended(call: GrpcServerCall): void {
    this.live.delete(call);
  }

  /** terminateAll ends every call in progress with err (see GrpcServerCall.terminate). */
  terminateAll(err: StatusError): void {
    for (const call of this.live.values()) call.terminate(err);
  }
}
