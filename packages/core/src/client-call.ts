import { ACCEPTED, type ClientStream, Code, isStatusError, type Metadata, type Status, StatusError, TOO_MANY_REPLIES_TEXT } from '@tsmicro/transport';
import type { Codec } from './codec/codec.js';
import type { MessageType } from './definition.js';
import { EOF } from './eof.js';
import { MicroError } from './errors.js';
import { readThen } from './read-then.js';
import type { BidiStreamClient, ClientStreamClient, ServerStreamClient } from './stream-types.js';

const ITERATION_DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

// A stream object the caller dropped without closing is cancelled when it is
// garbage-collected, so its connection slot and the server's handler are freed.
const abandoned = new FinalizationRegistry<ClientStream>((stream) =>
  stream.cancel(Code.CANCELLED, 'stream abandoned by the client'),
);

/** forgetAbandoned stops watching a handed-out stream once it has its final status. */
export function forgetAbandoned(stream: ClientStream): void {
  abandoned.unregister(stream);
}

/** SentFlag is where unary() records that its request left this process (so a retry is no longer safe). */
export interface SentFlag {
  sent: boolean;
}

/** AttemptEnding is what an attempt does once its stream has ended, told before the caller hears of it. */
export interface AttemptEnding {
  ended(status: Status, headers: Metadata | undefined): void;
}

/**
 * ClientCall is the caller's side of one call. It implements every
 * client-side stream interface; stubs hand out the one the method's kind
 * allows. Its attempt's resources (lease, abort listener) are released
 * once the transport reports the final status (see AttemptEnding).
 */
export class ClientCall<I, O> implements BidiStreamClient<I, O>, ClientStreamClient<I, O>, ServerStreamClient<O>, AsyncIterator<O> {
  // A unary call whose transport tells its end in one callback (see
  // followUnaryEnd): what the attempt does then, and the caller's promise,
  // made when unary() asks, or how the call went when it ended first.
  private ending: AttemptEnding | undefined;
  /** The settle functions of unary()'s promise, set by keepSettlers. */
  resolveUnary: ((reply: O) => void) | undefined;
  rejectUnary: ((err: unknown) => void) | undefined;
  private unaryReply: O | undefined;
  private unaryFailure: unknown;
  private unaryOver = false;

  constructor(
    protected readonly stream: ClientStream,
    private readonly codec: Codec,
    private readonly requestType: MessageType<I>,
    private readonly responseType: MessageType<O>,
    handedToCaller: boolean,
    /** The request of a unary or server-streaming call, encoded before the stream was opened. */
    readonly request?: Uint8Array,
  ) {
    // A unary call never leaves the client, which always ends it; only stream
    // objects a caller holds can be dropped, so only they are watched.
    if (!handedToCaller) return;
    // The stream is also the unregister token (held weakly): the client
    // forgets it with forgetAbandoned() once the stream has its status.
    abandoned.register(this, stream, stream);
  }

