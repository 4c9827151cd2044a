import { EMPTY_METADATA, Metadata } from '../metadata.js';
import { Code, isCode } from '../status.js';
import { DEADLINE_EXCEEDED_TEXT, StatusError, type Status, TOO_MANY_REPLIES_TEXT, writeAfterCloseSend } from '../status-error.js';
import { ACCEPTED, type ClientStream, type EndListener } from '../transport.js';
import { FrameType, encodeCodeMessage, encodeFrame } from './frame.js';
import { type StreamHost, TcpStreamBase } from './stream-base.js';

const OK_STATUS: Status = Object.freeze({ code: Code.OK, message: '', metadata: EMPTY_METADATA });

/**
 * TcpClientStream is the caller's side of one call on a tcp connection. Its
 * headers and status promises are made on first use, so a call that never
 * looks at them does not pay for them.
 */
export class TcpClientStream extends TcpStreamBase implements ClientStream {
  // Declared and set in the constructor, as TcpStreamBase's fields are.
  // Response headers are made on first use: most arrive empty and unread.
  private declare headersArrived: boolean;
  private declare headersValue: Metadata | undefined;
  private declare headersPromise: Promise<Metadata> | undefined;
  private declare resolveHeaders: ((md: Metadata) => void) | undefined;
  private declare statusValue: Status | undefined;
  private declare statusPromise: Promise<Status> | undefined;
  private declare resolveStatus: ((s: Status) => void) | undefined;
  /** Whether the call is unary-kind: with an end listener, its one reply goes to that listener. */
  declare unary: boolean;
  // The end listener (ClientStream.onEnd), told without a promise, and a unary call's one reply.
  private declare endListener: EndListener<unknown> | undefined;
  private declare endSelf: unknown;
  private declare reply: Uint8Array | undefined;
  private declare timer: NodeJS.Timeout | undefined;

  constructor(id: number, host: StreamHost, sendWindow: number, maxMessageSize: number) {
    super(id, host, sendWindow, maxMessageSize);
    this.headersArrived = false;
    this.headersValue = undefined;
    this.headersPromise = undefined;
    this.resolveHeaders = undefined;
    this.statusValue = undefined;
    this.statusPromise = undefined;
    this.resolveStatus = undefined;
    this.unary = false;
    this.endListener = undefined;
    this.endSelf = undefined;
    this.reply = undefined;
    this.timer = undefined;
  }

  get headers(): Promise<Metadata> {
    if (this.headersPromise === undefined) {
      this.headersPromise = this.headersArrived
        ? Promise.resolve((this.headersValue ??= new Metadata()))
        : new Promise((resolve) => {
            this.resolveHeaders = resolve;
          });
    }
    return this.headersPromise;
  }

  get status(): Promise<Status> {
    if (this.statusPromise === undefined) {
      this.statusPromise =
        this.statusValue !== undefined
          ? Promise.resolve(this.statusValue)
          : new Promise((resolve) => {
              this.resolveStatus = resolve;
            });
    }
    return this.statusPromise;
  }

  /** onEnd sets the one end listener: see ClientStream.onEnd. */
  onEnd<C>(done: EndListener<C>, self: C): void {
    if (this.statusValue === undefined) {
      this.endListener = done as EndListener<unknown>;
      this.endSelf = self;
    } else {
      queueMicrotask(() => this.tellEnd(done as EndListener<unknown>, self));
    }
  }

  write(message: Uint8Array): Promise<void> {
    return this.sendMessage(message);
  }

  closeSend(): void {
    this.sendEnd();
  }

  read(): Promise<Uint8Array | null> {
    return this.readNext();
  }

  cancel(code: number = Code.CANCELLED, message = 'call cancelled by the client'): void {
    this.abort(isCode(code) ? code : Code.CANCELLED, message);
  }

  /** startDeadline arms the client-side deadline: when it passes the call is reset with DEADLINE_EXCEEDED. */
  startDeadline(ms: number): void {
    this.timer = setTimeout(() => this.abort(Code.DEADLINE_EXCEEDED, DEADLINE_EXCEEDED_TEXT), ms);
    this.timer.unref();
  }

  /** failNow ends a stream that never reached the wire. */
  failNow(err: StatusError): void {
    this.close(err);
  }

  // A unary call's reply is kept for its end listener rather than queued for read().
  protected override takeMessage(bytes: Uint8Array, start: number, end: number): boolean {
    if (!this.unary || this.endListener === undefined) return false;
    if (this.reply === undefined) this.reply = start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
    else this.abort(Code.INTERNAL, TOO_MANY_REPLIES_TEXT);
    return true;
  }

  override deliverData(flags: number, bytes: Buffer, start: number, end: number): void {
    if (!this.headersArrived) this.setHeaders(undefined);
    super.deliverData(flags, bytes, start, end);
  }

  /** onResponseHeaders takes the server's HEADERS. */
  onResponseHeaders(md: Metadata): void {
    this.setHeaders(md);
  }

  /** onTrailers ends the call with the server's status. */
  onTrailers(code: number, message: string, metadata: Metadata): void {
    const c = isCode(code) ? code : Code.UNKNOWN;
    if (c === Code.OK && metadata.size === 0 && message === '') return this.onOkTrailers();
    this.remoteDone = true;
    if (c === Code.OK) {
      this.statusValue = { code: c, message, metadata };
      this.close(null);
    } else {
      this.close(new StatusError(c, message, metadata));
    }
  }

  // END_STREAM on the server's DATA ends the call with OK and no trailers
  // (see Settings.okEndOnData): its message, if the frame carried one, is in by now.
  protected override onRemoteEnd(): void {
    this.onOkTrailers();
  }

  /** onOkTrailers ends the call with OK and no message or metadata, the common end. */
  onOkTrailers(): void {
    this.remoteDone = true;
    this.statusValue = OK_STATUS;
    this.close(null);
  }

  onReset(code: number, message: string): void {
    const c = isCode(code) && code !== Code.OK ? code : Code.UNKNOWN;
    this.close(new StatusError(c, message === '' ? 'stream reset by the server' : message));
  }

  fail(err: StatusError): void {
    this.close(err);
  }

  protected writeAfterEnd(): Promise<void> {
    if (this.terminal !== null) return Promise.reject(this.terminal);
    if (this.closed) return ACCEPTED;
    return Promise.reject(writeAfterCloseSend());
  }

  protected onClosed(err: StatusError | null): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.setHeaders(undefined);
    if (this.statusValue === undefined) this.statusValue = err === null ? OK_STATUS : err.status;
    this.resolveStatus?.(this.statusValue);
    const done = this.endListener;
    if (done !== undefined) {
      this.endListener = undefined;
      this.tellEnd(done, this.endSelf);
      this.endSelf = undefined;
    }
  }

  private tellEnd(done: EndListener<unknown>, self: unknown): void {
    const status = this.statusValue as Status;
    const reply = status.code === Code.OK ? (this.reply ?? null) : null;
    this.reply = undefined;
    done.call(self, reply, (this.headersValue ??= new Metadata()), status);
  }

  // setHeaders takes the response headers once; undefined stands for none.
  private setHeaders(md: Metadata | undefined): void {
    if (this.headersArrived) return;
    this.headersArrived = true;
    this.headersValue = md;
    if (this.resolveHeaders !== undefined) this.resolveHeaders((this.headersValue ??= new Metadata()));
  }
}

/** encodeRst returns a whole RST frame. */
export function encodeRst(streamId: number, code: number, message: string, flags = 0): Buffer {
  return encodeFrame(streamId, FrameType.RST, flags, encodeCodeMessage(code, message));
}
