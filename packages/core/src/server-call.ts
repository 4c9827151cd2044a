import { ACCEPTED, Code, DEADLINE_EXCEEDED_TEXT, EMPTY_METADATA, type EncodedMessage, Metadata, type ServerStream, type Slotted, type Status, type StatusError } from '@tsmicro/transport';
import type { Codec } from './codec/codec.js';
import { Context } from './context.js';
import type { MessageType } from './definition.js';
import { EOF } from './eof.js';
import { MicroError } from './errors.js';
import { readThen } from './read-then.js';
import type { BidiStreamServer } from './stream-types.js';

/** NOT_AT_HAND is what ServerCall.requestNow() returns while the request has yet to arrive. */
export const NOT_AT_HAND: unique symbol = Symbol('not at hand');

const ITERATION_DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

// The status of a call its handler ended cleanly: shared, as statuses are read-only.
const OK_STATUS: Status = Object.freeze({ code: Code.OK, message: '', metadata: EMPTY_METADATA });

/**
 * ServerCall is one incoming call from the handler's side: it decodes and
 * encodes with the call's codec, sends headers once, and ends the call exactly
 * once — when the handler returns or throws, or at once when the caller
 * cancels, the deadline passes or the connection dies. It implements every
 * server-side stream interface; the handler sees the one its kind allows.
 */
export class ServerCall<I, O> implements BidiStreamServer<I, O>, AsyncIterator<I>, Slotted {
  // Fields are declared and set in the constructor rather than initialized
  // as class fields, which the engine runs as a function of their own: a
  // measurable share of a short call, which makes one of these.
  readonly declare ctx: Context;
  /** Where the server's SlotSet of active calls keeps it. */
  declare slot: number;
  // Made on first use of ctx.signal: most handlers never look, and an
  // AbortController per call is a measurable share of a short call.
  private declare abort: AbortController | undefined;
  // The controller's signal, kept: a streaming handler may look at ctx.signal
  // for every message it sends, and the controller's getter checks its receiver each time.
  private declare callSignal: AbortSignal | undefined;
  // What a failed write rejects with, made on first use.
  private declare onWriteFailure: ((err: unknown) => never) | undefined;
  private declare endReason: MicroError | undefined;
  private declare headersSent: boolean;
  private declare ended: boolean;
  private declare deadlineTimer: NodeJS.Timeout | undefined;
  private readonly declare stream: ServerStream;
  private readonly declare codec: Codec;
  private readonly declare requestType: MessageType<I>;
  private readonly declare responseType: MessageType<O>;
  private readonly declare maxSendSize: number;
  /** Called once when the call has ended, whatever the reason. */
  private readonly declare onCallEnd: (call: ServerCall<I, O>) => void;