  send(message: I): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes = this.encode(message);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.write(bytes);
  }

  /** sendEncoded sends the request encoded before the stream was opened. */
  sendEncoded(): Promise<void> {
    return this.write(this.request as Uint8Array);
  }

  private write(bytes: Uint8Array): Promise<void> {
    const written = this.stream.write(bytes);
    // A message taken at once cannot fail: no promise of our own is needed.
    return written === ACCEPTED ? written : written.then(undefined, sendFailure);
  }

  /**
   * followUnaryEnd has a unary call's end, its reply included, told by the
   * transport in one callback (ClientStream.onEnd), to `ending` first and
   * then to the caller; false when the transport cannot, and the caller
   * then reads.
   */
  followUnaryEnd(ending: AttemptEnding): boolean {
    if (this.stream.onEnd === undefined) return false;
    this.ending = ending;
    this.stream.onEnd(this.unaryEnded, this);
    return true;
  }

  /**
   * unary runs a whole unary exchange on this call: the request, the
   * half-close, then exactly one reply and the clean end after it. As unary
   * calls are the ones whose per-call cost shows, a transport that tells
   * the end in one callback makes it the one promise the caller gets.
   */
  unary(flag: SentFlag): Promise<O> {
    if (this.ending === undefined) return this.unaryAfter(this.stream.write(this.request as Uint8Array), flag);
    const stream = this.stream;
    const written = stream.write(this.request as Uint8Array);
    if (written === ACCEPTED) {
      flag.sent = true;
      stream.closeSend();
    } else closeSendOnceWritten(written, stream, flag);
    if (this.unaryOver) return this.unaryFailure === undefined ? Promise.resolve(this.unaryReply as O) : Promise.reject(this.unaryFailure);
    // A shared executor, told which call is waiting: no closure per call.
    waiting = this as ClientCall<unknown, unknown>;
    const outcome = new Promise(keepSettlers) as Promise<O>;
    waiting = undefined;
    return outcome;
  }

  // unaryEnded is the end listener of followUnaryEnd, with the call as `this`.
  private unaryEnded(reply: Uint8Array | null, headers: Metadata, status: Status): void {
    (this.ending as AttemptEnding).ended(status, headers);
    let failure: unknown;
    if (status.code !== Code.OK) {
      failure = MicroError.from(new StatusError(status.code, status.message, status.metadata, { unprocessed: status.unprocessed }));
    } else if (reply === null) {
      failure = noReply();
    } else {
      try {
        this.unaryReply = this.decode(reply);
      } catch (err) {
        failure = err;
      }
    }
    this.unaryOver = true;
    this.unarySettling(failure, headers, status);
    const resolve = this.resolveUnary;
    const reject = this.rejectUnary;
    this.resolveUnary = this.rejectUnary = undefined;
    if (failure === undefined) {
      resolve?.(this.unaryReply as O);
      return;
    }
    this.unaryFailure = failure;
    this.drained();
    reject?.(failure);
  }

  // unaryAfter is unary() over reads, for transports without onEnd: after the write, wait for it unless taken at once.
  private async unaryAfter(written: Promise<void>, flag: SentFlag): Promise<O> {
    try {
      if (written !== ACCEPTED) {
        try {
          await written;
        } catch (err) {
          // A send refused because the server already ended the call: the reads say how it ended.
          const e = sendError(err);
          if (e !== EOF) throw e;
        }
      }
      flag.sent = true;
      this.stream.closeSend();
      let reply: Uint8Array | null;
      let after: Uint8Array | null;
      try {
        reply = await this.stream.read();
        after = reply === null ? null : await this.stream.read();
      } catch (err) {
        throw MicroError.from(err, Code.UNAVAILABLE);
      }
      if (reply === null) throw noReply();
      if (after !== null) throw this.tooManyReplies();
      return this.decode(reply);
    } catch (err) {
      // Whatever failed, the call is over: release its slot now.
      this.close();
      throw err;
    }
  }

  sendMsg(message: I): Promise<void> {
    return this.send(message);
  }

  recv(): Promise<O> {
    return this.read(messageFrom, messageIn);
  }

  recvMsg(): Promise<O> {
    return this.recv();
  }

  closeSend(): void {
    this.stream.closeSend();
  }

  async closeAndRecv(): Promise<O> {
    this.closeSend();
    const reply = await this.recvOne();
    return reply;
  }

  /** close cancels the call if it is still running and releases its slot. */
  close(): void {
    this.drained();
    this.stream.cancel(Code.CANCELLED, 'stream closed by the client');
  }

  header(): Promise<Metadata> {
    return this.stream.headers;
  }

  async trailer(): Promise<Metadata> {
    return (await this.stream.status).metadata;
  }

  // The call is its own iterator: iterating costs no object per loop.
  [Symbol.asyncIterator](): AsyncIterator<O> {
    return this;
  }

  /** next is the iterator step behind `for await (const m of stream)`. */
  next(): Promise<IteratorResult<O>> {
    return this.read(resultFrom, resultIn);
  }

  /**
   * return is what `break` (or a throw) out of `for await` calls: as with an
   * async generator, leaving the loop ends the call. It is cancelled if still
   * running, which frees its connection slot and aborts the server's handler.
   */
  return(): Promise<IteratorResult<O>> {
    this.drained();
    this.stream.cancel(Code.CANCELLED, 'stream closed by the client');
    return Promise.resolve(ITERATION_DONE);
  }

  // read hands the next message to onBytes, or to onRange where transport
  // and codec read it in place (no view of its own): shared functions
  // called with the call as `this`.
  private read<T>(
    onBytes: (this: ReplyDecoder<O>, bytes: Uint8Array | null) => T,
    onRange: (this: ReplyDecoder<O>, bytes: Uint8Array | null, start: number, end: number) => T,
  ): Promise<T> {
    const stream = this.stream;
    if (stream.readIn !== undefined && this.codec.unmarshalIn !== undefined) return stream.readIn(onRange, readError, this);
    if (stream.readWith) return stream.readWith(onBytes, readError, this);
    return readThen(stream.read(), onBytes, readError, this);
  }

  /** recvOne reads exactly one reply and the clean end after it (unary and client streaming). */
  async recvOne(): Promise<O> {
    let reply: O;
    try {
      reply = await this.recv();
    } catch (err) {
      if (err === EOF) throw noReply();
      throw err;
    }
    try {
      await this.recv();
    } catch (err) {
      if (err === EOF) return reply;
      throw err;
    }
    throw this.tooManyReplies();
  }

  protected encode(message: I): Uint8Array {
    return encodeRequest(this.codec, this.requestType, message);
  }

  /** drained is told when the caller has read the last reply, the call failed, or it was closed. */
  drained(): void {}

  /**
   * unarySettling hears how a unary call followed by followUnaryEnd went
   * (`failure` undefined for a reply), just before its promise settles.
   */
  protected unarySettling(_failure: unknown, _headers: Metadata, _status: Status): void {}

  /** decode turns a reply's bytes into its message; malformed bytes cancel the call. */
  decode(bytes: Uint8Array): O {
    let message: O;
    try {
      message = this.codec.unmarshal(this.responseType, bytes);
    } catch (err) {
      throw this.malformed(err);
    }
    return this.received(message);
  }

  /** decodeIn is decode(bytes.subarray(start, end)), read in place by a codec with unmarshalIn. */
  decodeIn(bytes: Uint8Array, start: number, end: number): O {
    let message: O;
    try {
      message = (this.codec.unmarshalIn as NonNullable<Codec['unmarshalIn']>)(this.responseType, bytes, start, end);
    } catch (err) {
      throw this.malformed(err);
    }
    return this.received(message);
  }

  /** received is what the caller gets for a decoded reply: the reply itself here, what hooks make of it in a subclass. */
  protected received(message: O): O {
    return message;
  }

  // malformed cancels the call over a reply that did not decode and returns what to throw.
  private malformed(err: unknown): MicroError {
    const e = new MicroError(Code.INTERNAL, `malformed ${this.responseType.typeName} from server: ${(err as Error).message}`);
    this.stream.cancel(Code.INTERNAL, e.detail);
    return e;
  }

  private tooManyReplies(): MicroError {
    this.stream.cancel(Code.INTERNAL, 'more than one reply');
    return new MicroError(Code.INTERNAL, TOO_MANY_REPLIES_TEXT);
  }
}

