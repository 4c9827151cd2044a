import { type ClientStream, Code, isStatusError, type Metadata } from '@tsmicro/transport';
import type { Codec } from './codec/codec.js';
import type { MessageType } from './definition.js';
import { EOF } from './eof.js';
import { MicroError } from './errors.js';
import type { BidiStreamClient, ClientStreamClient, ServerStreamClient } from './stream-types.js';

// A stream object the caller dropped without closing is cancelled when it is
// garbage-collected, so its connection slot and the server's handler are freed.
const abandoned = new FinalizationRegistry<ClientStream>((stream) =>
  stream.cancel(Code.CANCELLED, 'stream abandoned by the client'),
);

/**
 * ClientCall is the caller's side of one streaming call. It implements every
 * client-side stream interface; stubs hand out the one the method's kind
 * allows. Its resources (lease, timer, abort listener) are released by the
 * `release` callback once the transport reports the final status.
 */
export class ClientCall<I, O> implements BidiStreamClient<I, O>, ClientStreamClient<I, O>, ServerStreamClient<O> {
  constructor(
    private readonly stream: ClientStream,
    private readonly codec: Codec,
    private readonly requestType: MessageType<I>,
    private readonly responseType: MessageType<O>,
    handedToCaller: boolean,
  ) {
    // A unary call never leaves the client, which always ends it; only stream
    // objects a caller holds can be dropped, so only they are watched.
    if (!handedToCaller) return;
    // The token, not `this`, is captured: the status callback must not keep the call reachable.
    const token = {};
    abandoned.register(this, stream, token);
    void stream.status.then(() => abandoned.unregister(token));
  }

  async send(message: I): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes = this.codec.marshal(this.requestType, message);
    } catch (err) {
      throw new MicroError(Code.INVALID_ARGUMENT, `cannot encode ${this.requestType.typeName}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    try {
      await this.stream.write(bytes);
    } catch (err) {
      // Go's SendMsg returns io.EOF once the server has ended the call; recv() then tells how.
      if (isStatusError(err) && err.code === Code.OK) throw EOF;
      throw MicroError.from(err, Code.UNAVAILABLE);
    }
  }

  sendMsg(message: I): Promise<void> {
    return this.send(message);
  }

  async recv(): Promise<O> {
    let bytes: Uint8Array | null;
    try {
      bytes = await this.stream.read();
    } catch (err) {
      throw MicroError.from(err, Code.UNAVAILABLE);
    }
    if (bytes === null) throw EOF;
    try {
      return this.codec.unmarshal(this.responseType, bytes);
    } catch (err) {
      const e = new MicroError(Code.INTERNAL, `malformed ${this.responseType.typeName} from server: ${(err as Error).message}`);
      this.stream.cancel(Code.INTERNAL, e.detail);
      throw e;
    }
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
    this.stream.cancel(Code.CANCELLED, 'stream closed by the client');
  }

  header(): Promise<Metadata> {
    return this.stream.headers;
  }

  async trailer(): Promise<Metadata> {
    return (await this.stream.status).metadata;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<O> {
    for (;;) {
      let message: O;
      try {
        message = await this.recv();
      } catch (err) {
        if (err === EOF) return;
        throw err;
      }
      yield message;
    }
  }

  /** recvOne reads exactly one reply and the clean end after it (unary and client streaming). */
  async recvOne(): Promise<O> {
    let reply: O;
    try {
      reply = await this.recv();
    } catch (err) {
      if (err === EOF) throw new MicroError(Code.INTERNAL, 'the server ended the call without a reply');
      throw err;
    }
    try {
      await this.recv();
    } catch (err) {
      if (err === EOF) return reply;
      throw err;
    }
    this.stream.cancel(Code.INTERNAL, 'more than one reply');
    throw new MicroError(Code.INTERNAL, 'the server sent more than one reply to a call that takes one');
  }
}
