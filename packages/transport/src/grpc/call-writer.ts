import { serializeBytes } from './bytes-serializer.js';
import type { ChannelCall } from './channel-call.js';
import { ACCEPTED } from '../transport.js';

// Messages a call holds for grpc-js before send() waits: what a grpc-js
// Duplex buffers by default (16 objects), so small messages pipeline while a
// slow peer's flow control still reaches the caller.
const WINDOW = 16;

type Waiter = { resolve: () => void; reject: (err: Error) => void };

/**
 * CallWriter sends messages on a grpc-js channel call. A channel call takes
 * one message at a time (it holds only one until it is routed), so the next
 * is handed over when the previous one's callback says HTTP/2 took it, and
 * the half close only after the last. write() resolves at once while fewer
 * than WINDOW messages wait here, else as they drain. grpc-js reports a
 * failed write as the call's status, not to the write, so fail() settles
 * the waiters.
 */
export class CallWriter {
  // Made when a second message comes before grpc-js took the first.
  private held: Uint8Array[] | undefined;
  private inGrpc = false;
  private closeWhenDrained = false;
  private waiting: Waiter[] | undefined;
  private failure: Error | undefined;
  private dropping = false;

  // One context for every message (grpc-js calls its callback without a receiver, so it is bound here).
  private readonly context = { callback: (): void => this.written() };

  constructor(private readonly call: ChannelCall) {}

  write(message: Uint8Array): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.dropping) return ACCEPTED;
    if (!this.inGrpc) {
      this.send(message);
      return ACCEPTED;
    }
    const held = (this.held ??= []);
    held.push(message);
    if (held.length <= WINDOW) return ACCEPTED;
    return new Promise((resolve, reject) => (this.waiting ??= []).push({ resolve, reject }));
  }

  /** end half-closes the call once every message written so far is handed over. */
  end(): void {
    if (this.inGrpc) this.closeWhenDrained = true;
    else this.call.halfClose();
  }

  private send(message: Uint8Array): void {
    this.inGrpc = true;
    this.call.sendMessageWithContext(this.context, serializeBytes(message));
  }

  // grpc-js saying HTTP/2 took the message handed over last.
  private written(): void {
    this.inGrpc = false;
    if (this.failure || this.dropping) return;
    const next = this.held?.shift();
    if (next === undefined) {
      if (this.closeWhenDrained) this.call.halfClose();
      return;
    }
    this.send(next);
    // Each waiter's own message is among those held: one leaving makes room for one.
    this.waiting?.shift()?.resolve();
  }

  /** fail rejects every pending and later write with err. */
  fail(err: Error): void {
    if (this.dropping) return;
    this.failure ??= err;
    this.held = undefined;
    for (const w of this.waiting?.splice(0) ?? []) w.reject(this.failure);
  }

  /**
   * drop resolves every pending and later write without sending it: the
   * peer finished the call with OK, and gRPC discards what it did not read.
   */
  drop(): void {
    if (this.failure) return;
    this.dropping = true;
    this.held = undefined;
    for (const w of this.waiting?.splice(0) ?? []) w.resolve();
  }
}
