import { AbortNotice } from '../abort-notice.js';
import { Metadata } from '../metadata.js';
import { Code, isCode } from '../status.js';
import { DEADLINE_EXCEEDED_TEXT, StatusError, type Status } from '../status-error.js';
import type { AbortListener, EncodedMessage, ServerStream } from '../transport.js';
import { FrameType, NO_TIMEOUT, encodeHeadersPayload, encodeTrailersPayload } from './frame.js';
import { encodeMetadata } from './metadata-codec.js';
import { type StreamHost, TcpStreamBase } from './stream-base.js';

/** ServerStreamShared is what every stream of one server connection shares, made once per connection. */
export interface ServerStreamShared {
  readonly host: StreamHost;
  /** The window the client grants each new stream. */
  readonly sendWindow: number;
  readonly maxMessageSize: number;
  readonly peer: string;
  readonly peerMaxMetadataSize: number;
  /** Whether the client takes END_STREAM on the last DATA frame as the end of the call with OK (see Settings.okEndOnData). */
  readonly peerTakesOkEnd: boolean;
}

// A reset comes from the peer: a stack trace of this side's parser tells
// nothing about it and cost more than the rest of the reset together.
function peerError(code: Code, message: string): StatusError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new StatusError(code, message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

// abortAfter aborts a stream at its deadline. Apart from the constructor so
// that constructing a stream makes no closure context (V8 makes one on every
// entry to a function holding closures).
function abortAfter(stream: TcpServerStream, timeoutMs: number): NodeJS.Timeout {
  const timer = setTimeout(() => stream.abort(Code.DEADLINE_EXCEEDED, DEADLINE_EXCEEDED_TEXT), timeoutMs);
  timer.unref();
  return timer;
}

/** TcpServerStream is the handler's side of one call on a tcp connection. */
export class TcpServerStream extends TcpStreamBase implements ServerStream {
  // Declared and set in the constructor, as TcpStreamBase's fields are.
  readonly declare method: string;
  readonly declare deadline: number | undefined;
  readonly declare contentType: string | undefined;
  private readonly declare shared: ServerStreamShared;
  private readonly declare aborted: AbortNotice;
  // Request headers; undefined for none until someone looks (most calls carry none).
  private declare metadataValue: Metadata | undefined;
  private declare headersSent: boolean;
  private declare finished: boolean;
  private declare timer: NodeJS.Timeout | undefined;
  /**
   * True while a unary call not yet handed to the application waits for its
   * request: its DATA then does not start the calls arrived before it, so it
   * is handed over with the request in (takeNow) rather than parking a read.
   */
  declare awaitsRequest: boolean;

  // What HEADERS told of the call comes as arguments, not an object: one fewer per call.
  constructor(
    id: number,
    shared: ServerStreamShared,
    method: string,
    contentType: string | undefined,
    metadata: Metadata | undefined,
    timeoutMs: number,
    /** The method is unary: the call is handed over once its request is in, where the bytes at hand carry it. */
    unary: boolean,
  ) {
    super(id, shared.host, shared.sendWindow, shared.maxMessageSize);
    this.method = method;
    this.contentType = contentType;
    this.shared = shared;
    this.aborted = new AbortNotice();
    this.metadataValue = metadata;
    this.headersSent = false;
    this.finished = false;
    this.awaitsRequest = unary;
    this.discardOnError = true;
    if (timeoutMs === NO_TIMEOUT) {
      this.deadline = undefined;
      this.timer = undefined;
    } else {
      this.deadline = Date.now() + timeoutMs;
      this.timer = abortAfter(this, timeoutMs);
    }
  }

  get peer(): string {
    return this.shared.peer;
  }

  get metadata(): Metadata {
    return (this.metadataValue ??= new Metadata());
  }

  /** endsAtDeadline: this stream's own timer aborts it with DEADLINE_EXCEEDED, so the framework needs none. */
  get endsAtDeadline(): boolean {
    return true;
  }

  get signal(): AbortSignal {
    return this.aborted.signal;
  }

  onAbort<C>(listener: AbortListener<C> | undefined, self?: C): void {
    this.aborted.listen(listener, self);
  }

  takeNow(): Uint8Array | undefined {
    return this.takeQueued();
  }

  takeNowWith<T, C>(use: (this: C, bytes: Uint8Array, start: number, end: number) => T, self: C): T | undefined {
    return this.takeQueuedWith(use, self);
  }

  read(): Promise<Uint8Array | null> {
    return this.readNext();
  }

  write(message: Uint8Array): Promise<void> {
    return this.sendMessage(message);
  }

  writeEncoded(message: EncodedMessage): Promise<void> {
    return this.sendEncoded(message);
  }

  sendHeaders(metadata: Metadata): void {
    if (this.headersSent || this.finished || this.closed) return;
    this.headersSent = true;
    const md = encodeMetadata(metadata);
    if (md.length > this.shared.peerMaxMetadataSize) {
      this.abort(Code.INTERNAL, `response headers of ${md.length} bytes exceed the client's limit of ${this.shared.peerMaxMetadataSize}`);
      return;
    }
    this.host.frame(this.id, FrameType.HEADERS, 0, encodeHeadersPayload(NO_TIMEOUT, '', '', md));
  }

  finish(status: Status): void {
    if (this.finished || this.closed) return;
    this.finished = true;
    const code = isCode(status.code) ? status.code : Code.UNKNOWN;
    // The common end, OK with nothing to tell, rides on the reply's DATA
    // frame where the client takes it so: one frame fewer for each side.
    if (code === Code.OK && status.message === '' && (status.metadata === undefined || status.metadata.size === 0) && this.shared.peerTakesOkEnd && this.endOnLastData()) {
      return;
    }
    let md = encodeMetadata(status.metadata);
    let message = status.message;
    let finalCode: number = code;
    if (md.length > this.shared.peerMaxMetadataSize) {
      message = `trailers of ${md.length} bytes exceed the client's limit of ${this.shared.peerMaxMetadataSize}`;
      md = encodeMetadata(undefined);
      finalCode = Code.INTERNAL;
    }
    this.sendFrameInOrder(FrameType.TRAILERS, encodeTrailersPayload(finalCode, message, md));
  }

  onReset(code: number, message: string): void {
    const c = isCode(code) && code !== Code.OK ? code : Code.CANCELLED;
    this.close(peerError(c, message === '' ? 'call cancelled by the client' : message));
  }

  fail(err: StatusError): void {
    this.close(err);
  }

  /** remoteEnded marks a call whose HEADERS already carried END_STREAM. */
  remoteEnded(): void {
    this.onRemoteEnd();
  }

  protected override onFrameSent(): void {
    this.close(null);
  }

  protected writeAfterEnd(): Promise<void> {
    return Promise.reject(this.terminal ?? new StatusError(Code.FAILED_PRECONDITION, 'write() after finish()'));
  }

  protected onClosed(err: StatusError | null): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (err !== null) this.aborted.abort(err);
  }
}
