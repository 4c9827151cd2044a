import { AbortNotice } from '../abort-notice.js';
import { Metadata } from '../metadata.js';
import { MessageQueue } from '../message-queue.js';
import { Code } from '../status.js';
import { DEADLINE_EXCEEDED_TEXT, type Status, StatusError, TOO_MANY_REPLIES_TEXT as TOO_MANY_REPLIES, writeAfterCloseSend } from '../status-error.js';
import type { AbortListener, ClientStream, ServerStream, EndListener } from '../transport.js';
import { armDeadline, type DeadlineList, disarmDeadline, type Timed } from './deadline-list.js';

/** What a write after an OK end rejects with: the call is over, and OK. */
const ENDED_OK = new StatusError(Code.OK, 'the call has ended');


/** Messages buffered per direction before write() waits: the in-process flow-control window. */
const WINDOW_MESSAGES = 16;

/** CallOwner hears when a call ends, without a promise reaction per call, and delivers a unary call once its request is in. */
export interface CallOwner {
  callEnded(call: MemoryCall): void;
  deliver(call: MemoryCall): void;
}

/**
 * MemoryCall joins the two ends of one in-process call. Both sides see the
 * same semantics as on a socket: bounded queues each way, headers, a final
 * status, cancellation that reaches the other side.
 *
 * The call is the caller's end itself and, as an AbortNotice, the server's
 * abort notice; the handler's end is a small class over it rather than an
 * object of closures, and the headers promise is made only when someone
 * asks for it: an in-process call costs what it allocates, so it allocates little.
 */
export class MemoryCall extends AbortNotice implements ClientStream, Timed {
  readonly server: MemoryServerStream;
  readonly requests = new MessageQueue(WINDOW_MESSAGES);
  readonly responses = new MessageQueue(WINDOW_MESSAGES);
  headersSent = false;
  finalStatus: Status | undefined;
  owner: CallOwner | undefined;
  /** Where the owner's SlotSet of calls keeps it. */
  slot = -1;
  /**
   * A unary call reaches the server once its request is written and the
   * client half-closed: one hand-off, and the handler's read finds the
   * request waiting rather than parking, as a socket would deliver it.
   */
  deliverOnCloseSend = false;
  // Where the call sits in its DeadlineList while it has a deadline to keep.
  deadlineAt = 0;
  prevTimed: Timed | undefined;
  nextTimed: Timed | undefined;
  timedIn: DeadlineList | undefined;
  // Response headers once sent, and their promise once asked for.
  private headersValue: Metadata | undefined;
  private headersPromise: Promise<Metadata> | undefined;
  private resolveHeaders: ((m: Metadata) => void) | undefined;
  private statusPromise: Promise<Status> | undefined;
  private resolveStatus: ((s: Status) => void) | undefined;
  /** Whether the call is unary-kind: with an end listener, its one reply goes to that listener. */
  unary = false;
  /** Whether the client waits for the one reply through its end listener: a second one ends the call. */
  oneReply = false;
  // The client's end listener (ClientStream.onEnd): told without a promise.
  private endListener: EndListener<unknown> | undefined;
  private endSelf: unknown;

  constructor(
    method: string,
    metadata: Metadata,
    deadline: number | undefined,
    contentType: string | undefined,
    peer: string,
    readonly maxMessageSize: number,
  ) {
    super();
    this.server = new MemoryServerStream(this, method, metadata, deadline, contentType, peer);
    // The transport enforces the deadline itself, as grpc and tcp do, so a bare stream ends on time too.
    if (deadline !== undefined) {
      const ms = deadline - Date.now();
      if (ms <= 0) this.expire();
      else armDeadline(this, deadline, ms);
    }
  }

  /** expire ends the call at its deadline. */
  expire(): void {
    this.end({ code: Code.DEADLINE_EXCEEDED, message: DEADLINE_EXCEEDED_TEXT, metadata: new Metadata() }, false);
  }

  /** endWithTooManyReplies ends a one-reply call that got a second reply, and returns the status it ended with. */
  endWithTooManyReplies(): Status {
    const status: Status = { code: Code.INTERNAL, message: TOO_MANY_REPLIES, metadata: new Metadata() };
    this.end(status, false);
    return status;
  }

  /** ended tells whether the call has its final status. */
  get ended(): boolean {
    return this.finalStatus !== undefined;
  }

  /** headers resolves with the response headers (empty when the call ended without any). */
  get headers(): Promise<Metadata> {
    if (this.headersPromise === undefined) {
      this.headersPromise = this.headersSent
        ? Promise.resolve(this.headersValue ?? new Metadata())
        : new Promise((resolve) => {
              this.resolveHeaders = resolve;
            });
    }
    return this.headersPromise;
  }

  /** status resolves with the final status. */
  get status(): Promise<Status> {
    if (this.statusPromise === undefined) {
      this.statusPromise =
        this.finalStatus !== undefined
          ? Promise.resolve(this.finalStatus)
          : new Promise((resolve) => {
              this.resolveStatus = resolve;
            });
    }
    return this.statusPromise;
  }

  /** onEnd sets the client's one end listener: see ClientStream.onEnd. */
  onEnd<C>(done: EndListener<C>, self: C): void {
    if (this.unary) {
      this.oneReply = true;
      if (this.responses.length > 1) this.endWithTooManyReplies();
    }
    if (this.finalStatus === undefined) {
      this.endListener = done as EndListener<unknown>;
      this.endSelf = self;
    } else {
      tellEndSoon(this, done as EndListener<unknown>, self);
    }
  }

  /** tellEnd tells an end listener how the call ended. */
  tellEnd(done: EndListener<unknown>, self: unknown): void {
    const status = this.finalStatus as Status;
    const reply = this.oneReply && status.code === Code.OK ? (this.responses.takeNow() ?? null) : null;
    done.call(self, reply, this.headersValue ?? new Metadata(), status);
  }

