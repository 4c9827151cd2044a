import type { Writable } from 'node:stream';
import { statusErrorFromUnknown } from './grpc-error.js';
import { ACCEPTED } from '../transport.js';

/**
 * MessageWriter writes messages to a grpc-js object stream with Node's
 * backpressure: write() resolves at once while the stream's buffer has room,
 * otherwise on 'drain' or the message's write callback, whichever comes first.
 * grpc-js never calls back a write on a call that has ended, so fail()
 * settles whatever is still waiting.
 */
export class MessageWriter {
  // Writers waiting for room; made when the first one has to wait.
  private waiting: Set<(err?: Error) => void> | undefined;
  private failure: Error | undefined;
  private dropping = false;

  constructor(private readonly sink: Writable) {}

  /** failed is the error that ended writing, if any. */
  get failed(): Error | undefined {
    return this.failure;
  }

  write(message: Uint8Array): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.dropping) return ACCEPTED;
    let accepted: boolean;
    try {
      accepted = this.sink.write(message, this.onWritten);
    } catch (err) {
      return Promise.reject(this.failure ?? statusErrorFromUnknown(err));
    }
    // The common case allocates nothing but the resolved promise: most
    // writes fit the stream's buffer, and only a full one needs a waiter.
    if (accepted) return ACCEPTED;
    return new Promise<void>((resolve, reject) => {
      const settle = (err?: Error) => {
        this.waiting?.delete(settle);
        this.sink.off('drain', onDrain);
        if (err) reject(err);
        else resolve();
      };
      const onDrain = () => settle();
      this.waiting ??= new Set();
      this.waiting.add(settle);
      this.sink.once('drain', onDrain);
    });
  }

  // One callback for every write: a failed write fails whoever waits for room.
  private readonly onWritten = (err?: Error | null): void => {
    if (!err || !this.waiting?.size) return;
    const failure = this.failure ?? statusErrorFromUnknown(err);
    this.settleAll(failure);
  };

  /** fail rejects every pending and later write with err. */
  fail(err: Error): void {
    if (this.dropping) return;
    this.failure ??= err;
    this.settleAll(this.failure);
  }

  /**
   * drop resolves every pending and later write without sending it: the
   * peer finished the call with OK, and gRPC discards what it did not read.
   */
  drop(): void {
    if (this.failure) return;
    this.dropping = true;
    this.settleAll(undefined);
  }

  private settleAll(err: Error | undefined): void {
    if (this.waiting) for (const settle of [...this.waiting]) settle(err);
  }
}
