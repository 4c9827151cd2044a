import type * as grpc from '@grpc/grpc-js';
import { Metadata } from '../metadata.js';
import { Code } from '../status.js';
import { type Status, StatusError, TOO_MANY_REPLIES_TEXT, writeAfterCloseSend } from '../status-error.js';
import { readAlreadyPending } from '../read-with.js';
import { ACCEPTED, type EndListener, type StreamOptions } from '../transport.js';
import { deserializeBytes, serializeBytes } from './bytes-serializer.js';
import type { ChannelCall } from './channel-call.js';
import { type CallOwner, GrpcClientCall } from './grpc-client-call.js';

type Reader = { resolve: (m: Uint8Array | null) => void; reject: (e: Error) => void };

/**
 * GrpcUnaryClientStream carries a call the caller declared unary the way
 * grpc-js's own unary requests go: the request is held until closeSend(),
 * then the call starts, sends it and half-closes at once, and asks for its
 * one reply. The reply is read once the call's status is in, or handed
 * with the status to the end listener (onEnd), which spares the caller a
 * read and a status promise.
 */
export class GrpcUnaryClientStream extends GrpcClientCall {
  private request: Uint8Array | undefined;
  private call: ChannelCall | undefined;
  private reply: Uint8Array | undefined;
  private sendClosed = false;
  private replyTaken = false;
  private reader: Reader | undefined;
  // The end listener (ClientStream.onEnd): told the reply, headers and status without a promise.
  private endListener: EndListener<unknown> | undefined;
  private endSelf: unknown;

  constructor(
    private readonly channel: grpc.ChannelInterface,
    private readonly method: string,
    private readonly metadata: Metadata,
    private readonly options: StreamOptions | undefined,
    owner: CallOwner,
  ) {
    super(owner);
  }

  /** onEnd sets the one end listener: see ClientStream.onEnd. */
  onEnd<C>(done: EndListener<C>, self: C): void {
    if (this.final) {
      queueMicrotask(() => this.tellEnd(done as EndListener<unknown>, self));
      return;
    }
    this.endListener = done as EndListener<unknown>;
    this.endSelf = self;
  }

  write(message: Uint8Array): Promise<void> {
    if (this.final) return this.final.code === Code.OK ? ACCEPTED : Promise.reject(this.finalError());
    if (this.sendClosed) return Promise.reject(writeAfterCloseSend());
    if (this.request !== undefined) return Promise.reject(new StatusError(Code.INTERNAL, 'a unary call takes exactly one request'));
    this.request = message;
    return ACCEPTED;
  }

  closeSend(): void {
    if (this.sendClosed || this.final) return;
    this.sendClosed = true;
    const request = this.request;
    if (request === undefined) {
      this.cancel(Code.INTERNAL, 'a unary call was closed without its request');
      return;
    }
    const call = this.startCall(this.channel, this.method, this.metadata, this.options);
    if (!call) return;
    this.call = call;
    call.startRead();
    call.sendMessageWithContext(NO_CALLBACK, serializeBytes(request));
    call.halfClose();
  }

  onReceiveMessage(message: Buffer): void {
    // As on every transport with onEnd: a second reply ends the call INTERNAL.
    if (this.reply !== undefined) {
      this.cancel(Code.INTERNAL, TOO_MANY_REPLIES_TEXT);
      return;
    }
    const limit = this.options?.maxMessageSize;
    if (limit !== undefined && message.byteLength > limit) {
      this.cancel(Code.RESOURCE_EXHAUSTED, `received message of ${message.byteLength} bytes exceeds the limit of ${limit}`);
      return;
    }
    this.reply = deserializeBytes(message);
    // grpc-js holds the status behind a message nobody asked to read: asking
    // for one more lets a second reply show (and end the call) rather than
    // hang it until its deadline.
    this.call?.startRead();
  }

  read(): Promise<Uint8Array | null> {
    if (!this.final) {
      if (this.reader) return Promise.reject(readAlreadyPending());
      return new Promise((resolve, reject) => {
        this.reader = { resolve, reject };
      });
    }
    if (this.final.code !== Code.OK) return Promise.reject(this.finalError());
    return Promise.resolve(this.nextReply());
  }

  cancel(code: number = Code.CANCELLED, message = 'call cancelled by the client'): void {
    const status = this.localCancel(code, message);
    if (!status) return;
    if (this.call) this.call.cancelWithStatus(code as grpc.status, message);
    else this.end(status);
  }

  protected ended(final: Status): void {
    const done = this.endListener;
    if (done) {
      const self = this.endSelf;
      this.endListener = this.endSelf = undefined;
      this.tellEnd(done, self);
      return;
    }
    const reader = this.reader;
    if (!reader) return;
    this.reader = undefined;
    if (final.code === Code.OK) reader.resolve(this.nextReply());
    else reader.reject(this.finalError());
  }

  private tellEnd(done: EndListener<unknown>, self: unknown): void {
    const final = this.final as Status;
    done.call(self, final.code === Code.OK ? this.nextReply() : null, this.headersNow() ?? new Metadata(), final);
  }

  // The reply once, then the clean end.
  private nextReply(): Uint8Array | null {
    if (this.replyTaken || this.reply === undefined) return null;
    this.replyTaken = true;
    return this.reply;
  }
}

const NO_CALLBACK = {};