  /** sendHeaders sends the response headers once; later ones and ones after the end are dropped. */
  sendHeaders(md: Metadata): void {
    if (this.headersSent || this.finalStatus) return;
    this.headersSent = true;
    this.headersValue = md;
    this.resolveHeaders?.(md);
  }

  /** end finishes the call with a status; the first status wins. */
  end(status: Status, fromServer: boolean): void {
    if (this.finalStatus) return;
    this.finalStatus = status;
    if (this.timedIn !== undefined) disarmDeadline(this);
    if (!this.headersSent) {
      // Ended without headers: whoever asks gets an empty set of their own.
      this.headersSent = true;
      this.resolveHeaders?.(new Metadata());
    }
    // An OK end needs no error of its own (building one captures a stack, a
    // large share of an in-process call): later writes get the shared one.
    const err = status.code === Code.OK ? ENDED_OK : new StatusError(status.code, status.message, status.metadata);
    if (status.code === Code.OK) this.responses.end();
    // The server's own status lets the client read what was sent before it;
    // a cancel or a dead link drops it, as a reset stream does.
    else this.responses.fail(err, fromServer);
    this.requests.fail(err);
    if (!fromServer || status.code !== Code.OK) this.abort(err);
    this.resolveStatus?.(status);
    this.owner?.callEnded(this);
    const done = this.endListener;
    if (done !== undefined) {
      this.endListener = undefined;
      this.tellEnd(done, this.endSelf);
      this.endSelf = undefined;
    }
  }

  /** write sends a request (ClientStream.write). */
  write(message: Uint8Array): Promise<void> {
    const final = this.finalStatus;
    if (final) return Promise.reject(final.code === Code.OK ? ENDED_OK : statusError(final));
    if (this.requests.done) return Promise.reject(writeAfterCloseSend());
    const tooBig = this.tooBig(message);
    if (tooBig) {
      this.end(tooBig.status, true);
      return Promise.reject(tooBig);
    }
    return this.requests.push(message);
  }

  /** closeSend half-closes the requests; a unary call is handed to the server now, its request in. */
  closeSend(): void {
    this.requests.end();
    if (this.deliverOnCloseSend) {
      this.deliverOnCloseSend = false;
      if (!this.ended) this.owner?.deliver(this);
    }
  }

  /** read takes the next reply (ClientStream.read). */
  read(): Promise<Uint8Array | null> {
    return this.responses.shift();
  }

  readWith<T, C>(onMessage: (this: C, message: Uint8Array | null) => T, onFailure: (this: C, err: StatusError) => unknown, self: C): Promise<T> {
    return this.responses.shiftWith(onMessage, onFailure, self);
  }

  /** cancel ends the call from the client's side. */
  cancel(code: number = Code.CANCELLED, message = 'call cancelled by the client'): void {
    this.end({ code, message, metadata: new Metadata() }, false);
  }

  /** tooBig is the error of a message over the size limit, else undefined. */
  tooBig(message: Uint8Array): StatusError | undefined {
    if (message.byteLength <= this.maxMessageSize) return undefined;
    return new StatusError(Code.RESOURCE_EXHAUSTED, `message of ${message.byteLength} bytes exceeds the limit of ${this.maxMessageSize}`);
  }
}

/** MemoryServerStream is the handler's end of a MemoryCall. */
class MemoryServerStream implements ServerStream {
  constructor(
    private readonly call: MemoryCall,
    readonly method: string,
    readonly metadata: Metadata,
    readonly deadline: number | undefined,
    readonly contentType: string | undefined,
    readonly peer: string,
  ) {}

  /** endsAtDeadline: the call's deadline (its DeadlineList) aborts this side with DEADLINE_EXCEEDED. */
  get endsAtDeadline(): boolean {
    return true;
  }

  get signal(): AbortSignal {
    return this.call.signal;
  }

  onAbort<C>(listener: AbortListener<C> | undefined, self?: C): void {
    this.call.listen(listener, self);
  }

  read(): Promise<Uint8Array | null> {
    return this.call.requests.shift();
  }

  takeNow(): Uint8Array | undefined {
    return this.call.requests.takeNow();
  }

  readWith<T, C>(onMessage: (this: C, message: Uint8Array | null) => T, onFailure: (this: C, err: StatusError) => unknown, self: C): Promise<T> {
    return this.call.requests.shiftWith(onMessage, onFailure, self);
  }

  write(message: Uint8Array): Promise<void> {
    const call = this.call;
    if (call.finalStatus) return Promise.reject(statusError(call.finalStatus));
    const tooBig = call.tooBig(message);
    if (tooBig) return Promise.reject(tooBig);
    if (call.oneReply && call.responses.length > 0) {
      return Promise.reject(statusError(call.endWithTooManyReplies()));
    }
    if (!call.headersSent) call.sendHeaders(new Metadata());
    return call.responses.push(message);
  }

  sendHeaders(metadata: Metadata): void {
    if (!this.call.headersSent) this.call.sendHeaders(metadata.clone());
  }

  finish(status: Status): void {
    this.call.end({ code: status.code, message: status.message, metadata: status.metadata.clone() }, true);
  }
}

// tellEndSoon tells a listener set after the end, on a microtask as if the
// end came then. Apart from onEnd so that onEnd, called per call, makes no
// closure context (V8 makes one on every entry to a function holding closures).
function tellEndSoon(call: MemoryCall, done: EndListener<unknown>, self: unknown): void {
  queueMicrotask(() => call.tellEnd(done, self));
}

function statusError(status: Status): StatusError {
  return new StatusError(status.code, status.message, status.metadata);
}