  constructor(
    stream: ServerStream,
    codec: Codec,
    requestType: MessageType<I>,
    responseType: MessageType<O>,
    service: string,
    method: string,
    maxSendSize: number,
    onCallEnd: (call: ServerCall<I, O>) => void,
  ) {
    this.stream = stream;
    this.codec = codec;
    this.requestType = requestType;
    this.responseType = responseType;
    this.maxSendSize = maxSendSize;
    this.onCallEnd = onCallEnd;
    this.slot = -1;
    this.abort = undefined;
    this.callSignal = undefined;
    this.onWriteFailure = undefined;
    this.endReason = undefined;
    this.headersSent = false;
    this.ended = false;
    this.ctx = new CallContext(this, stream, service, method);
    stream.onAbort(transportAborted, this);
    // A transport that aborts the call at its deadline itself (with a
    // DEADLINE_EXCEEDED reason, which ends the call through transportAborted)
    // spares a timer per call.
    this.deadlineTimer = stream.deadline !== undefined && stream.endsAtDeadline !== true ? endAtDeadline(this, stream.deadline) : undefined;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** abortSignal makes the call's signal, on the first look at ctx.signal. */
  abortSignal(): AbortSignal {
    if (this.callSignal !== undefined) return this.callSignal;
    this.abort = new AbortController();
    // A call that ended before anyone looked hands out a signal already aborted; later ends abort it in finish().
    if (this.endReason) this.abort.abort(this.endReason);
    this.callSignal = this.abort.signal;
    return this.callSignal;
  }

  /** readRequest reads the one request of a unary or server-streaming call. */
  readRequest(): Promise<I> {
    return this.read(requestFrom, requestIn);
  }

  /** requestNow is the one request when the transport has it at hand, else NOT_AT_HAND (readRequest() then waits for it). */
  requestNow(): I | typeof NOT_AT_HAND {
    if (this.ended) return NOT_AT_HAND;
    const stream = this.stream;
    // Read where it lies in the received bytes, where transport and codec can: no view of its own.
    if (stream.takeNowWith !== undefined && this.codec.unmarshalIn !== undefined) {
      const request = stream.takeNowWith(decodeIn, this);
      return request === undefined ? NOT_AT_HAND : request;
    }
    const bytes = stream.takeNow?.();
    return bytes === undefined ? NOT_AT_HAND : this.decode(bytes);
  }

  recv(): Promise<I> {
    return this.read(messageFrom, messageIn);
  }

  recvMsg(): Promise<I> {
    return this.recv();
  }

  send(message: O): Promise<void> {
    if (this.ended) return Promise.reject(this.endedError());
    const stream = this.stream;
    // Where the transport lays messages out in its write batch, the reply is
    // handed over encoded but not laid out: no buffer of its own, no copy.
    let later: EncodedMessage | undefined;
    let bytes: Uint8Array | undefined;
    try {
      if (stream.writeEncoded !== undefined) later = this.codec.marshalLater?.(this.responseType, message);
      if (later === undefined) bytes = this.codec.marshal(this.responseType, message);
    } catch (err) {
      return Promise.reject(
        new MicroError(Code.INTERNAL, `cannot encode ${this.responseType.typeName}: ${(err as Error).message}`, { cause: err }),
      );
    }
    const size = later === undefined ? (bytes as Uint8Array).byteLength : later.byteLength;
    if (size > this.maxSendSize) {
      return Promise.reject(new MicroError(Code.RESOURCE_EXHAUSTED, `reply of ${size} bytes exceeds the send limit of ${this.maxSendSize}`));
    }
    this.sendHeaders();
    const written = later === undefined ? stream.write(bytes as Uint8Array) : (stream.writeEncoded as (m: EncodedMessage) => Promise<void>).call(stream, later);
    // A message taken at once cannot fail: no promise of our own is needed.
    return written === ACCEPTED ? written : written.then(undefined, this.writeFailure());
  }

  sendMsg(message: O): Promise<void> {
    return this.send(message);
  }

  /** close ends the call with OK now. */
  close(): void {
    this.finish(OK_STATUS);
  }

  // The call is its own iterator: iterating costs no object per loop.
  [Symbol.asyncIterator](): AsyncIterator<I> {
    return this;
  }

  /** next is the iterator step behind `for await (const m of stream)`. */
  next(): Promise<IteratorResult<I>> {
    return this.read(resultFrom, resultIn);
  }

  /** fail ends the call with the status of an error a handler threw. */
  fail(err: unknown): void {
    const e = MicroError.from(err);
    const trailers = this.ctx.responseTrailer.clone().merge(e.metadata);
    this.finish({ code: e.code, message: e.detail, metadata: trailers });
  }

  /** finish ends the call once; later calls do nothing. */
  finish(status: Status): void {
    if (this.ended) return;
    this.ended = true;
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    this.stream.onAbort(undefined);
    if (status.code === Code.OK) {
      this.sendHeaders();
      const trailers = this.ctx.hasResponseTrailer ? this.ctx.responseTrailer : EMPTY_METADATA;
      this.stream.finish(status.metadata === trailers ? status : { ...status, metadata: trailers });
    } else {
      this.stream.finish(status);
      this.endReason = new MicroError(status.code, status.message);
      this.abort?.abort(this.endReason);
    }
    this.onCallEnd(this);
  }

  private sendHeaders(): void {
    if (this.headersSent) return;
    this.headersSent = true;
    if (this.ctx.hasResponseHeader) this.stream.sendHeaders(this.ctx.responseHeader);
  }

  // read takes the next message from the transport and hands it to onBytes,
  // or to onRange where transport and codec read it in place (no view of
  // its own): shared functions called with the call as `this`.
  private read<T>(
    onBytes: (this: RequestReader<I>, bytes: Uint8Array | null) => T,
    onRange: (this: RequestReader<I>, bytes: Uint8Array | null, start: number, end: number) => T,
  ): Promise<T> {
    if (this.ended) return Promise.reject(this.endedError());
    const stream = this.stream;
    if (stream.readIn !== undefined && this.codec.unmarshalIn !== undefined) return stream.readIn(onRange, readFailure, this);
    if (stream.readWith) return stream.readWith(onBytes, readFailure, this);
    return readThen(stream.read(), onBytes, readFailure, this);
  }

  private writeFailure(): (err: unknown) => never {
    this.onWriteFailure ??= failWith(this);
    return this.onWriteFailure;
  }

  /** transportError is what a read or write that failed in the transport rejects with. */
  transportError(err: unknown): MicroError {
    return this.ended ? this.endedError() : MicroError.from(err, Code.UNAVAILABLE);
  }

  /** decode turns a request's bytes into its message; malformed bytes end the call. */
  decode(bytes: Uint8Array): I {
    try {
      return this.codec.unmarshal(this.requestType, bytes);
    } catch (err) {
      throw this.malformed(err);
    }
  }

  /** decodeIn is decode(bytes.subarray(start, end)), read in place by a codec with unmarshalIn. */
  decodeIn(bytes: Uint8Array, start: number, end: number): I {
    try {
      return (this.codec.unmarshalIn as NonNullable<Codec['unmarshalIn']>)(this.requestType, bytes, start, end);
    } catch (err) {
      throw this.malformed(err);
    }
  }

  // malformed ends the call over a request that did not decode and returns what to throw.
  private malformed(err: unknown): MicroError {
    const e = new MicroError(Code.INVALID_ARGUMENT, `malformed ${this.requestType.typeName}: ${(err as Error).message}`);
    this.finish(e.toStatus());
    return e;
  }

  private endedError(): MicroError {
    return this.endReason ?? new MicroError(Code.CANCELLED, 'the call has ended');
  }
}

// transportAborted ends a call the transport aborted, called with the call as
// `this`: shared, so a call makes no closure for it.
function transportAborted(this: { finish(status: Status): void }, reason: StatusError): void {
  this.finish(MicroError.from(reason, Code.CANCELLED).toStatus());
}

// endAtDeadline ends a call at its deadline: in a microtask when it has
// passed, else by the timer it returns. Apart from the constructor so that
// constructing a call makes no closure context (V8 makes one on every entry
// to a function holding closures).
function endAtDeadline(call: { finish(status: Status): void }, deadline: number): NodeJS.Timeout | undefined {
  const left = deadline - Date.now();
  const expire = () => call.finish({ code: Code.DEADLINE_EXCEEDED, message: DEADLINE_EXCEEDED_TEXT, metadata: new Metadata() });
  if (left > 0) return setTimeout(expire, left);
  queueMicrotask(expire);
  return undefined;
}

/** What the shared read continuations use of a call. */
interface RequestReader<I> {
  decode(bytes: Uint8Array): I;
  decodeIn(bytes: Uint8Array, start: number, end: number): I;
  transportError(err: unknown): MicroError;
}

// The continuations of reads, shared by every call (called with the call as
// `this`): a call then makes no closure for its reads.
function requestFrom<I>(this: RequestReader<I>, bytes: Uint8Array | null): I {
  if (bytes === null) throw noRequest();
  return this.decode(bytes);
}

// decodeIn is the reader takeNowWith calls, with the call as `this`: shared, so a call makes no closure for it.
function decodeIn<I>(this: RequestReader<I>, bytes: Uint8Array, start: number, end: number): I {
  return this.decodeIn(bytes, start, end);
}

function messageFrom<I>(this: RequestReader<I>, bytes: Uint8Array | null): I {
  if (bytes === null) throw EOF;
  return this.decode(bytes);
}

function resultFrom<I>(this: RequestReader<I>, bytes: Uint8Array | null): IteratorResult<I> {
  return bytes === null ? ITERATION_DONE : { value: this.decode(bytes), done: false };
}

function noRequest(): MicroError {
  return new MicroError(Code.INVALID_ARGUMENT, 'the call ended before its request message');
}

// The same three, for a message read in place as bytes[start, end).
function requestIn<I>(this: RequestReader<I>, bytes: Uint8Array | null, start: number, end: number): I {
  if (bytes === null) throw noRequest();
  return this.decodeIn(bytes, start, end);
}

function messageIn<I>(this: RequestReader<I>, bytes: Uint8Array | null, start: number, end: number): I {
  if (bytes === null) throw EOF;
  return this.decodeIn(bytes, start, end);
}

function resultIn<I>(this: RequestReader<I>, bytes: Uint8Array | null, start: number, end: number): IteratorResult<I> {
  return bytes === null ? ITERATION_DONE : { value: this.decodeIn(bytes, start, end), done: false };
}

// failWith is what a call's failed writes reject with, made once per call
// (apart from ServerCall.writeFailure, which is called per held-back write).
function failWith(call: RequestReader<unknown>): (err: unknown) => never {
  return (err) => {
    throw call.transportError(err);
  };
}

function readFailure(this: RequestReader<unknown>, err: unknown): MicroError {
  return this.transportError(err);
}

// The Context of an incoming call: its signal comes from the call, made on first look.
class CallContext extends Context {
  // Declared and set in the constructor, as Context's fields are.
  private readonly declare call: { abortSignal(): AbortSignal };
  private readonly declare stream: ServerStream;

  constructor(call: { abortSignal(): AbortSignal }, stream: ServerStream, service: string, method: string) {
    super({ deadline: stream.deadline, service, method });
    this.call = call;
    this.stream = stream;
  }

  // Headers and peer are the transport's, read when a handler looks: a
  // transport may build them on first use.
  override get metadata(): Metadata {
    return this.stream.metadata;
  }

  override get peer(): string {
    return this.stream.peer;
  }

  override get signal(): AbortSignal {
    return this.call.abortSignal();
  }
}
