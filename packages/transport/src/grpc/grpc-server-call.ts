import * as grpc from '@grpc/grpc-js';
import { AbortNotice } from '../abort-notice.js';
import { Metadata } from '../metadata.js';
import { Code } from '../status.js';
import { type Status, StatusError } from '../status-error.js';
import type { ServerStream } from '../transport.js';
import { statusErrorFromUnknown } from './grpc-error.js';
import { CONTENT_TYPE_HEADER, grpcMetadataFromMetadata, metadataFromGrpcMetadata } from './grpc-metadata.js';

/** The grpc-js call objects a handler's side is built on. */
export type GrpcServerCallObject = grpc.ServerUnaryCall<Uint8Array, Uint8Array> | grpc.ServerDuplexStream<Uint8Array, Uint8Array>;

/** GrpcTrailingStatus is a status in grpc-js's terms, ready to send. */
export interface GrpcTrailingStatus {
  readonly code: number;
  readonly details: string;
  readonly metadata: grpc.Metadata;
}

// Each grpc-js call object points back to the GrpcServerCall built on it, so
// its event listeners can be shared functions rather than closures per call:
// an idle stream then holds no listener of its own.
const OWNER = Symbol('tsmicro.grpcServerCall');
type Owned = { [OWNER]?: GrpcServerCall };

/**
 * GrpcServerCall is what the handler's side of every gRPC call shares,
 * however grpc-js carries it: the request's headers, deadline and peer, the
 * abort signal, response headers, and ending the call exactly once.
 */
export abstract class GrpcServerCall implements ServerStream {
  readonly deadline: number | undefined;
  readonly contentType: string | undefined;
  // Read at the start: grpc-js knows the peer only while the connection lasts.
  readonly peer: string;
  // Converted on first look: most handlers read no headers, and the
  // conversion costs time per call and memory per open stream.
  private metadata_: Metadata | undefined;
  private readonly aborted = new AbortNotice();
  private finished = false;
  /** Set once grpc-js has the status to send: from then on nothing can abort the call. */
  protected statusSent = false;

  constructor(
    private readonly call: GrpcServerCallObject,
    readonly method: string,
    /** The listener's calls in progress: this call is in it until it ends. */
    private readonly live: Set<GrpcServerCall>,
  ) {
    const sent = call.metadata.get(CONTENT_TYPE_HEADER)[0];
    // grpc-js accepts only application/grpc* and hides the header; a plain
    // grpc peer means protobuf.
    this.contentType = typeof sent === 'string' ? sent : 'application/grpc';
    this.peer = call.getPeer();
    const deadline = call.getDeadline();
    const ms = deadline instanceof Date ? deadline.getTime() : deadline;
    this.deadline = Number.isFinite(ms) ? ms : undefined;
    (call as Owned)[OWNER] = this;
    live.add(this);
    // grpc-js reports 'cancelled' for a reset stream and an expired deadline
    // (and on a duplex also after it sent our own status, which statusSent tells apart).
    call.on('cancelled', GrpcServerCall.onCancelled);
  }

  get metadata(): Metadata {
    this.metadata_ ??= metadataFromGrpcMetadata(this.call.metadata);
    return this.metadata_;
  }

  /** ownerOf is the call a grpc-js call object's event came from. */
  protected static ownerOf(emitter: unknown): GrpcServerCall {
    return (emitter as Owned)[OWNER] as GrpcServerCall;
  }

  private static onCancelled(this: unknown): void {
    const call = GrpcServerCall.ownerOf(this);
    call.forget();
    call.interrupt();
  }

  /** forget takes the call off the listener's list of calls in progress. */
  protected forget(): void {
    this.live.delete(this);
  }

  get signal(): AbortSignal {
    return this.aborted.signal;
  }

  onAbort(listener: ((reason: StatusError) => void) | undefined): void {
    this.aborted.listen(listener);
  }

  abstract read(): Promise<Uint8Array | null>;
  abstract write(message: Uint8Array): Promise<void>;

  /** abortReason is the error the call was aborted with, once it was. */
  protected get abortReason(): StatusError | undefined {
    return this.aborted.reason;
  }

  /** isFinished tells whether the call was ended by finish() or terminate(). */
  protected get isFinished(): boolean {
    return this.finished;
  }

  sendHeaders(metadata: Metadata): void {
    if (this.finished || this.abortReason !== undefined) return;
    try {
      this.call.sendMetadata(grpcMetadataFromMetadata(metadata));
    } catch (err) {
      this.finish({ code: Code.INTERNAL, message: statusErrorFromUnknown(err).message, metadata: new Metadata() });
    }
  }

  finish(status: Status): void {
    if (this.finished) return;
    this.finished = true;
    if (this.abortReason !== undefined) return;
    this.sendStatus(trailingStatus(status));
  }

  /**
   * terminate aborts the call from the listener's side: the handler's signal
   * fires and, unless the handler already finished, the client gets err's status.
   */
  terminate(err: StatusError): void {
    if (this.statusSent) return;
    this.abortWith(err);
    if (this.finished) return;
    this.finished = true;
    this.sendStatus(trailingStatus(err.status));
  }

  /** sendStatus hands the call's end to grpc-js. */
  protected abstract sendStatus(status: GrpcTrailingStatus): void;

  /** failed settles the subclass's pending reads and writes when the call is aborted. */
  protected abstract failed(err: StatusError): void;

  private abortWith(err: StatusError): void {
    if (this.abortReason !== undefined || this.statusSent) return;
    this.failed(err);
    this.aborted.abort(err);
  }

  protected interrupt(): void {
    if (this.statusSent || this.abortReason !== undefined) return;
    const expired = this.deadline !== undefined && Date.now() >= this.deadline - 5;
    const err = expired
      ? new StatusError(Code.DEADLINE_EXCEEDED, 'deadline exceeded')
      : new StatusError(Code.CANCELLED, 'call cancelled or connection lost');
    this.abortWith(err);
  }
}

// Trailers that cannot be sent turn the status into INTERNAL saying why.
function trailingStatus(status: Status): GrpcTrailingStatus {
  try {
    return { code: status.code, details: status.message, metadata: grpcMetadataFromMetadata(status.metadata) };
  } catch (err) {
    return { code: Code.INTERNAL, details: statusErrorFromUnknown(err).message, metadata: new grpc.Metadata() };
  }
}