/**
 * encodeRequest encodes a request, or throws INVALID_ARGUMENT naming the
 * message, field and expected type when a field holds a wrong value.
 */
export function encodeRequest<I>(codec: Codec, type: MessageType<I>, message: I): Uint8Array {
  try {
    return codec.marshal(type, message);
  } catch (err) {
    throw new MicroError(Code.INVALID_ARGUMENT, `cannot encode ${type.typeName}: ${(err as Error).message}`, { cause: err });
  }
}

/** What the shared read continuations use of a call. */
interface ReplyDecoder<O> {
  decode(bytes: Uint8Array): O;
  decodeIn(bytes: Uint8Array, start: number, end: number): O;
  drained(): void;
}

// The continuations of reads, shared by every call: a call makes no closure for its reads.
function messageFrom<O>(this: ReplyDecoder<O>, bytes: Uint8Array | null): O {
  if (bytes === null) {
    this.drained();
    throw EOF;
  }
  return this.decode(bytes);
}

function resultFrom<O>(this: ReplyDecoder<O>, bytes: Uint8Array | null): IteratorResult<O> {
  if (bytes !== null) return { value: this.decode(bytes), done: false };
  this.drained();
  return ITERATION_DONE;
}

// The same two, for a reply read in place as bytes[start, end).
function messageIn<O>(this: ReplyDecoder<O>, bytes: Uint8Array | null, start: number, end: number): O {
  if (bytes === null) {
    this.drained();
    throw EOF;
  }
  return this.decodeIn(bytes, start, end);
}

function resultIn<O>(this: ReplyDecoder<O>, bytes: Uint8Array | null, start: number, end: number): IteratorResult<O> {
  if (bytes !== null) return { value: this.decodeIn(bytes, start, end), done: false };
  this.drained();
  return ITERATION_DONE;
}

function noReply(): MicroError {
  return new MicroError(Code.INTERNAL, 'the server ended the call without a reply');
}

// Go's SendMsg returns io.EOF once the server has ended the call; recv() then tells how.
function sendError(err: unknown): Error {
  if (isStatusError(err) && err.code === Code.OK) return EOF;
  return MicroError.from(err, Code.UNAVAILABLE);
}

function ignore(): void {}

// closeSendOnceWritten half-closes a unary call once a request held back by
// flow control is written; one refused because the call is over is left to
// the call's end, which says how. Apart from unary() so that unary makes no
// closure context on every call (V8 makes one on every entry to a function
// holding closures).
function closeSendOnceWritten(written: Promise<void>, stream: ClientStream, flag: SentFlag): void {
  written.then(() => {
    flag.sent = true;
    stream.closeSend();
  }, ignore);
}

// The call whose unary() is making its promise, for keepSettlers: the
// executor runs at once, inside the Promise constructor, so one shared
// function serves every call.
let waiting: ClientCall<unknown, unknown> | undefined;

function keepSettlers(resolve: (reply: unknown) => void, reject: (err: unknown) => void): void {
  const call = waiting as ClientCall<unknown, unknown>;
  call.resolveUnary = resolve;
  call.rejectUnary = reject;
}

function sendFailure(err: unknown): never {
  throw sendError(err);
}

function readError(this: ReplyDecoder<unknown>, err: unknown): MicroError {
  this.drained();
  return MicroError.from(err, Code.UNAVAILABLE);
}
