import type { Socket } from 'node:net';
import type { Metadata } from '../metadata.js';
import { Code } from '../status.js';
import { StatusError } from '../status-error.js';
import type { ClientStream, Connection, ConnectionState, KeepaliveOptions, StreamOptions } from '../transport.js';
import {
  FrameType,
  type GoawayPayload,
  NO_TIMEOUT,
  decodeHeadersPayload,
  decodeTrailersPayload,
  isPlainOkTrailers,
} from './frame.js';
import { decodeMetadata, metadataBlockSize } from './metadata-codec.js';
import type { Settings } from './preface.js';
import { RequestHeadersWriter } from './request-headers-writer.js';
import { TcpClientStream } from './tcp-client-stream.js';
import type { TcpStreamBase } from './stream-base.js';
import { TcpSession } from './tcp-session.js';

/** Client stream ids are odd and grow; past this the connection drains and a new one is needed. */
const MAX_STREAM_ID = 0x7fffffff;

/**
 * TcpConnection is the client side of one tcp connection: it opens streams
 * (odd ids, increasing) and ends calls on TRAILERS or RST from the server.
 */
export class TcpConnection extends TcpSession implements Connection {
  private nextId = 1;
  private state_: ConnectionState = 'ready';
  private closing: Promise<void> | undefined;
  private readonly headers = new RequestHeadersWriter();
  // Unary calls open on this connection, and how many of them were opened
  // since socket write number `unsentSince` (not on the wire yet): see answersDue.
  private unaryOpen = 0;
  private unaryUnsent = 0;
  private unsentSince = -1;

  constructor(
    readonly address: string,
    socket: Socket,
    local: Settings,
    peer: Settings,
    keepalive: KeepaliveOptions | undefined,
    private readonly maxMessageSize: number,
  ) {
    super(socket, local, peer, keepalive);
    void this.closed.then(() => {
      this.state_ = 'closed';
    });
  }

  get state(): ConnectionState {
    return this.state_;
  }

  openStream(method: string, metadata: Metadata, options?: StreamOptions): ClientStream {
    const maxMessage = options?.maxMessageSize ?? this.maxMessageSize;
    if (this.state_ !== 'ready' || this.nextId > MAX_STREAM_ID) {
      const s = new TcpClientStream(0, this, 0, maxMessage);
      s.failNow(new StatusError(Code.UNAVAILABLE, `connection to ${this.address} is ${this.state_ === 'ready' ? 'out of stream ids' : this.state_}`));
      return s;
    }
    const id = this.nextId;
    this.nextId += 2;
    const s = new TcpClientStream(id, this, this.peer.initialWindowSize, maxMessage);
    s.unary = options?.kind === 'unary';
    let timeoutMs = NO_TIMEOUT;
    if (options?.deadline !== undefined) {
      const left = Math.ceil(options.deadline - Date.now());
      if (left <= 0) {
        s.failNow(new StatusError(Code.DEADLINE_EXCEEDED, 'deadline exceeded before the call started'));
        return s;
      }
      timeoutMs = Math.min(left, NO_TIMEOUT - 1);
    }
    const mdSize = metadataBlockSize(metadata);
    if (mdSize > this.peer.maxMetadataSize) {
      s.failNow(new StatusError(Code.RESOURCE_EXHAUSTED, `request metadata of ${mdSize} bytes exceeds the server's limit of ${this.peer.maxMetadataSize}`));
      return s;
    }
    const payload = this.headers.payload(timeoutMs, method, options?.contentType ?? '', metadata, mdSize);
    if (payload.length > this.peer.maxFrameSize) {
      s.failNow(new StatusError(Code.RESOURCE_EXHAUSTED, `request headers of ${payload.length} bytes exceed the server's frame limit`));
      return s;
    }
    this.streams.set(id, s);
    if (s.unary) this.countUnary();
    this.frame(id, FrameType.HEADERS, 0, payload);
    if (timeoutMs !== NO_TIMEOUT) s.startDeadline(timeoutMs);
    if (this.nextId > MAX_STREAM_ID) void this.close(Number.MAX_SAFE_INTEGER);
    return s;
  }

  close(graceMs = 0): Promise<void> {
    if (this.closing === undefined) {
      if (this.state_ === 'ready') this.state_ = 'closing';
      this.closing = this.drain(graceMs, Code.CANCELLED, 'connection closed by the client');
    }
    return this.closing;
  }

  protected onHeaders(id: number, _flags: number, bytes: Buffer, start: number, end: number): void {
    const s = this.streams.get(id) as TcpClientStream | undefined;
    const h = decodeHeadersPayload(bytes.subarray(start, end));
    if (s === undefined) return;
    if (h.metadata.length > this.local.maxMetadataSize) {
      s.abort(Code.RESOURCE_EXHAUSTED, `response headers of ${h.metadata.length} bytes exceed the limit of ${this.local.maxMetadataSize}`);
      return;
    }
    s.onResponseHeaders(decodeMetadata(h.metadata));
  }

  protected onTrailers(id: number, bytes: Buffer, start: number, end: number): void {
    if (isPlainOkTrailers(bytes, start, end)) {
      (this.streams.get(id) as TcpClientStream | undefined)?.onOkTrailers();
      return;
    }
    const t = decodeTrailersPayload(bytes.subarray(start, end));
    const s = this.streams.get(id) as TcpClientStream | undefined;
    if (s === undefined) return;
    if (t.metadata.length > this.local.maxMetadataSize) {
      s.fail(new StatusError(Code.RESOURCE_EXHAUSTED, `trailers of ${t.metadata.length} bytes exceed the limit of ${this.local.maxMetadataSize}`));
      return;
    }
    s.onTrailers(t.code, t.message, decodeMetadata(t.metadata));
  }

  protected onGoaway(g: GoawayPayload): void {
    if (this.state_ === 'ready') this.state_ = 'closing';
    // Streams above the last id the server saw were never processed: safe to retry elsewhere.
    const refused = new StatusError(Code.UNAVAILABLE, `server is going away (${g.reason || 'no reason given'}); stream not processed`, undefined, {
      unprocessed: true,
    });
    for (const [id, s] of [...this.streams]) if (id > g.lastStreamId) s.fail(refused);
    if (this.streams.size === 0) void this.close(0);
  }

  private countUnary(): void {
    this.unaryOpen++;
    const writes = this.socketWrites;
    if (this.unsentSince !== writes) {
      this.unsentSince = writes;
      this.unaryUnsent = 0;
    }
    this.unaryUnsent++;
  }

  // Answers are due while unary calls are on the wire: ones opened before the
  // last socket write and still open. Long-lived streams do not count, as
  // their messages may be hours apart.
  protected override answersDue(): boolean {
    const unsent = this.unsentSince === this.socketWrites ? this.unaryUnsent : 0;
    return this.unaryOpen > unsent;
  }

  protected override onStreamRemoved(stream: TcpStreamBase): void {
    if ((stream as TcpClientStream).unary) this.unaryOpen--;
    if (this.state_ === 'closing' && this.closing === undefined && this.streams.size === 0) void this.close(0);
  }
}
