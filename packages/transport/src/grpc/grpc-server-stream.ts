import type * as grpc from '@grpc/grpc-js';
import { Code } from '../status.js';
import { StatusError } from '../status-error.js';
import { GrpcServerCall, type GrpcTrailingStatus } from './grpc-server-call.js';
import { MessageWriter } from './message-writer.js';
import { ReadQueue } from './read-queue.js';

// One shared error for reads after the call's own end: building an Error per
// call (a stack capture) showed in profiles of short calls.
const CALL_FINISHED = new StatusError(Code.CANCELLED, 'call finished');

/**
 * GrpcServerStream is the handler's side of a streaming call, over the
 * grpc-js duplex its path is registered with.
 */
export class GrpcServerStream extends GrpcServerCall {
  private readonly queue: ReadQueue;
  private readonly writer: MessageWriter;

  constructor(
    private readonly duplex: grpc.ServerDuplexStream<Uint8Array, Uint8Array>,
    method: string,
    live: Set<GrpcServerCall>,
  ) {
    super(duplex, method, live);
    this.queue = new ReadQueue(duplex);
    this.writer = new MessageWriter(duplex);
    duplex.on('data', GrpcServerStream.onData);
    duplex.on('end', GrpcServerStream.onEnd);
    duplex.on('close', GrpcServerStream.onClose);
    duplex.on('prefinish', GrpcServerStream.onPrefinish);
    // No 'error' listener of ours: grpc-js's own, which turns an 'error' on
    // this duplex into the call's status, is there for the duplex's life.
  }

  private static onData(this: unknown, message: Uint8Array): void {
    (GrpcServerStream.ownerOf(this) as GrpcServerStream).queue.push(message);
  }

  // A reset stream also ends grpc-js's readable, just before 'cancelled':
  // waiting a turn keeps a cancelled call from looking half-closed.
  private static onEnd(this: unknown): void {
    const stream = GrpcServerStream.ownerOf(this) as GrpcServerStream;
    setImmediate(endQueue, stream.queue);
  }

  private static onClose(this: unknown): void {
    const stream = GrpcServerStream.ownerOf(this) as GrpcServerStream;
    stream.forget();
    stream.interrupt();
  }

  private static onPrefinish(this: unknown): void {
    (GrpcServerStream.ownerOf(this) as GrpcServerStream).statusSent = true;
  }

  read(): Promise<Uint8Array | null> {
    return this.queue.read();
  }

  write(message: Uint8Array): Promise<void> {
    if (this.isFinished && !this.writer.failed) {
      return Promise.reject(new StatusError(Code.INTERNAL, 'write after finish'));
    }
    return this.writer.write(message);
  }

  protected sendStatus(status: GrpcTrailingStatus): void {
    // The handler's reads are over; the client's remaining messages are discarded.
    this.queue.fail(CALL_FINISHED);
    // grpc-js's documented way to end a streaming call with a status: it
    // queues the status behind the messages already written, so OK never
    // overtakes them.
    this.duplex.emit('error', { ...status, message: status.details });
  }

  protected failed(err: StatusError): void {
    this.queue.fail(err);
    this.writer.fail(err);
  }
}

function endQueue(queue: ReadQueue): void {
  queue.end();
}
