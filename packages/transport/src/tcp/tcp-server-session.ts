import type { Socket } from 'node:net';
import { Metadata } from '../metadata.js';
import { Code } from '../status.js';
import type { KeepaliveOptions, ServerStream } from '../transport.js';
import { Flag, type GoawayPayload } from './frame.js';
import { EMPTY_METADATA_BLOCK, decodeMetadata } from './metadata-codec.js';
import type { Settings } from './preface.js';
import { RequestHeadersReader } from './request-headers-reader.js';
import type { ServedMethods } from './served-methods.js';
import { GoawayCode, TcpProtocolError } from './protocol-error.js';
import { encodeRst } from './tcp-client-stream.js';
import type { TcpStreamBase } from './stream-base.js';
import { type ServerStreamShared, TcpServerStream } from './tcp-server-stream.js';
import { TcpSession } from './tcp-session.js';

/** ServerSessionOptions are the listener's settings each server session applies. */
export interface ServerSessionOptions {
  readonly onStream: (stream: ServerStream) => void;
  readonly keepalive: KeepaliveOptions | undefined;
  readonly maxMessageSize: number;
  readonly maxResetsPerSecond: number;
  /** onAbusive runs when the session closes its connection for abuse (GOAWAY ENHANCE_YOUR_CALM). */
  readonly onAbusive: () => void;
  /** The methods served: a unary one is handed over with its request in. */
  readonly served: ServedMethods;
}

/**
 * TcpServerSession is the server side of one tcp connection: it turns
 * HEADERS into ServerStreams, enforces the stream and metadata limits and
 * rate-limits resets.
 */
export class TcpServerSession extends TcpSession {
  private lastStreamId = 0;
  // A token bucket of resets: a second's worth at once, refilled at the same rate.
  private resetTokens: number;
  private resetRefilled = performance.now();
  private draining: Promise<void> | undefined;
  private arrived: TcpServerStream[] = [];
  // One copy of each method path and content type (a served path is the
  // router's own string): every call carries them, and an open stream would
  // otherwise keep its own two strings.
  private readonly headers: RequestHeadersReader;
  private readonly shared: ServerStreamShared;

  constructor(
    peerAddress: string,
    socket: Socket,
    local: Settings,
    peer: Settings,
    private readonly options: ServerSessionOptions,
  ) {
    super(socket, local, peer, options.keepalive);
    this.resetTokens = options.maxResetsPerSecond;
    this.headers = new RequestHeadersReader(options.served);
    this.shared = {
      host: this,
      sendWindow: peer.initialWindowSize,
      maxMessageSize: options.maxMessageSize,
      peer: peerAddress,
      peerMaxMetadataSize: peer.maxMetadataSize,
      peerTakesOkEnd: peer.okEndOnData === 1,
    };
  }

  /** close drains the connection: GOAWAY, up to graceMs for open calls, then UNAVAILABLE for the rest. */
  close(graceMs: number): Promise<void> {
    this.draining ??= this.drain(graceMs, Code.UNAVAILABLE, 'server is shutting down');
    return this.draining;
  }

  protected override lastPeerStreamId(): number {
    return this.lastStreamId;
  }

  protected onHeaders(id: number, flags: number, bytes: Buffer, start: number, end: number): void {
    if ((id & 1) === 0 || id <= this.lastStreamId) throw new TcpProtocolError(`HEADERS for stream ${id}, which the client cannot open now`);
    this.lastStreamId = id;
    const h = this.headers.read(bytes, start, end);
    if (this.goawaySent) {
      this.push(encodeRst(id, Code.UNAVAILABLE, 'server is shutting down', Flag.REFUSED));
      return;
    }
    if (this.streams.size >= this.local.maxConcurrentStreams) {
      this.push(encodeRst(id, Code.RESOURCE_EXHAUSTED, `too many concurrent streams (limit ${this.local.maxConcurrentStreams})`, Flag.REFUSED));
      return;
    }
    if (h.metadata.length > this.local.maxMetadataSize) {
      this.push(encodeRst(id, Code.RESOURCE_EXHAUSTED, `request metadata of ${h.metadata.length} bytes exceeds the limit of ${this.local.maxMetadataSize}`));
      return;
    }
    const s = new TcpServerStream(
      id,
      this.shared,
      h.method,
      h.contentType === '' ? undefined : h.contentType,
      h.metadata === EMPTY_METADATA_BLOCK ? undefined : decodeMetadata(h.metadata),
      h.timeoutMs,
      (flags & Flag.END_STREAM) === 0 && this.headers.unary,
    );
    this.streams.set(id, s);
    if ((flags & Flag.END_STREAM) !== 0) s.remoteEnded();
    this.arrived.push(s);
  }

  // New streams reach the application once the bytes they came in are
  // parsed, or their first DATA is: a stream the same bytes reset (a reset
  // flood) costs no handler. A unary call's DATA leaves them waiting, so
  // that call comes with its request in. Once the bytes are parsed, the
  // headers reader lets go of them.
  protected override startArrived(dataFor?: TcpStreamBase): void {
    if (dataFor === undefined) this.headers.releaseBytes();
    const arrived = this.arrived;
    if (arrived.length === 0 || (dataFor as TcpServerStream | undefined)?.awaitsRequest === true) return;
    this.arrived = [];
    for (const s of arrived) {
      s.awaitsRequest = false;
      if (s.closed) continue;
      try {
        this.options.onStream(s);
      } catch {
        // The handler's own failure must not reach the peer's bytes or this connection.
        s.finish({ code: Code.INTERNAL, message: 'stream handler failed', metadata: new Metadata() });
      }
    }
  }

  protected onTrailers(): void {
    throw new TcpProtocolError('TRAILERS from a client');
  }

  protected onGoaway(_g: GoawayPayload): void {
    // The client is closing: it opens nothing new and ends the socket once its calls are done.
  }

  protected override onResetReceived(): void {
    const rate = this.options.maxResetsPerSecond;
    const now = performance.now();
    this.resetTokens = Math.min(rate, this.resetTokens + ((now - this.resetRefilled) * rate) / 1000);
    this.resetRefilled = now;
    if (--this.resetTokens < 0) {
      throw new TcpProtocolError(`more than ${rate} stream resets a second`, GoawayCode.ENHANCE_YOUR_CALM);
    }
  }

  protected override connectionError(err: unknown): void {
    if (this.deadError === null && err instanceof TcpProtocolError && err.code === GoawayCode.ENHANCE_YOUR_CALM) this.options.onAbusive();
    super.connectionError(err);
  }
}
